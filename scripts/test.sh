#!/usr/bin/env bash
# Every test: install what is missing, build with AddressSanitizer and
# UndefinedBehaviorSanitizer, and run all of CTest (unit, integration against
# the real binary, and the console in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan
ctest --preset debug-asan "$@"

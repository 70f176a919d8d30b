#!/usr/bin/env bash
# The main job: install what is missing, build the release binary (only it), and serve
# the API and console on http://127.0.0.1:8080 with the demo city loaded.
# Extra arguments go to `qiantang serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
# Only the server and CLI: tests and benchmarks build in scripts/test.sh.
cmake --build --preset release --target qiantang
exec build/release/src/cli/qiantang serve --demo "$@"

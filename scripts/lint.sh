#!/usr/bin/env bash
# House style, checked before the tests: every C++ file as clang-format-14
# formats it (.clang-format). Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror
echo "lint: clang-format clean ($(git ls-files '*.cc' '*.h' | wc -l) files)"

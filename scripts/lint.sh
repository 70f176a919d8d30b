#!/usr/bin/env bash
# House style, checked before the tests: every C++ file as clang-format-14
# formats it (.clang-format), and the console and its browser tests as
# prettier formats them (.prettierrc.json) and eslint accepts them
# (eslint.config.js; npm ci installs both, scripts/install-deps.sh). Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
#   npx prettier --write web tests/browser
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror
echo "lint: clang-format clean ($(git ls-files '*.cc' '*.h' | wc -l) files)"
npx --no-install prettier --check --log-level warn web tests/browser eslint.config.js
npx --no-install eslint --max-warnings 0 web tests/browser eslint.config.js
echo "lint: prettier and eslint clean ($(git ls-files web tests/browser | grep -cE '\.(js|mjs|html|css)$') files)"

#!/usr/bin/env bash
# clang-tidy-14 (.clang-tidy: bugprone, performance and a few modernize and
# readability checks) over C++ sources, with the flags of the debug-asan build
# (build/debug-asan/compile_commands.json, written by its configure step):
#
#   bash scripts/tidy.sh                 the 40 .cc files changed most recently
#   bash scripts/tidy.sh --all           every .cc file (about 40 minutes on 2 cores)
#   bash scripts/tidy.sh FILE...         those files
#
# Every source costs 5 to 20 s (nlohmann/json and cpp-httplib dominate), so CI
# checks the newest changes within a fixed budget: the 40 sources the latest
# commits touched, newest first, whatever the merges (about 4 minutes; a stop
# that merged three branches had widened "the last 10 commits" to 154 files and
# 15 minutes). Before committing, run it on the files you changed. Headers are
# checked through the sources that include them. Any finding fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
db=build/debug-asan
[[ -f $db/compile_commands.json ]] || cmake --preset debug-asan >/dev/null
files=()
if [[ "${1:-}" == "--all" ]]; then
  mapfile -t files < <(git ls-files 'src/*.cc' 'tests/*.cc')
elif (( $# )); then
  files=("$@")
else
  mapfile -t files < <(git log --format= --name-only -n 200 -- 'src/*.cc' 'tests/*.cc' |
    awk 'NF && !seen[$0]++' | while read -r f; do [[ -f $f ]] && echo "$f"; done | head -40)
fi
if (( ${#files[@]} == 0 )); then
  echo "tidy: no C++ sources to check"
  exit 0
fi
# gcc's -Wshadow=local is unknown to clang; the checks, not the warnings, are what is run here.
printf '%s\n' "${files[@]}" |
  xargs -P 2 -n 4 clang-tidy-14 -p "$db" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option 2>/dev/null
echo "tidy: clang-tidy clean (${#files[@]} files)"

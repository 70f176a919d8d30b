#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for a bounded time, two at a time:
#
#   bash scripts/fuzz.sh [seconds=20] [target...]
#
# Builds the targets in the debug-asan tree (clang-14, whose every library is
# compiled with -fsanitize=fuzzer-no-link,address,undefined), then runs each target
# first over its seed corpus testdata/fuzz/<target>/ (every input kept there,
# including past crashes, must pass: the regression run) and then for
# `seconds` of new inputs, with new coverage going to build/fuzzing/corpus/<target>/
# (not the repository). A crash, leak, timeout (10 s) or out-of-memory input
# fails the script; its input is copied into testdata/fuzz/<target>/ as
# crash-<sha1> so that it stays in the corpus (fix the bug, keep the file:
# the next run replays it).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
if [[ "${QIANTANG_FUZZ_NO_BUILD:-}" != 1 ]]; then  # 1: use the targets already built
  cmake --preset debug-asan >/dev/null
  cmake --build --preset debug-asan --target qiantang_fuzzers >/dev/null
fi
bin=build/debug-asan/fuzz
out=build/fuzzing/runs
mkdir -p "$out"
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for f in "$bin"/*_fuzz; do targets+=("$(basename "${f%_fuzz}")"); done
fi

run_one() {  # run_one TARGET: 0 if it found nothing
  local t=$1 seeds="testdata/fuzz/$1" work="build/fuzzing/corpus/$1" art="$out/$1/"
  rm -rf "$art"
  mkdir -p "$work" "$art" "$seeds"
  # Regression: every kept input, alone.
  if [[ -n "$(ls -A "$seeds")" ]] &&
     ! "$bin/${t}_fuzz" -runs=0 -timeout=10 -rss_limit_mb=4096 "$seeds" >"$out/$t.replay.log" 2>&1; then
    echo "fuzz: $t FAILED replaying testdata/fuzz/$t (log: $out/$t.replay.log)"
    tail -30 "$out/$t.replay.log"
    return 1
  fi
  if "$bin/${t}_fuzz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$art" "$work" "$seeds" >"$out/$t.log" 2>&1; then
    echo "fuzz: $t ok ($(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log") runs," \
         "$(sed -n 's/^stat::new_units_added: *//p' "$out/$t.log") new inputs)"
    return 0
  fi
  echo "fuzz: $t FOUND A CRASH (log: $out/$t.log)"
  grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error|api_fuzz:|SUMMARY|^==[0-9]+== ERROR' "$out/$t.log" || tail -40 "$out/$t.log"
  for a in "$art"*; do
    [[ -f $a ]] || continue
    cp "$a" "$seeds/crash-$(sha1sum "$a" | cut -c1-16)"
    echo "fuzz: kept the input as $seeds/crash-$(sha1sum "$a" | cut -c1-16)"
  done
  return 1
}

failed=()
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if (( ${#pids[@]} == 2 )); then
    wait "${pids[0]}" || failed+=("${names[0]}")
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done

if (( ${#failed[@]} )); then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${secs}s with no crash"

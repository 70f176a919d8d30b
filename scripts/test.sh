#!/usr/bin/env bash
# Every test: install what is missing, build with AddressSanitizer and
# UndefinedBehaviorSanitizer, start a throwaway PostgreSQL cluster (so every
# storage and module test runs on SQLite and PostgreSQL) and a throwaway
# single-host Slurm (for the compute platform's Slurm backend), and run all of
# CTest (unit, integration against the real binary, multi-process on
# PostgreSQL, real Slurm, and the console in headless Chromium); then every
# libFuzzer target for 20 s (scripts/fuzz.sh; QIANTANG_FUZZ_SECONDS changes
# it) and the concurrency tests under ThreadSanitizer (scripts/tsan.sh).
# QIANTANG_FUZZ=0 or QIANTANG_TSAN=0 skips a stage. The fuzz and tsan builds
# run at the lowest priority while CTest runs (its servers mostly wait), so
# they cost the idle CPU first; docs/BENCHMARKS.md has each stage's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { echo "test.sh: $1 ($(( SECONDS / 60 ))m$(( SECONDS % 60 ))s so far)"; }
bash scripts/install-deps.sh --test
bash scripts/lint.sh
cmake --preset debug-asan >/dev/null
cmake --build --preset debug-asan
stage "built"
fuzz=${QIANTANG_FUZZ:-1} tsan=${QIANTANG_TSAN:-1}
mkdir -p build
FUZZ=$fuzz TSAN=$tsan nice -n 19 bash -c '
  set -e
  if [[ $FUZZ != 0 ]]; then cmake --preset fuzz >/dev/null; cmake --build --preset fuzz; fi
  if [[ $TSAN != 0 ]]; then cmake --preset tsan >/dev/null; cmake --build --preset tsan; fi
' >build/background-builds.log 2>&1 &
builds=$!
eval "$(bash scripts/pg-cluster.sh start)"
eval "$(bash scripts/slurm-cluster.sh start)"
trap 'kill "$builds" 2>/dev/null; bash scripts/pg-cluster.sh stop "$QIANTANG_PG_DIR"; bash scripts/slurm-cluster.sh stop "$QIANTANG_SLURM_DIR"' EXIT
ctest --preset debug-asan "$@"
stage "main tests passed"
if ! wait "$builds"; then
  echo "test.sh: the fuzz or tsan build failed:"
  tail -40 build/background-builds.log
  exit 1
fi
stage "fuzz and tsan builds done"
if [[ $fuzz != 0 ]]; then
  QIANTANG_FUZZ_NO_BUILD=1 bash scripts/fuzz.sh "${QIANTANG_FUZZ_SECONDS:-20}"
  stage "fuzzing passed"
fi
if [[ $tsan != 0 ]]; then
  bash scripts/tsan.sh
  stage "ThreadSanitizer passed"
fi

#!/usr/bin/env bash
# Every test: install what is missing, check the style (scripts/lint.sh) and
# clang-tidy on recently changed sources (scripts/tidy.sh), build with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-14; the libFuzzer targets share that build),
# start a throwaway PostgreSQL cluster (so every storage and module test runs on
# SQLite and PostgreSQL) and a throwaway single-host Slurm (for the compute
# platform's Slurm backend), and run all of CTest (unit, integration against the
# real binary, multi-process on PostgreSQL, real Slurm, and the console in
# headless Chromium); then every libFuzzer target for 30 s (scripts/fuzz.sh;
# QIANTANG_FUZZ_SECONDS changes it, QIANTANG_FUZZ=0 skips it); then the
# concurrency tests under ThreadSanitizer (scripts/tsan.sh, a gcc build;
# QIANTANG_TSAN=0 skips it). docs/BENCHMARKS.md has each stage's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { echo "test.sh: $1 ($(( SECONDS / 60 ))m$(( SECONDS % 60 ))s so far)"; }
bash scripts/install-deps.sh --test
bash scripts/lint.sh
cmake --preset debug-asan >/dev/null
bash scripts/tidy.sh  # the 40 sources changed most recently
cmake --build --preset debug-asan
stage "built"
eval "$(bash scripts/pg-cluster.sh start)"
eval "$(bash scripts/slurm-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop "$QIANTANG_PG_DIR"; bash scripts/slurm-cluster.sh stop "$QIANTANG_SLURM_DIR"' EXIT
ctest --preset debug-asan "$@"
stage "main tests passed"
if [[ "${QIANTANG_FUZZ:-1}" != 0 ]]; then
  bash scripts/fuzz.sh "${QIANTANG_FUZZ_SECONDS:-30}"
  stage "fuzzing passed"
fi
if [[ "${QIANTANG_TSAN:-1}" != 0 ]]; then
  bash scripts/tsan.sh
  stage "ThreadSanitizer passed"
fi

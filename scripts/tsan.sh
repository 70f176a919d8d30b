#!/usr/bin/env bash
# The concurrency tests under ThreadSanitizer: builds the tsan preset (only
# qiantang and those tests) and runs `ctest --preset tsan` — the store's
# concurrent writers, the market's concurrent accepts and settlements, the
# policy engine's syncs, identity limits and lockouts, and the server,
# market, match, identity and federation integration tests against a
# TSan-built server, the witness's concurrent submissions,
# plus the three-process PostgreSQL test when QIANTANG_TEST_PG is set
# (scripts/test.sh starts the cluster).
#
# Every process (test binaries and the servers they start) writes its race
# reports to build/tsan/tsan-reports/race.<pid> (TSAN_OPTIONS in the preset)
# and stops at the first one; the script fails if any report was written,
# even by a server a test killed. scripts/tsan.supp may name third-party
# frames only (see the file).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset tsan >/dev/null
# Quiet unless it fails: ninja prints compile errors on stdout.
if ! out=$(nice cmake --build --preset tsan 2>&1); then
  echo "$out" | grep -v '^\[' >&2
  echo "tsan: the gcc build failed" >&2
  exit 1
fi
reports=build/tsan/tsan-reports
rm -rf "$reports"
mkdir -p "$reports"
status=0
ctest --preset tsan "$@" || status=$?
if compgen -G "$reports/race*" >/dev/null; then
  echo "tsan: ThreadSanitizer reports in $reports:"
  for r in "$reports"/race*; do
    echo "--- $r"
    head -60 "$r"
  done
  exit 1
fi
exit $status

#!/usr/bin/env bash
# Ledger appends on PostgreSQL with 1 and 3 processes, beside SQLite, in one run.
#
#   bash bench/pg_bench.sh
#
# Starts a throwaway PostgreSQL cluster (scripts/pg-cluster.sh, default
# durability: fsync on, synchronous_commit on), runs BM_AppendDurable (SQLite)
# and BM_AppendDurablePg (one process), then three BM_AppendDurablePg processes
# at once on one database, and prints appends/s per batch size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
eval "$(bash scripts/pg-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop "$QIANTANG_PG_DIR"' EXIT
psql "$QIANTANG_TEST_PG" -qc "CREATE DATABASE bench1" -c "CREATE DATABASE bench3"
base=${QIANTANG_TEST_PG%/postgres}
bench=build/release/bench/ledger_bench
rate() { awk -F, '/AppendDurable/ { gsub(/"/, "", $1); print $1, $NF }'; }  # name, appends/s

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "== SQLite, 1 process"
$bench --benchmark_filter='BM_AppendDurable/' --benchmark_format=csv 2>/dev/null | rate
echo "== PostgreSQL, 1 process"
QIANTANG_BENCH_PG="$base/bench1" $bench --benchmark_filter='BM_AppendDurablePg' --benchmark_format=csv 2>/dev/null | rate
echo "== PostgreSQL, 3 processes on one database (sum)"
for i in 1 2 3; do
  QIANTANG_BENCH_PG="$base/bench3" $bench --benchmark_filter='BM_AppendDurablePg' --benchmark_format=csv \
    --benchmark_min_time=2 2>/dev/null | rate >"$QIANTANG_PG_DIR/p$i.txt" &
done
wait
cat "$QIANTANG_PG_DIR"/p?.txt | awk '{ sum[$1] += $2 } END { for (k in sum) printf "%s %.0f\n", k, sum[k] }' | sort

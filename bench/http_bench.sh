#!/usr/bin/env bash
# HTTP throughput and tail latency over loopback with keep-alive, with wrk:
#   healthz    GET /healthz (routing, metrics, logging, a trivial read): the baseline
#   orgs/{id}  GET /api/v1/orgs/{id} with a bearer token (token lookup + row read)
#   POST orgs  POST /api/v1/orgs (a write: org, user, token rows + 3 ledger events)
#   city summary  GET /api/v1/city/summary (the dashboard: a snapshot turned into JSON),
#              and the time one refresh of that snapshot takes (compute_millis)
#
#   bash bench/http_bench.sh [seconds=10] [connections=8] [sqlite|postgresql] [processes=1]
#
# Builds the release preset (QIANTANG=path/to/qiantang runs that binary instead, for a
# before/after comparison) and starts `qiantang serve --demo` with default
# settings (log level info, to a file). With postgresql it starts a throwaway
# cluster and N server processes on one database; wrk drives all of them at
# once (connections split between them) and the rates are summed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-8}
backend=${3:-sqlite}
procs=${4:-1}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bin=${QIANTANG:-build/release/src/cli/qiantang}  # QIANTANG=path: another build (before/after)
if [[ -z ${QIANTANG:-} ]]; then
  bash scripts/install-deps.sh --test >/dev/null
  cmake --preset release >/dev/null
  cmake --build --preset release >/dev/null
fi

dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${QIANTANG_PG_DIR:-}" ]] && bash scripts/pg-cluster.sh stop "$QIANTANG_PG_DIR"
  rm -rf "$dir"
}
trap cleanup EXIT
if [[ $backend == postgresql ]]; then
  eval "$(bash scripts/pg-cluster.sh start)"
  psql "$QIANTANG_TEST_PG" -qc "CREATE DATABASE http_bench"
  db=${QIANTANG_TEST_PG%/postgres}/http_bench
else
  db="sqlite:$dir/q.db"
fi

urls=()
for i in $(seq "$procs"); do
  demo=(); [[ $i == 1 ]] && demo=(--demo)
  "$bin" serve --listen 127.0.0.1:0 --db "$db" --master-key-file "$dir/master.key" \
    "${demo[@]}" >"$dir/out$i" 2>"$dir/log$i" &
  pids+=($!)
  for _ in $(seq 600); do grep -q '^listening on' "$dir/out$i" 2>/dev/null && break; sleep 0.1; done
  urls+=("$(sed -n 's/^listening on //p' "$dir/out$i")")
done
token=$(sed -n 's/^demo token operator .*: //p' "$dir/out1")
org=$(curl -s -H "Authorization: Bearer $token" "${urls[0]}/api/v1/orgs?limit=5" | sed -n 's/.*"id":"\(org_[0-9A-Z]*\)".*/\1/p' | head -1)
per=$(( conns / procs > 0 ? conns / procs : 1 ))

run() {  # run NAME PATH [wrk args...]: one wrk per process at once; sum rates, worst p99
  local name=$1 path=$2
  shift 2
  local i=0 wrks=()
  for u in "${urls[@]}"; do
    i=$((i + 1))
    wrk -t1 -c"$per" -d"${secs}s" --latency "$@" "$u$path" >"$dir/wrk$i" 2>&1 &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  awk -v name="$name" '
    /^Requests\/sec/ { rps += $2 }
    $1 == "50%" { p50 = p50 > "" ? p50 : $2 }
    $1 == "99%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
                  ms = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v; if (ms > worst) { worst = ms; p99 = $2 } }
    /Non-2xx/ { bad += $5 }
    END { printf "| %s | %.0f | %s | %s | %d |\n", name, rps, p50, p99, bad }' "$dir"/wrk*
  rm -f "$dir"/wrk*
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "backend $backend, $procs process(es), wrk $conns connections in all, ${secs}s each; servers, database and wrk share the machine"
echo
echo "| endpoint | requests/s | p50 | p99 (worst process) | non-2xx |"
echo "|---|---|---|---|---|"
run healthz /healthz
run "orgs/{id}" "/api/v1/orgs/$org" -H "Authorization: Bearer $token"
run "POST orgs" /api/v1/orgs -H "Authorization: Bearer $token" -s bench/post_org.lua
run "city summary" /api/v1/city/summary -H "Authorization: Bearer $token"
echo
echo "one refresh of the dashboard's snapshot: $(curl -s -H "Authorization: Bearer $token" "${urls[0]}/api/v1/city/summary" |
  sed -n 's/.*"compute_millis":\([0-9]*\).*/\1/p') ms (every 5 s, on a background thread)"

#!/usr/bin/env bash
# HTTP throughput and tail latency of the server over loopback with keep-alive:
# an authenticated read (GET /api/v1/orgs/{id}: token lookup + row read) side by
# side with GET /healthz (routing + a trivial query) in the same run, with wrk.
#
#   bash bench/http_bench.sh [seconds=10] [connections=8]
#
# Builds the release preset, starts `qiantang serve --demo` on a free port in a
# temporary folder with its default settings (log level info, to a file), runs
# each endpoint in turn, and prints a Markdown table for docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-8}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bash scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null

dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
build/release/src/cli/qiantang serve --listen 127.0.0.1:0 --db "sqlite:$dir/q.db" \
  --master-key-file "$dir/master.key" --demo >"$dir/out" 2>"$dir/log" &
pid=$!
for _ in $(seq 600); do grep -q '^listening on' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/out")
token=$(sed -n 's/^demo token enterprise .*: //p' "$dir/out")
org=$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/orgs?limit=5" | sed -n 's/.*"id":"\(org_[0-9A-Z]*\)".*/\1/p' | head -1)

run() {  # run NAME PATH [HEADER]
  local out
  if [[ -n "${3:-}" ]]; then
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$3" "$url$2")
  else
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$url$2")
  fi
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$1|$rps|$p50|$p99|${non2xx:-0}"
}

health=$(run healthz /healthz)
authed=$(run "orgs/{id}" "/api/v1/orgs/$org" "Authorization: Bearer $token")

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); wrk -t2 -c$conns -d${secs}s; server and wrk share the machine"
echo
echo "| endpoint | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
for row in "$health" "$authed"; do IFS='|' read -r n r a b e <<<"$row"; echo "| $n | $r | $a | $b | $e |"; done
h=$(cut -d'|' -f2 <<<"$health"); a=$(cut -d'|' -f2 <<<"$authed")
echo
echo "ratio authenticated read / healthz: $(awk -v a="$a" -v h="$h" 'BEGIN {printf "%.2f", a/h}')"

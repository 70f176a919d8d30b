#!/usr/bin/env bash
# Slow and idle connections against `qiantang serve` (issue 19): while IDLE connections send
# nothing and SLOW ones send their headers one byte per second (re-opened whenever the server
# closes them), how fast do /healthz and an authenticated read answer on fresh connections, and
# how much memory does the server hold? Prints bench/slow_clients.py's JSON line.
#
#   bash bench/slow_clients_bench.sh [seconds=30] [idle=1000] [slow=200]
#
# Builds the release preset and starts `qiantang serve` with default settings (a fresh SQLite
# database; the read is GET /api/v1/orgs/{id} with the bootstrap token). QIANTANG=path/to/binary
# runs another build instead (e.g. the previous version, for a before/after comparison).
# Everything stays on 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
idle=${2:-1000}
slow=${3:-200}
bin=${QIANTANG:-build/release/src/cli/qiantang}
if [[ -z ${QIANTANG:-} ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target qiantang >/dev/null
fi
ulimit -n "$(ulimit -Hn)"

dir=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$bin" serve --listen 127.0.0.1:0 --db "sqlite:$dir/q.db" --master-key-file "$dir/master.key" \
  --web-dir '' >"$dir/out" 2>"$dir/log" &
pid=$!
for _ in $(seq 600); do grep -q '^listening on' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/out")
token=$(sed -n 's/^bootstrap operator token (shown once): //p' "$dir/out")
org=$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/orgs?limit=1" |
  sed -n 's/.*"id":"\(org_[0-9A-Z]*\)".*/\1/p' | head -1)
python3 bench/slow_clients.py --port "${url##*:}" --token "$token" --org "$org" --pid "$pid" \
  --seconds "$secs" --idle "$idle" --slow "$slow"

#!/usr/bin/env bash
# Soak: the demo city under mixed traffic for a long time, RSS sampled every
# 10 s (bench/soak.py: reads, writes, channel queries, code scans):
#
#   bash bench/soak.sh [minutes=30] [out=build/soak] [--read-only]
#
# (--read-only: reads only, no new data, so RSS after warm-up should be flat.)
#
# Builds the release preset (or uses $QIANTANG_BINARY), starts
# `qiantang serve --demo` on 127.0.0.1 with its own SQLite file (up to 30
# minutes to load the demo), and runs the traffic; everything runs under
# `nice -n $SOAK_NICE` (10 by default: the machine is shared). Results:
# OUT/samples.csv, OUT/summary.json, the server's log OUT/server.log. Fails
# if any answer was a 5xx, a connection error or a 4xx the traffic does not
# expect (listed in summary.json "unexpected").
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
out=${2:-build/soak}
if [[ -z "${QIANTANG_BINARY:-}" ]]; then
  cmake --preset release >/dev/null
  nice cmake --build --preset release --target qiantang >/dev/null
  QIANTANG_BINARY=build/release/src/cli/qiantang
fi
rm -rf "$out"
mkdir -p "$out"
# The database on tmpfs when there is one: fsync on a disk shared with builds
# would measure the disk, not the server.
dir=$(mktemp -d -p "$( [[ -d /dev/shm ]] && echo /dev/shm || echo /tmp)")
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
nice -n "${SOAK_NICE:-10}" "$QIANTANG_BINARY" serve --listen 127.0.0.1:0 --db "sqlite:$dir/q.db" \
  --master-key-file "$dir/master.key" --log-level warn --demo >"$out/server.out" 2>"$out/server.log" &
pid=$!
for _ in $(seq 9000); do grep -q '^listening on' "$out/server.out" 2>/dev/null && break; sleep 0.2; done
url=$(sed -n 's/^listening on //p' "$out/server.out")
[[ -n $url ]] || { echo "soak: the server did not start"; tail "$out/server.log"; exit 1; }
echo "soak: $url (pid $pid) for $minutes minutes"
nice -n "${SOAK_NICE:-10}" python3 bench/soak.py --url "$url" --pid "$pid" --tokens "$out/server.out" \
  --binary "$QIANTANG_BINARY" --minutes "$minutes" --out "$out" "${@:3}"

#!/usr/bin/env bash
# Federated search over N city nodes (default 18), each a `qiantang serve`
# (release build) of the demo city with its 460 published offers: node 0 peers
# with every other, crawls their DSP catalogs, and answers
# GET /api/v1/federation/catalog?q=... over all N x 460 offers. The baseline,
# measured in the same run on the same node before it peered, is the same
# search over its own 460 offers. Prints p50 and p99 over 1,000 searches of
# ten Chinese queries (one keep-alive client, sequential), and the ratio.
#
#   bash bench/federation_search_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-18}
Q=$PWD/build/release/src/cli/qiantang
[[ -x $Q ]] || { echo "build the release preset first" >&2; exit 1; }
DIR=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
BASE=$((20000 + RANDOM % 20000))

for i in $(seq 0 $((N - 1))); do
  mkdir -p "$DIR/$i"
  (cd "$DIR/$i" && exec "$Q" serve --listen 127.0.0.1:$((BASE + i)) --db sqlite:q.db \
    --master-key-file master.key --web-dir "" --demo --demo-citizens 0 --demo-firms 0 \
    --node-name "city-$i" --plain-http-peers --ledger-origin "city-$i.example/ledger" \
    --witness-name "city-$i.example/witness" --crawl-interval-ms 3600000 \
    --checkpoint-interval-ms 60000 --log-level warn > serve.log 2>&1) &
  PIDS+=($!)
done
for i in $(seq 0 $((N - 1))); do
  for _ in $(seq 1200); do grep -q "listening on" "$DIR/$i/serve.log" 2>/dev/null && break; sleep 0.25; done
  grep -q "listening on" "$DIR/$i/serve.log" || { echo "node $i did not start" >&2; exit 1; }
done
token() { sed -n 's/.*operator token (shown once): //p' "$DIR/$1/serve.log"; }
url() { echo "http://127.0.0.1:$((BASE + $1))"; }

measure() {  # label
  python3 - "$(url 0)" "$(token 0)" "$1" <<'PY'
import http.client, sys, time, urllib.parse, json
base, token, label = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPConnection(host, int(port))
queries = ["客流", "医疗 影像", "交通 公交", "企业 信用", "气象", "水质 监测", "人口", "教育", "能源 电力", "旅游"]
times, hits = [], 0
for i in range(1000):
    q = urllib.parse.quote(queries[i % len(queries)])
    t = time.perf_counter()
    conn.request("GET", f"/api/v1/federation/catalog?limit=20&q={q}",
                 headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read()
    times.append(time.perf_counter() - t)
    assert r.status == 200, body[:200]
    hits += len(json.loads(body)["items"])
times.sort()
p50, p99 = times[len(times) // 2] * 1000, times[int(len(times) * 0.99)] * 1000
print(f"{label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, {hits / 1000:.1f} hits per search")
print(f"{p50} {p99}", file=open(f"/dev/fd/3", "w"))
PY
}

exec 3>"$DIR/local.txt"
measure "local catalog (1 node, its own 460 offers)"
exec 3>&-
for i in $(seq 1 $((N - 1))); do
  for pair in "0 $i" "$i 0"; do
    set -- $pair
    curl -sf -X POST -H "Authorization: Bearer $(token "$1")" "$(url "$1")/api/v1/federation/peers" \
      -d "$(python3 -c 'import json,sys; print(json.dumps({"descriptor": sys.stdin.read()}))' \
            < <(curl -sf "$(url "$2")/federation/descriptor"))" > /dev/null
  done
done
crawl=$(curl -sf -X POST -H "Authorization: Bearer $(token 0)" "$(url 0)/api/v1/federation/crawl")
offers=$(python3 -c 'import json,sys; print(sum(c["offers"] for c in json.load(sys.stdin)["items"]))' <<< "$crawl")
exec 3>"$DIR/federated.txt"
measure "federated catalog ($N nodes, $((offers + 460)) offers)"
exec 3>&-
read -r l50 l99 < "$DIR/local.txt"
read -r f50 f99 < "$DIR/federated.txt"
python3 -c "print(f'ratio federated / local: p50 {$f50 / $l50:.2f}x, p99 {$f99 / $l99:.2f}x')"

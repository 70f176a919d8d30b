#!/usr/bin/env bash
# PSI and channel queries across two city nodes against the same inside one
# node, in one run: two `qiantang serve` processes (release build), Ningbo
# holding a product of N phone numbers offered for PSI (size output) and
# aggregate queries, Hangzhou peered with it.
#   - one node: a consumer organisation of Ningbo runs `qiantang psi run`
#     with its N numbers (half shared) against Ningbo (the client in the CLI,
#     the server in Ningbo's node), and 200 channel queries on Ningbo;
#   - across nodes: a consumer organisation of Hangzhou negotiates the same
#     offer node to node (DSP) and runs `qiantang federation negotiations psi`
#     with the same N numbers (the client in Hangzhou's node, 4,096 points per
#     sealed, signed message), and 200 channel queries through Hangzhou.
# Prints the PSI wall times, the query p50 and p99, and the ratios.
#
#   bash bench/federation_psi_bench.sh [N]        (default 65536 = 2^16)
#   BENCH_TLS=1 bash bench/federation_psi_bench.sh [N]
#       the same with both nodes serving HTTPS (self-signed P-256 certificates,
#       pinned by their peers) instead of plain http between them
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-65536}
Q=$PWD/build/release/src/cli/qiantang
[[ -x $Q ]] || { echo "build the release preset first" >&2; exit 1; }
DIR=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
BASE=$((20000 + RANDOM % 20000))

TLS=${BENCH_TLS:-0}
start_node() {  # index name
  mkdir -p "$DIR/$1/import"
  local transport=(--plain-http-peers)
  if [[ $TLS == 1 ]]; then
    openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
      -keyout "$DIR/$1/tls.key" -out "$DIR/$1/tls.crt" 2>/dev/null
    transport=(--tls-cert tls.crt --tls-key tls.key)
  fi
  (cd "$DIR/$1" && exec "$Q" serve --listen 127.0.0.1:$((BASE + $1)) --db sqlite:q.db \
    --master-key-file master.key --web-dir "" --import-dir import --node-name "$2" "${transport[@]}" \
    --ledger-origin "$2.example/ledger" --witness-name "$2.example/witness" \
    --crawl-interval-ms 3600000 --log-level warn > serve.log 2>&1) &
  PIDS+=($!)
}
start_node 0 hangzhou
start_node 1 ningbo
for i in 0 1; do
  for _ in $(seq 200); do grep -q "listening on" "$DIR/$i/serve.log" 2>/dev/null && break; sleep 0.1; done
done

python3 - "$N" "$DIR" "$BASE" "$Q" "$TLS" <<'PY'
import http.client, json, os, ssl, statistics, subprocess, sys, time

n, d, base, q, tls = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
url = [f"{'https' if tls else 'http'}://127.0.0.1:{base + i}" for i in (0, 1)]

def connect(node, timeout=600):  # to a node, trusting its own certificate over TLS
    if not tls:
        return http.client.HTTPConnection("127.0.0.1", base + node, timeout=timeout)
    return http.client.HTTPSConnection("127.0.0.1", base + node, timeout=timeout,
                                       context=ssl.create_default_context(cafile=f"{d}/{node}/tls.crt"))
op = [next(l.split(": ")[1].strip() for l in open(f"{d}/{i}/serve.log") if "token (shown once)" in l)
      for i in (0, 1)]

def call(node, method, path, token, body=None, ok=(200, 201)):
    c = connect(node)
    c.request(method, path, body=None if body is None else json.dumps(body),
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status not in ok:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else {}

def code(tag):  # a valid unified social credit code
    s = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = "91330106MA2H0000" + tag
    return c + s[(31 - sum(s.index(ch) * w[i] for i, ch in enumerate(c)) % 31) % 31]

def org(node, name, kind, tag):
    r = call(node, "POST", "/api/v1/orgs", op[node],
             {"name": name, "kind": kind, "credit_code": code(tag)})
    return r["admin_token"]["secret"]

# Peering, both ways, from each other's signed descriptors.
for a, b in ((0, 1), (1, 0)):
    c = connect(b)
    c.request("GET", "/federation/descriptor")
    call(a, "POST", "/api/v1/federation/peers", op[a], {"descriptor": c.getresponse().read().decode()})

# Ningbo's product: N phone numbers, offered for PSI (size) and aggregate queries.
holder = org(1, "宁波数据公司", "data_holder", "P")
holder_org = call(1, "GET", "/api/v1/whoami", holder)["org"]["id"]
os.makedirs(f"{d}/1/import/{holder_org}", exist_ok=True)
with open(f"{d}/1/import/{holder_org}/phones.csv", "w") as f:
    f.write("phone,district\n")
    for i in range(n):
        f.write(f"139{10000000 + i},{['海曙区', '江北区', '鄞州区'][i % 3]}\n")
with open(f"{d}/consumer.csv", "w") as f:
    f.write("phone\n")
    for i in range(n // 2, n + n // 2):
        f.write(f"139{10000000 + i}\n")
src = call(1, "POST", "/api/v1/dataspace/sources", holder, {"name": "phones", "file": "phones.csv"})
pipe = call(1, "POST", "/api/v1/dataspace/pipelines", holder,
            {"name": "phones", "source_id": src["id"],
             "spec": {"output": [{"name": "phone", "sensitivity": "identifying"}, {"name": "district"}]}})
run = call(1, "POST", f"/api/v1/dataspace/pipelines/{pipe['id']}/runs", holder)
product = call(1, "POST", "/api/v1/dataspace/products", holder, {"run_id": run["id"], "title": "手机号"})
policy = {"permission": [
    {"action": "psi", "constraint": [
        {"leftOperand": "psiOutput", "operator": "isAnyOf", "rightOperand": ["size"]},
        {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["phone"]},
        {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": n}]},
    {"action": "aggregate_query", "constraint": [
        {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 10},
        {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 2}]}]}
offer = call(1, "POST", "/api/v1/dataspace/offers", holder,
             {"product_id": product["id"], "title": "手机号（求交）", "policy": policy})["id"]

# One node: a consumer organisation of Ningbo, its contract finalized there.
local = org(1, "宁波使用方", "enterprise", "C")
ctr = call(1, "POST", f"/api/v1/dataspace/offers/{offer}/contracts", local)["id"]
for verb, token in (("offer", holder), ("accept", local), ("agree", holder), ("verify", local),
                    ("finalize", holder)):
    call(1, "POST", f"/api/v1/dataspace/contracts/{ctr}/{verb}", token, {})

# Across nodes: a consumer organisation of Hangzhou negotiates the offer.
remote = org(0, "杭州使用方", "enterprise", "R")
call(0, "POST", "/api/v1/federation/crawl", op[0])
neg = call(0, "POST", "/api/v1/federation/negotiations", remote, {"peer": "ningbo", "offer_id": offer})
nid, pid = neg["id"], neg["provider_pid"]
def reaches(state):
    for _ in range(300):
        if call(0, "GET", f"/api/v1/federation/negotiations/{nid}", remote)["state"] == state:
            return
        time.sleep(0.05)
    sys.exit(f"negotiation never reached {state}")
call(1, "POST", f"/api/v1/dataspace/contracts/{pid}/offer", holder, {}); reaches("OFFERED")
call(0, "POST", f"/api/v1/federation/negotiations/{nid}/accept", remote, {})
call(1, "POST", f"/api/v1/dataspace/contracts/{pid}/agree", holder, {}); reaches("AGREED")
call(0, "POST", f"/api/v1/federation/negotiations/{nid}/verify", remote, {})
call(1, "POST", f"/api/v1/dataspace/contracts/{pid}/finalize", holder, {}); reaches("FINALIZED")

def cli(node, token, *args):
    env = dict(os.environ, QIANTANG_SERVER=url[node], QIANTANG_TOKEN=token,
               QIANTANG_CACERT=f"{d}/{node}/tls.crt" if tls else "")
    t = time.perf_counter()
    out = subprocess.run([q, "--json", *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{args[:3]}: {out.stderr}")
    return time.perf_counter() - t, json.loads(out.stdout)

print(f"PSI of {n} x {n} (half shared), size output, {os.cpu_count()} cores, "
      f"{'TLS' if tls else 'plain http'} between the nodes and to them")
t_local, r = cli(1, local, "psi", "run", ctr, "--column", "phone", "--input", f"{d}/consumer.csv",
                 "--output", "size", "--purpose", "bench")
assert r["intersection_size"] == n // 2, r
t_fed, r = cli(0, remote, "federation", "negotiations", "psi", nid, "--column", "phone",
               "--input", f"{d}/consumer.csv", "--output", "size", "--purpose", "bench")
assert r["intersection_size"] == n // 2, r
print(f"one node (CLI client -> Ningbo): {t_local:.2f} s")
print(f"across nodes (Hangzhou's node -> Ningbo): {t_fed:.2f} s; ratio {t_fed / t_local:.2f}x")

def queries(node, token, path):
    c = connect(node)
    times = []
    body = json.dumps({"sql": "SELECT district, COUNT(*) FROM data GROUP BY district",
                       "purpose": "bench", "epsilon": 0.01})
    for _ in range(200):
        t = time.perf_counter()
        c.request("POST", path, body=body, headers={"Authorization": f"Bearer {token}",
                                                     "Content-Type": "application/json"})
        r = c.getresponse(); data = r.read()
        times.append(time.perf_counter() - t)
        assert r.status == 200, data[:300]
    times.sort()
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.99)] * 1000

l50, l99 = queries(1, local, f"/api/v1/dataspace/contracts/{ctr}/queries")
f50, f99 = queries(0, remote, f"/api/v1/federation/negotiations/{nid}/queries")
print(f"channel query, one node: p50 {l50:.2f} ms, p99 {l99:.2f} ms")
print(f"channel query, across nodes: p50 {f50:.2f} ms, p99 {f99:.2f} ms; "
      f"ratio p50 {f50 / l50:.2f}x, p99 {f99 / l99:.2f}x")
PY

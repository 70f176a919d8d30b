#!/usr/bin/env bash
# ECDH-PSI of N x N items between two processes on this machine: the
# provider's `qiantang serve` (release build) holding a product column of N
# phone numbers, and the consumer's `qiantang psi run` CLI holding its own N
# (half of them shared), size output (phone is identifying: its intersection
# is capped at 1,000 items, docs/privacy/README.md). Prints the wall time of
# the PSI and the efficiency against the bound measured in the same run: each party does N hash-and-
# multiply and N multiply operations, at the single-core rates of
# build/release/bench/privacy_bench, spread over the machine's cores.
#
#   bash bench/psi_bench.sh [N]        (default 1048576 = 2^20)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1048576}
Q=$PWD/build/release/src/cli/qiantang
B=$PWD/build/release/bench/privacy_bench
[[ -x $Q && -x $B ]] || { echo "build the release preset first" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
PORT=$((20000 + RANDOM % 20000))

python3 - "$N" "$DIR" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(f"{d}/provider.csv", "w") as f:
    f.write("phone,district\n")
    for i in range(n):
        f.write(f"139{10000000 + i},西湖区\n")
with open(f"{d}/consumer.csv", "w") as f:
    f.write("phone\n")
    for i in range(n // 2, n + n // 2):
        f.write(f"139{10000000 + i}\n")
PY

$Q serve --listen 127.0.0.1:$PORT --db sqlite:$DIR/q.db --master-key-file $DIR/master.key \
  --web-dir "" --import-dir $DIR/import > $DIR/serve.log 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" $DIR/serve.log 2>/dev/null && break; sleep 0.1; done
OP=$(sed -n 's/.*token (shown once): //p' $DIR/serve.log)
export QIANTANG_SERVER=http://127.0.0.1:$PORT
code() { python3 -c "
c='91330106MA2H0000$1'; s='0123456789ABCDEFGHJKLMNPQRTUWXY'
w=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
v=(31-sum(s.index(ch)*w[i] for i,ch in enumerate(c))%31)%31
print(c+s[v])"; }
org() { QIANTANG_TOKEN=$OP $Q --json orgs create --name "$1" --kind "$2" --credit-code "$(code "$3")" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["admin_token"]["secret"])'; }
HOLDER=$(org "PSI 提供方" data_holder P)
CONSUMER=$(org "PSI 使用方" enterprise C)
j() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# The provider's file goes into its organisation's own import folder.
HOLDER_ORG=$(QIANTANG_TOKEN=$HOLDER $Q --json whoami | j '["org"]["id"]')
mkdir -p "$DIR/import/$HOLDER_ORG" && mv "$DIR/provider.csv" "$DIR/import/$HOLDER_ORG/"
SPEC=$DIR/spec.json; echo '{"output": [{"name": "phone", "sensitivity": "identifying"}, {"name": "district"}]}' > $SPEC
SRC=$(QIANTANG_TOKEN=$HOLDER $Q --json dataspace sources add --name p --file provider.csv | j '["id"]')
PIPE=$(QIANTANG_TOKEN=$HOLDER $Q --json dataspace pipelines add --name p --source $SRC --spec $SPEC | j '["id"]')
RUN=$(QIANTANG_TOKEN=$HOLDER $Q --json dataspace pipelines run $PIPE | j '["id"]')
PROD=$(QIANTANG_TOKEN=$HOLDER $Q --json dataspace products publish --run $RUN --title p | j '["id"]')
POLICY=$DIR/policy.json
echo '{"permission": [{"action": "psi", "constraint": [
  {"leftOperand": "psiOutput", "operator": "isAnyOf", "rightOperand": ["intersection", "size"]},
  {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["phone"]},
  {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": '"$N"'}]}]}' > $POLICY
OFFER=$(QIANTANG_TOKEN=$HOLDER $Q --json dataspace offers add --product $PROD --title p --policy $POLICY | j '["id"]')
CTR=$(QIANTANG_TOKEN=$CONSUMER $Q --json dataspace contracts request $OFFER | j '["id"]')
for step in offer:$HOLDER accept:$CONSUMER agree:$HOLDER verify:$CONSUMER finalize:$HOLDER; do
  QIANTANG_TOKEN=${step#*:} $Q dataspace contracts ${step%%:*} $CTR > /dev/null
done

echo "PSI of $N x $N between two processes, $(nproc) cores"
START=$(date +%s.%N)
RESULT=$(QIANTANG_TOKEN=$CONSUMER $Q --json psi run $CTR --column phone --input $DIR/consumer.csv \
  --output size --purpose bench)
END=$(date +%s.%N)
echo "$RESULT" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("intersection", r["intersection_size"], "of", r["client_size"], "and", r["server_size"])'
RATES=$($B --benchmark_filter='BM_HashToPointAndMultiply$|BM_Multiply$' --benchmark_format=json 2>/dev/null)
python3 - "$N" "$START" "$END" <<PY
import json, sys
n, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rates = {b["name"]: b["ops/s"] for b in json.loads('''$RATES''')["benchmarks"]}
hm, m = rates["BM_HashToPointAndMultiply"], rates["BM_Multiply"]
import os
cores = os.cpu_count()
bound = 2 * n * (1 / hm + 1 / m) / cores
wall = end - start
print(f"single core: hash+multiply {hm:.0f}/s, multiply {m:.0f}/s")
print(f"wall {wall:.1f} s; bound {bound:.1f} s (2 parties x {n} x (hash+mul + mul) / {cores} cores); efficiency {bound / wall:.1%}")
PY

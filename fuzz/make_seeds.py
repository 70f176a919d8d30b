#!/usr/bin/env python3
"""Writes the seed corpora in testdata/fuzz/<target>/ from the repository's
own test data and the inputs of its tests (a few real inputs per target).

    python3 fuzz/make_seeds.py [build/fuzz]   # with a fuzz build: also the signed codes

Seeds that a fuzzer found (crash-*, regression-*) are never removed.
"""
import base64, json, os, pathlib, subprocess, sys, zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
TD = ROOT / "testdata"
OUT = TD / "fuzz"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def b45decode(s):
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    out = bytearray()
    for i in range(0, len(s), 3):
        c = [chars.index(x) for x in s[i:i + 3]]
        n = c[0] + c[1] * 45 + (c[2] * 2025 if len(c) == 3 else 0)
        out += n.to_bytes(2 if len(c) == 3 else 1, "big")
    return bytes(out)


# --- identity: the EU DCC common suite and cose-wg examples -------------------
dgc = sorted((TD / "cose_qr/dgc/common/2DCode/raw").glob("*.json"))
picked = [p for p in dgc if p.stem in ("CO1", "CO2", "CBO1", "B1", "Z1", "COM1")][:6] or dgc[:6]
for p in picked:
    case = json.loads(p.read_text())
    if case.get("PREFIX"):
        put("credential", "dgc-" + p.stem, "HZ1:" + case["PREFIX"].split(":", 1)[-1])
    if case.get("BASE45"):
        put("base45", "dgc-" + p.stem, case["BASE45"])
    if case.get("COMPRESSED"):
        put("zlib", "dgc-" + p.stem, bytes.fromhex(case["COMPRESSED"]))
    if case.get("COSE"):
        put("cose", "dgc-" + p.stem, bytes.fromhex(case["COSE"]))
for p in sorted((TD / "cose_qr/cose_wg").rglob("*.json"))[:6]:
    case = json.loads(p.read_text())
    cbor = case.get("output", {}).get("cbor")
    if cbor:
        put("cose", "cose-wg-" + p.stem, bytes.fromhex(cbor))
for i, case in enumerate(json.loads((TD / "cose_qr/base45_rfc9285.json").read_text())["cases"][:8]):
    text = case.get("encoded") or case.get("base45") or case.get("input")
    if isinstance(text, str):
        put("base45", f"rfc9285-{i}", text)
put("zlib", "hello", zlib.compress(b"hello, hello, hello"))

# --- ledger: the Go signed-note vectors ---------------------------------------
notes = json.loads((TD / "merkle/signed_notes.json").read_text())
for c in notes["cases"]:
    if c["id"] in ("c2sp-example", "go-peter", "go-peter-enoch-both", "go-101-sigs",
                   "go-malformed-0", "sumdb-checkpoint-3-witnesses"):
        note = c["note"].encode()
        if "noteRawBytesHex" in c:
            note = bytes.fromhex(c["noteRawBytesHex"])
        put("note", c["id"], note)
    if c["id"].startswith("sumdb-checkpoint") and "text" in c["expect"]:
        put("checkpoint", c["id"], c["expect"]["text"])
root = base64.b64encode(bytes(32)).decode()
put("checkpoint", "extension", f"origin\n0\n{root}\nextension line\n")

# --- compute: trace samples ---------------------------------------------------
for p in sorted((TD / "traces/samples").glob("*.csv")):
    put("trace", p.stem, p.read_bytes()[:4096])
put("trace", "philly-head", b"".join((TD / "traces/philly-pollux/philly.csv").read_bytes()
                                   .splitlines(keepends=True)[:20]))
put("trace", "qiantang", "submit_s,tenant,cards,duration_s,id,chip,elastic,priority\n"
    "0,a,8,3600,j1,H800,false,1\n30,b,16,7200,j2,,true,0\n10,a,1,60,j3,,,\n")

# --- data space ---------------------------------------------------------------
people = "姓名,手机,区,年龄,收入\n" + "".join(
    f"居民{i},1380013{1000 + i},{['西湖区', '上城区', '滨江区', '拱墅区'][i % 4]},{18 + i % 60},"
    f"{4000 + (i * 37) % 20000}\n" for i in range(30))
put("dataspace_csv", "people", people + "金丝雀甲,13999999999,萧山区,117,88888888\n")
put("dataspace_csv", "quoted", 'name,"note, with comma",date\n"a ""b""",x,2024-01-02\n'
    'c,"multi\nline",2024/1/3\nd,,N/A\n')
put("dataspace_csv", "types", "id,amount,ratio,day\n1,-5,0.5,2024-02-29\n2,7,1e3,2023-02-29\n")
for name, value in [("mobile", "+86 138 0013-8000"), ("date", "2024年1月2日"),
                    ("fullwidth", "１２３ＡＢＣ　"), ("resident-id", "110101199003074514"),
                    ("credit-code", "91330106MA2H00000B"), ("name", "张三丰"),
                    ("bidi", "abc\u202edef"), ("dot-date", "2024.1.2")]:
    put("standardize", name, value)
policy = {"permission": [{"action": "aggregate_query", "constraint": [
    {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research"]},
    {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["modality", "age"]},
    {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 5.0},
    {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 20}],
    "duty": [{"action": "inform"}]}]}
put("odrl_policy", "aggregate", json.dumps(policy, ensure_ascii=False))
put("odrl_policy", "psi", json.dumps({"permission": [{"action": "psi", "constraint": [
    {"leftOperand": "psiOutput", "operator": "isAnyOf", "rightOperand": ["size"]},
    {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["phone"]},
    {"leftOperand": "count", "operator": "lteq", "rightOperand": 3},
    {"leftOperand": "dateTime", "operator": "lt", "rightOperand": "2030-01-01T00:00:00Z"}]}],
    "prohibition": [{"action": "delivery"}]}))
for i, sql in enumerate([
        "SELECT modality, COUNT(*), AVG(age) FROM data GROUP BY modality",
        "select district, sum(income) as total from data where age between 18 and 60 "
        "and district in ('西湖区', '上城区') group by district;",
        "SELECT COUNT(age) FROM data WHERE NOT (age < 30 OR modality IS NULL) AND x <> 'it''s'",
        "SELECT * FROM data ORDER BY age LIMIT 5"]):
    put("channel_sql", f"q{i}", sql)

# --- match: rules -------------------------------------------------------------
for i, rule in enumerate([
        "(staff < 50 or revenue >= 1亿) or high_tech and district = \"西湖区\"",
        "years_since(founded) >= 5 and industry in [\"I64\", \"I65\"]",
        "qualifications has any [\"高新技术企业\", \"科技型中小企业\"] and not high_tech = false",
        "credit_rating not in [\"B\", \"C\"] and revenue between 1000万 and 5000万",
        "founded <= 2020-01-01\0{\"staff\": 3, \"founded\": \"2010-01-01\"}"]):
    put("rule", f"r{i}", rule)

# --- exchange: an exported certificate (signature not valid: the fuzzer
# recomputes the hash; the signature check is reached and fails) ------------------
doc = {"change": "issue", "data": {"description": "d", "format": "csv", "name": "医学影像数据集",
       "scale": "1", "snapshot_sha256": "00" * 32, "source": {"kind": "product", "ref": "prod_1"},
       "type": "dataset", "update_cycle": "monthly"},
       "holder": {"credit_code": "91330106MA2H00000B", "id": "org_1", "name": "数据 Co"},
       "issued_at": "2026-01-01T00:00:00Z",
       "issuer": {"id": "org_0", "name": "登记机构", "public_key": "ab" * 32},
       "number": "HZ-DR-2025-00001", "previous_sha256": None, "rights": ["resource_holding"],
       "status": "valid", "type": "qiantang.exchange.certificate/v1", "valid_from": "2026-01-01",
       "valid_until": "2029-01-01", "verify_url": "http://127.0.0.1/v", "version": 1}
document = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
put("certificate", "exported", json.dumps({"document": document, "sha256": "0" * 64,
                                           "signature": base64.b64encode(bytes(64)).decode()},
                                          ensure_ascii=False))

# --- identity: a terminal state file ------------------------------------------
put("terminal_state", "fresh", json.dumps({
    "server": "http://127.0.0.1:8080", "terminal_id": "tm_01JDX3V6Q0M4X8H2R5T7W9Y1ZA",
    "category": "bus", "seed": "11" * 32, "issuer": "22" * 32, "trust_list": None,
    "revocations": {"seq": 0, "head": "00" * 32, "serials": []},
    "category_keys": [{"epoch": 1, "key": "33" * 32}], "seen": {"c1": 1780000000000},
    "pending": [{"terminal_id": "tm_01JDX3V6Q0M4X8H2R5T7W9Y1ZA", "code_id": "c1",
                 "category": "bus", "claims_read": ["name"], "result": "ok",
                 "scanned_at": 1780000000000, "signature": "AA=="}]}, indent=1))

# --- api: one request per route family ------------------------------------------
api = [
    ("POST /api/v1/orgs", "operator", "", {"name": "杭州某科技有限公司", "kind": "enterprise",
                                            "credit_code": "91330106MA2H00000B"}),
    ("POST /api/v1/compute/provider-clusters", "compute_provider", "",
     {"name": "液冷一号", "region": "钱塘区", "pools": [{"name": "h800", "chip": "H800", "nodes": 4}],
      "fen_per_card_hour": {"H800": 2800}}),
    ("POST /api/v1/compute/requests", "enterprise", "",
     {"cards": 16, "chip": "chip:H800", "duration_s": 3600, "max_fen_per_card_hour": 3000}),
    ("POST /api/v1/compute/voucher-programmes", "authority", "",
     {"name": "算力券", "budget_fen": 100000000, "ratio_bp": 3000}),
    ("POST /api/v1/compute/simulations", "enterprise", "",
     {"cluster": "hz-10k", "policy": "fifo", "jobs": [{"submit_s": 0, "cards": 8, "duration_s": 60}]}),
    ("POST /api/v1/dataspace/sources", "data_holder", "", {"name": "居民抽样", "csv": people}),
    ("POST /api/v1/dataspace/pipelines", "data_holder", "src_",
     {"name": "清洗", "source_id": "src_x", "spec": {"steps": [{"op": "trim"}],
      "output": [{"name": "district", "from": "c3"}]}}),
    ("POST /api/v1/dataspace/offers", "data_holder", "", {"product_id": "prod_x", "policy": policy}),
    ("POST /api/v1/dataspace/contracts/{id}/queries", "enterprise", "ctr_",
     {"sql": "SELECT district, COUNT(*) FROM data GROUP BY district", "purpose": "research",
      "epsilon": 0.5}),
    ("POST /api/v1/exchange/applications", "data_holder", "",
     {"rights": ["resource_holding"], "data_name": "x", "description": "d", "scale": "1",
      "product_id": "prod_x"}),
    ("POST /api/v1/privacy/psi/local", "enterprise", "",
     {"contract_id": "ctr_x", "column": "phone", "output": "size", "purpose": "p",
      "values": ["13800138000"]}),
    ("POST /api/v1/identity/citizens", "authority", "",
     {"name": "李四", "resident_id": "110101199003074514", "district": "西湖区"}),
    ("POST /api/v1/identity/terminals", "service", "",
     {"category": "bus", "name": "x", "public_key": "a" * 64}),
    ("POST /api/v1/identity/scans", "service", "",
     {"terminal_id": "tm_01JDX3V6Q0M4X8H2R5T7W9Y1ZA", "receipts": []}),
    ("POST /api/v1/match/finance/products", "institution", "",
     {"kind": "insurance", "name": "研发费用损失险", "rule": "patents >= 3", "max_amount_fen": 1410}),
    ("POST /api/v1/match/finance/profile", "enterprise", "",
     {"name": "杭州云图医疗影像科技有限公司", "profile": {"staff": 120, "rd_ratio": 0.3}}),
    ("POST /api/v1/match/policies", "authority", "",
     {"audience": "enterprise", "title": "研发投入补助", "benefit": "最高 200 万元",
      "rule": "rd_ratio >= 0.08 and staff >= 50", "valid_from": "2026-01-01",
      "valid_until": "2099-12-31"}),
    ("POST /api/v1/match/scenarios/listings", "enterprise", "",
     {"kind": "demand", "title": "城市大脑", "description": "交通 视频 分析", "domain": "交通"}),
    ("GET /api/v1/ledger/checkpoints", "anonymous", "", "after=18446744073709551615&limit=5"),
    ("GET /api/v1/orgs", "operator", "", "limit=2&cursor=abc"),
    ("GET /api/v1/match/scenarios/search", "enterprise", "", "q=视频&limit=3"),
]
for i, (route, who, params, body) in enumerate(api):
    body = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    slug = route.split(" ")[1].replace("/api/v1/", "").replace("/", "-").replace("{", "").replace("}", "")
    put("api", f"{i:02d}-{slug}", f"{route}\n{who}\n{params}\n{body}")

# --- signed codes, with the fuzz build's credential_fuzz ------------------------
if len(sys.argv) > 1:
    binary = pathlib.Path(sys.argv[1]) / "fuzz/credential_fuzz"
    env = dict(os.environ, QIANTANG_FUZZ_WRITE_SEEDS=str(OUT / "credential"))
    subprocess.run([str(binary)], env=env, check=True)
print("seeds in", OUT)

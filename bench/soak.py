#!/usr/bin/env python3
"""Soak traffic for a running `qiantang serve --demo` (bench/soak.sh starts it).

Mixed traffic from a few threads, for --minutes, with the server's RSS read
from /proc/<pid>/status every 10 s:
  reads    orgs, products, listings, finance products, checkpoints, healthz
  writes   organisations (operator), compute requests and finance profiles (enterprise)
  channel  aggregate queries on the demo enterprise's finalized contract
  scans    a citizen's dynamic code, verified offline by a registered terminal
           with the CLI (`code verify`), receipts uploaded (`code receipts upload`)
Writes samples.csv (time, RSS, requests so far) and summary.json to --out,
and prints the summary. Exit status 1 if any answer was 5xx, a connection
error, or not the documented 4xx for the request.
"""
import argparse, json, os, random, subprocess, threading, time, urllib.error, urllib.request

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(rng):
    first = "91330106" + "".join(rng.choice(CHARSET) for _ in range(9))
    s = sum(CHARSET.index(c) * w for c, w in zip(first, WEIGHTS))
    return first + CHARSET[(31 - s % 31) % 31]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = {}   # kind -> {status: count}
        self.errors = []    # unexpected answers, first 50

    def add(self, kind, status, ok, detail=""):
        with self.lock:
            self.by_kind.setdefault(kind, {}).setdefault(str(status), 0)
            self.by_kind[kind][str(status)] += 1
            if not ok and len(self.errors) < 50:
                self.errors.append(f"{kind} {status} {detail[:300]}")

    def total(self):
        with self.lock:
            return sum(sum(v.values()) for v in self.by_kind.values())


def call(base, method, path, token=None, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # connection refused, reset, timeout
        return 0, str(e).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--tokens", required=True, help="the server's stdout (demo token lines)")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--read-only", action="store_true",
                    help="reads only (no new data): RSS after warm-up should then be flat")
    a = ap.parse_args()

    tokens, citizen = {}, None
    for line in open(a.tokens, encoding="utf-8"):
        if line.startswith("demo token "):
            tokens[line.split()[2]] = line.rsplit(" ", 1)[1].strip()
        if line.startswith("demo citizen token "):
            citizen = line.rsplit(" ", 1)[1].strip()
    stats, stop = Stats(), threading.Event()
    base = a.url

    def expect(kind, status, body, allowed=()):
        ok = 200 <= status < 300 or status in allowed
        stats.add(kind, status, ok, body.decode("utf-8", "replace"))

    def reads():
        paths = [("operator", "/api/v1/orgs?limit=20"), ("enterprise", "/api/v1/dataspace/products?limit=10"),
                 ("enterprise", "/api/v1/exchange/listings?limit=10"),
                 ("enterprise", "/api/v1/match/finance/products?limit=10"),
                 (None, "/api/v1/ledger/checkpoint"), (None, "/healthz"),
                 ("enterprise", "/api/v1/compute/orders?limit=10"), ("operator", "/api/v1/identity/stats")]
        while not stop.is_set():
            who, path = random.choice(paths)
            s, b = call(base, "GET", path, tokens.get(who) if who else None)
            # 404 for the checkpoint until the first one is published (a minute after start).
            expect("read", s, b, (404,) if path == "/api/v1/ledger/checkpoint" else ())

    def writes():
        rng = random.Random(1)
        s, b = call(base, "GET", "/api/v1/whoami", tokens["enterprise"])
        credit = json.loads(b)["org"].get("credit_code", "") if s == 200 else ""
        n = 0
        while not stop.is_set():
            n += 1
            if n % 3 == 0:
                s, b = call(base, "POST", "/api/v1/orgs", tokens["operator"],
                            {"name": f"浸泡测试企业{n}", "kind": "enterprise", "credit_code": credit_code(rng)})
                expect("write", s, b, (409,))  # a repeated credit code
            elif n % 3 == 1:
                s, b = call(base, "POST", "/api/v1/compute/requests", tokens["enterprise"],
                            {"cards": rng.choice([1, 8, 16]), "duration_s": 3600, "max_fen_per_card_hour": 3000})
                expect("write", s, b, (409, 422))
            else:
                s, b = call(base, "POST", "/api/v1/match/finance/profile", tokens["enterprise"],
                            {"name": "浸泡测试科技有限公司",
                             "profile": {"credit_code": credit, "staff": rng.randint(10, 500),
                                         "rd_ratio": rng.random() / 3}})
                expect("write", s, b)
            time.sleep(0.02)

    def channel():
        s, b = call(base, "GET", "/api/v1/dataspace/contracts?limit=100", tokens["enterprise"])
        items = json.loads(b).get("items", []) if s == 200 else []
        finalized = [c["id"] for c in items if c.get("state") == "finalized"]
        if not finalized:
            stats.add("channel", "no-contract", False, b.decode("utf-8", "replace"))
            return
        sqls = ["SELECT district, AVG(pm25) FROM data GROUP BY district",
                "SELECT district, COUNT(*) FROM data WHERE population > 1000 GROUP BY district",
                "SELECT COUNT(*), SUM(enterprises) FROM data"]
        while not stop.is_set():
            s, b = call(base, "POST", f"/api/v1/dataspace/contracts/{finalized[0]}/queries",
                        tokens["enterprise"], {"sql": random.choice(sqls), "purpose": "planning",
                                               "region": "330100", "epsilon": 0.01})
            # 403 once the contract's epsilon budget or use count is spent: expected.
            expect("channel", s, b, (403, 409, 429))
            # The contract's budget (10 at 0.01 a query) is spread over the whole run.
            time.sleep(max(0.05, a.minutes * 60 / 900))

    def scans():
        d = os.path.join(a.out, "terminal")
        os.makedirs(d, exist_ok=True)
        gate = os.path.join(d, "gate.json")
        env = dict(os.environ, QIANTANG_SERVER=base, QIANTANG_TOKEN=tokens["service"])
        # Terminals only for categories granted to the service (the operator grants bus).
        s, b = call(base, "GET", "/api/v1/whoami", tokens["service"])
        service_org = json.loads(b)["org"]["id"] if s == 200 else ""
        r = subprocess.run([a.binary, "code", "grant", service_org, "bus"],
                           env=dict(env, QIANTANG_TOKEN=tokens["operator"]), capture_output=True, text=True)
        if r.returncode != 0 and "already" not in r.stderr:
            stats.add("scan", "grant-failed", False, r.stderr)
            return
        r = subprocess.run([a.binary, "--json", "code", "terminal", "register", "--category", "bus",
                            "--name", "浸泡测试闸机", "--file", gate], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            stats.add("scan", "register-failed", False, r.stderr)
            return
        n = 0
        while not stop.is_set():
            n += 1
            s, b = call(base, "POST", "/api/v1/identity/me/code", citizen, {})
            expect("scan", s, b, (429,))
            if s == 201:
                code = json.loads(b)["code"]
                r = subprocess.run([a.binary, "code", "verify", code, "--terminal", gate], env=env,
                                   capture_output=True, text=True)
                stats.add("scan-verify", r.returncode, r.returncode == 0, r.stderr)
            if n % 10 == 0:
                r = subprocess.run([a.binary, "code", "receipts", "upload", gate], env=env,
                                   capture_output=True, text=True)
                stats.add("scan-upload", r.returncode, r.returncode == 0, r.stderr)
            time.sleep(0.2)

    kinds = (reads, reads) if a.read_only else (reads, reads, writes, channel, scans)
    threads = [threading.Thread(target=f, daemon=True) for f in kinds]
    for t in threads:
        t.start()
    start = time.time()
    samples = []
    with open(os.path.join(a.out, "samples.csv"), "w") as f:
        f.write("seconds,rss_kb,requests,anon_kb,file_kb\n")
        while time.time() - start < a.minutes * 60:
            try:
                status = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{a.pid}/status")
                          if l.startswith(("VmRSS:", "RssAnon:", "RssFile:"))}
                rss = status["VmRSS"]
            except (OSError, KeyError):
                stats.add("server", "exited", False, "the server process is gone")
                break
            samples.append((round(time.time() - start), rss, stats.total()))
            memory = (status.get("RssAnon", 0), status.get("RssFile", 0))
            f.write("%d,%d,%d,%d,%d\n" % (samples[-1] + memory))
            f.flush()
            time.sleep(10)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    warm = [s for s in samples if s[0] >= min(300, a.minutes * 60 / 3)]  # after 5 min (or a third)
    summary = {
        "minutes": a.minutes, "samples": len(samples), "requests": stats.total(),
        "by_kind": stats.by_kind, "unexpected": stats.errors,
        "rss_mb_first": samples[0][1] / 1024 if samples else None,
        "rss_mb_after_warmup": warm[0][1] / 1024 if warm else None,
        "rss_mb_max_after_warmup": max(s[1] for s in warm) / 1024 if warm else None,
        "rss_mb_last": samples[-1][1] / 1024 if samples else None,
    }
    if len(warm) >= 2:  # least-squares slope after warm-up, MB per hour
        xs, ys = [s[0] for s in warm], [s[1] / 1024 for s in warm]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        den = sum((x - mx) ** 2 for x in xs) or 1
        summary["rss_mb_per_hour_after_warmup"] = round(
            3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den, 2)
    json.dump(summary, open(os.path.join(a.out, "summary.json"), "w"), ensure_ascii=False, indent=1)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 1 if stats.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

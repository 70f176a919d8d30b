"""A real `qiantang serve` on loopback for the live-compute benchmarks
(bench/live_submit_bench.py, bench/sim_vs_live.py).

Server(flags) starts the release binary (QIANTANG=path runs another) on a
fresh SQLite file in a temporary folder with default settings plus `flags`,
and reads its bootstrap operator token. Client is one keep-alive HTTP
connection. new_org() makes an organisation through the API; register_hz10k()
registers configs/clusters/hz-10k.toml (the compiled-in 10,000-card cluster),
or a smaller cluster of its shape, as a provider's live cluster.
"""
import http.client
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import tomllib
import urllib.parse

from soak import credit_code

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("QIANTANG") or os.path.join(ROOT, "build/release/src/cli/qiantang")


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(self, method, path, token=None, body=None):
        """(status, decoded JSON or None)."""
        headers = {}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)

    def ok(self, method, path, token=None, body=None):
        status, j = self.call(method, path, token, body)
        if status // 100 != 2:
            raise RuntimeError(f"{method} {path}: {status} {j}")
        return j


class Server:
    def __init__(self, *flags, keep=False):
        self.dir = tempfile.mkdtemp(prefix="qt-live-bench-")
        self.db = os.path.join(self.dir, "q.db")
        self.keep = keep
        out = os.path.join(self.dir, "out")
        with open(out, "w") as o, open(os.path.join(self.dir, "log"), "w") as log:
            self.proc = subprocess.Popen(
                [BINARY, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + self.db,
                 "--master-key-file", os.path.join(self.dir, "master.key"), *flags],
                stdout=o, stderr=log)
        self.url = self.operator = None
        for _ in range(3000):
            text = open(out).read()
            for line in text.splitlines():
                if line.startswith("bootstrap operator token (shown once): "):
                    self.operator = line.split(": ", 1)[1].strip()
                if line.startswith("listening on "):
                    self.url = line.split(" ", 2)[2].strip()
            if self.url or self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.url or not self.operator:
            self.close()
            raise RuntimeError("the server did not start: see " + self.dir)

    def stop(self):
        """Stops the server; its database stays readable until close()."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)

    def close(self):
        self.stop()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def new_org(client, operator, name, kind, rng=random.Random(7)):
    """(org id, admin token) of a new organisation."""
    j = client.ok("POST", "/api/v1/orgs", operator,
                  {"name": name, "kind": kind, "credit_code": credit_code(rng)})
    return j["id"], j["admin_token"]["secret"]


def hz10k_pools(nodes=0):
    """hz-10k's pools as configs/clusters/hz-10k.toml has them (with `nodes`
    nodes instead when not 0: the same shape, smaller)."""
    with open(os.path.join(ROOT, "configs/clusters/hz-10k.toml"), "rb") as f:
        spec = tomllib.load(f)
    pools = [dict(p) for p in spec["pool"]]
    for p in pools:
        p["nodes"] = nodes or p["nodes"]
    return pools


def register_hz10k(client, provider_token, nodes=0):
    """The id of hz-10k (hz10k_pools(nodes)) registered by the provider as a
    live (simulated) cluster."""
    keys = ("name", "chip", "nodes", "cards_per_node", "cpu_cores_per_node",
            "memory_gib_per_node", "nodes_per_leaf", "leaves_per_pod")
    pools = [{k: p[k] for k in keys} for p in hz10k_pools(nodes)]
    body = {"name": "hz-10k", "region": hz10k_pools()[0]["region"], "pools": pools,
            "fen_per_card_hour": {p["chip"]: 2800 for p in pools}}
    return client.ok("POST", "/api/v1/compute/provider-clusters", provider_token, body)["id"]


def percentile(values, q):
    """The q-quantile (0..1) by nearest rank, as the simulator computes it."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v), max(1, int(-(-q * len(v) // 1)))) - 1
    return v[k]

#!/usr/bin/env python3
"""Submit-to-running through the HTTP API of a real `qiantang serve` on
loopback (docs/BENCHMARKS.md, "Compute: jobs on live clusters").

    python3 bench/live_submit_bench.py [--waiting 10000] [--samples 300]

A release server (default settings, SQLite, las, time scale 1) runs hz-10k
(registered from configs/clusters/hz-10k.toml). Week-long non-preemptible jobs
fill all of it but one node (8 cards). A tenant then submits an 8-card job:
it fits the free node and starts in the pass its arrival causes. Timed, on
one keep-alive connection:
  POST       the POST /api/v1/compute/jobs answer (it must say `running`);
  visible    from the POST's start until GET /api/v1/compute/jobs/{id}
             answers `running` (the POST, then one GET);
  baseline   GET /api/v1/whoami with the same token: a cheap authenticated
             read, in the same run.
The job is cancelled (not timed) before the next sample. This is measured
first with no job waiting, then with --waiting jobs queued (sizes of the
Philly trace raised to 16..64 cards so that none fits the free node, spread
over tenants of at most 1,000 active jobs each): every pass then goes
through them all.
"""
import argparse
import csv
import math
import os
import time

from live_server import ROOT, Client, Server, new_org, percentile, register_hz10k

WEEK_S = 7 * 24 * 3600


def philly_cards():
    with open(os.path.join(ROOT, "testdata/traces/philly-pollux/philly.csv")) as f:
        return [min(64, max(16, int(r["num_gpus"]))) for r in csv.DictReader(f)]


def measure(client, token, cluster, samples):
    post, visible, baseline = [], [], []
    job = {"cluster_id": cluster, "cards": 8, "duration_s": 3600}
    for _ in range(samples):
        t0 = time.perf_counter()
        j = client.ok("POST", "/api/v1/compute/jobs", token, job)
        t1 = time.perf_counter()
        if j["state"] != "running":
            raise RuntimeError(f"the job did not start at once: {j}")
        while client.ok("GET", "/api/v1/compute/jobs/" + j["id"], token)["state"] != "running":
            pass
        t2 = time.perf_counter()
        client.ok("GET", "/api/v1/whoami", token)
        t3 = time.perf_counter()
        post.append((t1 - t0) * 1000)
        visible.append((t2 - t0) * 1000)
        baseline.append((t3 - t2) * 1000)
        client.ok("POST", f"/api/v1/compute/jobs/{j['id']}/cancel", token, {})
    return post, visible, baseline


def report(waiting, post, visible, baseline):
    b50 = percentile(baseline, 0.5)
    for name, v in (("POST", post), ("visible", visible), ("whoami", baseline)):
        p50, p99 = percentile(v, 0.5), percentile(v, 0.99)
        print(f"| {waiting} | {name} | {sum(v) / len(v):.3f} | {p50:.3f} | {p99:.3f} | "
              f"{p50 / b50:.1f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--waiting", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=300)
    a = ap.parse_args()
    server = Server()
    try:
        c = Client(server.url)
        _, provider = new_org(c, server.operator, "液冷算力 Co", "compute_provider")
        cluster = register_hz10k(c, provider)
        _, filler = new_org(c, server.operator, "填满集群 Co", "enterprise")
        _, tenant = new_org(c, server.operator, "测量租户 Co", "enterprise")
        waiters = [new_org(c, server.operator, f"排队租户{i} Co", "enterprise")[1]
                   for i in range(math.ceil(a.waiting / 1000))]
        fill = {"cluster_id": cluster, "duration_s": WEEK_S, "preemptible": False}
        for _ in range(156):  # 156 x 64 + 8 = 9,992 of 10,000 cards
            c.ok("POST", "/api/v1/compute/jobs", filler, dict(fill, cards=64))
        c.ok("POST", "/api/v1/compute/jobs", filler, dict(fill, cards=8))
        nodes = c.ok("GET", f"/api/v1/compute/provider-clusters/{cluster}/nodes", provider)
        free = [n for n in nodes["items"] if n["free"] > 0]
        if [n["free"] for n in free] != [8]:
            raise RuntimeError(f"expected one free node of 8 cards, got {free[:5]}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print("| waiting | what | mean ms | p50 ms | p99 ms | p50 / whoami p50 |")
        print("|---|---|---|---|---|---|")
        report(0, *measure(c, tenant, cluster, a.samples))
        cards = philly_cards()
        for i in range(a.waiting):
            j = c.ok("POST", "/api/v1/compute/jobs", waiters[i // 1000],
                     {"cluster_id": cluster, "cards": cards[i % len(cards)], "duration_s": 86400})
            if j["state"] != "queued":
                raise RuntimeError(f"a waiting job started: {j}")
        report(a.waiting, *measure(c, tenant, cluster, a.samples))
    finally:
        server.close()


if __name__ == "__main__":
    main()

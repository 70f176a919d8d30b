#!/usr/bin/env python3
"""Simulator versus live (docs/BENCHMARKS.md, "Compute: jobs on live
clusters"): the same slice of the Philly trace through `qiantang sim` and
through the live API of a real `qiantang serve` on a scaled clock.

    python3 bench/sim_vs_live.py [--offset 68000] [--jobs 2000] [--compress 1]
        [--nodes N] [--scale N] [--wall-s 150] [--policy las] [--out DIR]

1. The slice: --jobs rows of testdata/traces/philly-pollux/philly.csv from
   --offset in submit order, arrivals divided by --compress, written as a
   Qiantang trace (DIR/slice.csv; ids philly-LINE, tenant = Philly's virtual
   cluster). The default window (2017-11-19..22, 26,378 GPU-hours, longest
   job 89 h) has the most work for the length of its longest job among
   windows 1,000 apart: its makespan replays in minutes at a moderate scale.
2. `qiantang sim --cluster hz-10k` on it: sim A (DIR/sim-trace/). A slice of
   Philly never fills hz-10k's 10,000 cards (2,000 jobs hold a few thousand
   at once), so --nodes N runs both sides on a cluster of hz-10k's shape
   with N nodes (DIR/cluster.toml) to make jobs queue and be preempted.
3. A release server with `--simulated-time-scale N` (job ms per wall ms; by
   default the smallest N that plays sim A's makespan in --wall-s seconds)
   runs that cluster, registered from configs/clusters/hz-10k.toml; one
   organisation per virtual cluster submits its jobs through POST
   /api/v1/compute/jobs at wall time (trace time / N), one connection, in
   trace order. The driver waits until every job has completed and reads
   them back through the API.
4. The live server stamps each arrival with its own clock: job time = wall ms
   x N, so an arrival d wall ms late is d x N job ms late. Those stamps
   (`submit_job_ms`, read from the stopped server's SQLite file: the API
   shows wall times only) are written as DIR/as-submitted.csv and run
   through `qiantang sim` again: sim B, the same arrivals the live engine saw.

Compared per job: live against sim B must agree exactly (start and finish
equal once sim B's job times are turned into wall ms as the server does,
floor(job ms / N); preemptions equal; leaf switches of the first placement
equal where the live POST answer showed it). Jobs that differ are listed.
Live against sim A differs by the arrival jitter: the JCT and wait error
distributions are printed, with the share of JCTs equal up to the clock step
(N job ms) and within the tolerance: the p99 POST lateness times N (how far
an arrival moved in job time) plus the step.
"""
import argparse
import csv
import datetime
import json
import math
import os
import sqlite3
import subprocess
import tempfile
import time

from live_server import (BINARY, ROOT, Client, Server, hz10k_pools, new_org, percentile,
                         register_hz10k)


def load_slice(offset, n, compress):
    path = os.path.join(ROOT, "testdata/traces/philly-pollux/philly.csv")
    with open(path) as f:
        rows = [(line, r) for line, r in enumerate(csv.DictReader(f), start=2)]
    rows.sort(key=lambda x: x[1]["timestamp"])  # stable, as the simulator sorts
    rows = rows[offset:offset + n]

    def ms(r):
        t = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S")
        return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)

    t0 = ms(rows[0][1])
    return [{"id": f"philly-{line}", "tenant": r["cluster"], "cards": int(r["num_gpus"]),
             "duration_s": int(float(r["duration"])),
             "submit_ms": round((ms(r) - t0) / compress)} for line, r in rows]


def write_trace(path, jobs, submit_ms):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submit_s", "tenant", "cards", "duration_s", "id"])
        for j in jobs:
            w.writerow([f"{submit_ms[j['id']] / 1000:.3f}", j["tenant"], j["cards"],
                        j["duration_s"], j["id"]])


def cluster_file(path, nodes):
    """The simulator's cluster: hz-10k itself, or a file of its shape with `nodes` nodes."""
    if not nodes:
        return "hz-10k"
    with open(path, "w") as f:
        f.write(f'name = "hz-10k-{nodes}"\n')
        for p in hz10k_pools(nodes):
            f.write("\n[[pool]]\n" + "".join(
                f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in p.items()))
    return path


def simulate(trace, cluster, out, policy):
    subprocess.run([BINARY, "sim", "--trace", trace, "--cluster", cluster, "--policy", policy,
                    "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "jobs.csv")) as f:
        return {r["id"]: {"start": round(float(r["start_s"]) * 1000),
                          "finish": round(float(r["finish_s"]) * 1000),
                          "preemptions": int(r["preemptions"]), "leaves": int(r["leaves"])}
                for r in csv.DictReader(f)}


def wall_ms(rfc3339):
    t = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ")
    return round(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def replay(jobs, scale, policy, nodes):
    """Per job id: the POST answer, the final job, its stamped submit job ms;
    and the lateness of each POST (wall ms)."""
    server = Server("--simulated-time-scale", str(scale), "--jobs-policy", policy)
    try:
        c = Client(server.url)
        _, provider = new_org(c, server.operator, "液冷算力 Co", "compute_provider")
        cluster = register_hz10k(c, provider, nodes)
        tokens = {}
        for j in jobs:
            if j["tenant"] not in tokens:
                tokens[j["tenant"]] = new_org(c, server.operator, f"租户{j['tenant']} Co",
                                              "enterprise")[1]
        answers, late = {}, []
        w0 = time.monotonic() + 1.0
        for j in jobs:
            due = w0 + j["submit_ms"] / scale / 1000
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            late.append((time.monotonic() - due) * 1000)
            status, body = c.call("POST", "/api/v1/compute/jobs", tokens[j["tenant"]],
                                  {"cluster_id": cluster, "name": j["id"], "cards": j["cards"],
                                   "duration_s": j["duration_s"]})
            if status != 201:
                raise RuntimeError(f"{j['id']}: {status} {body}")
            answers[j["id"]] = body
        print(f"submitted {len(jobs)} jobs in {time.monotonic() - w0:.1f} s", flush=True)
        base = f"/api/v1/compute/jobs?cluster_id={cluster}&limit=1&state="
        while any(c.ok("GET", base + s, provider)["items"] for s in ("queued", "running")):
            time.sleep(1)
        print(f"all completed after {time.monotonic() - w0:.1f} s", flush=True)
        final, cursor = {}, ""
        while True:
            after = f"&cursor={cursor}" if cursor else ""
            page = c.ok("GET", f"/api/v1/compute/jobs?cluster_id={cluster}&limit=500{after}",
                        provider)
            for j in page["items"]:
                final[j["name"]] = j
            cursor = page["next_cursor"]
            if not cursor:
                break
        server.stop()
        with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as db:
            stamped = dict(db.execute("SELECT name, submit_job_ms FROM live_jobs"))
        return answers, final, stamped, late
    finally:
        server.close()


def dist(values, unit=""):
    a = [abs(v) for v in values]
    return (f"p50 {percentile(a, 0.5):.3f}{unit}, p90 {percentile(a, 0.9):.3f}{unit}, "
            f"p99 {percentile(a, 0.99):.3f}{unit}, max {max(a):.3f}{unit}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offset", type=int, default=68000)
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--compress", type=float, default=1)
    ap.add_argument("--scale", type=int, default=0)
    ap.add_argument("--wall-s", type=float, default=150)
    ap.add_argument("--policy", default="las")
    ap.add_argument("--nodes", type=int, default=0, help="hz-10k's shape with N nodes")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="sim-vs-live-")
    os.makedirs(out, exist_ok=True)
    jobs = load_slice(a.offset, a.jobs, a.compress)
    ids = [j["id"] for j in jobs]
    write_trace(os.path.join(out, "slice.csv"), jobs, {j["id"]: j["submit_ms"] for j in jobs})
    cluster = cluster_file(os.path.join(out, "cluster.toml"), a.nodes)
    sim_a = simulate(os.path.join(out, "slice.csv"), cluster, os.path.join(out, "sim-trace"),
                     a.policy)
    makespan = max(s["finish"] for s in sim_a.values())
    scale = a.scale or math.ceil(makespan / (a.wall_s * 1000))
    print(f"slice: {len(jobs)} jobs, arrivals over {jobs[-1]['submit_ms'] / 3.6e6:.1f} h "
          f"(compressed {a.compress}x), sim makespan {makespan / 3.6e6:.1f} h; "
          f"time scale {scale}: {makespan / scale / 1000:.0f} s of wall time", flush=True)

    answers, final, stamped, late = replay(jobs, scale, a.policy, a.nodes)
    origin = min(stamped.values())
    live_submit = {i: stamped[i] - origin for i in ids}
    write_trace(os.path.join(out, "as-submitted.csv"), jobs, live_submit)
    sim_b = simulate(os.path.join(out, "as-submitted.csv"), cluster,
                     os.path.join(out, "sim-live-arrivals"), a.policy)

    # Live job times relative to the first arrival (floored to N ms by the wall clock).
    def live(i, field):
        return wall_ms(final[i][field]) * scale - origin

    exact = {"start": 0, "finish": 0, "preemptions": 0}
    leaves_seen = leaves_equal = 0
    differ = []
    for i in ids:
        b = sim_b[i]
        ok = True
        for field, api in (("start", "started_at"), ("finish", "finished_at")):
            if (origin + b[field]) // scale == wall_ms(final[i][api]):
                exact[field] += 1
            else:
                ok = False
        if b["preemptions"] == final[i]["preemptions"]:
            exact["preemptions"] += 1
        else:
            ok = False
        if answers[i]["state"] == "running":
            leaves_seen += 1
            leaves_equal += answers[i]["leaves"] == b["leaves"]
        if not ok:
            differ.append(i)
    n = len(ids)
    print(f"\nPOST lateness (wall ms): {dist(late)}; in job time x{scale}: "
          f"p99 {percentile(late, 0.99) * scale / 1000:.1f} s")
    print(f"live vs sim B (the arrivals the server stamped): start {exact['start']}/{n}, "
          f"finish {exact['finish']}/{n}, preemptions {exact['preemptions']}/{n} equal; "
          f"leaves of the first placement {leaves_equal}/{leaves_seen} equal "
          f"(jobs the POST answer showed running)")
    for i in differ[:20]:
        print(f"  differs: {i} live start {live(i, 'started_at')} finish "
              f"{live(i, 'finished_at')} preemptions {final[i]['preemptions']}; sim B {sim_b[i]}")

    djct, dwait, exact_jct, within, leaves_a = [], [], 0, 0, 0
    tolerance = percentile(late, 0.99) * scale + scale  # job ms
    for j in jobs:
        i = j["id"]
        d = (live(i, "finished_at") - live_submit[i]) - (sim_a[i]["finish"] - j["submit_ms"])
        djct.append(d / 1000)
        dwait.append(((live(i, "started_at") - live_submit[i]) -
                      (sim_a[i]["start"] - j["submit_ms"])) / 1000)
        exact_jct += -scale < d <= 0
        within += abs(d) <= tolerance
        leaves_a += answers[i]["state"] == "running" and answers[i]["leaves"] == sim_a[i]["leaves"]
    print(f"live vs sim A (the trace's arrivals): JCT error (s) {dist(djct)}; wait error (s) "
          f"{dist(dwait)}; JCTs equal up to the clock step ({scale} job ms) {exact_jct}/{n}, "
          f"within {tolerance / 1000:.1f} s (p99 POST lateness x scale + the step) {within}/{n}; "
          f"preemptions equal "
          f"{sum(final[i]['preemptions'] == sim_a[i]['preemptions'] for i in ids)}/{n}; "
          f"leaves of the first placement {leaves_a}/{leaves_seen} equal")
    waited = sum(live(i, "started_at") - live_submit[i] >= scale for i in ids)
    print(f"live: {waited} jobs waited, {sum(final[i]['preemptions'] for i in ids)} preemptions; "
          f"sim A: {sum(sim_a[i]['start'] > j['submit_ms'] for i, j in zip(ids, jobs))} waited, "
          f"{sum(sim_a[i]['preemptions'] for i in ids)} preemptions")
    jcts = {"live": [live(i, "finished_at") - live_submit[i] for i in ids],
            "sim A": [sim_a[i]["finish"] - j["submit_ms"] for i, j in zip(ids, jobs)],
            "sim B": [sim_b[i]["finish"] - live_submit[i] for i in ids]}
    for name, v in jcts.items():
        print(f"  JCT {name}: mean {sum(v) / len(v) / 1000:.1f} s, p50 "
              f"{percentile(v, 0.5) / 1000:.1f} s, p99 {percentile(v, 0.99) / 1000:.1f} s")
    print(f"files in {out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Hostile connections against a running server, and what everyone else sees.

Holds IDLE connections that send nothing and SLOW connections that send a
request's headers one byte per second (re-opening any the server closes, as an
attacker would), from 127.0.0.2..127.0.0.11, for SECONDS; meanwhile probes from
127.0.0.1 on fresh connections, every 20 ms in turn: GET /healthz and an
authenticated read (GET /api/v1/orgs/{id}). Samples the server's RSS every
second. Prints one line of JSON: probe latencies (p50/p99/max ms, failures),
how many attacking connections were open, and RSS before/peak/after.

  python3 bench/slow_clients.py --port P --token T --org ID --pid PID [--seconds 30]
      [--idle 1000] [--slow 200] [--probe-timeout 5]
Run by bench/slow_clients_bench.sh, which starts the server.
"""
import argparse
import asyncio
import json
import resource
import time

REQUEST_HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class Attack:
    def __init__(self, port, count, slow, seconds):
        self.port, self.count, self.slow, self.seconds = port, count, slow, seconds
        self.open = 0
        self.opened = 0
        self.refused = 0  # connections answered 503 at once
        self.cut = 0  # connections the server closed (408 or silently)

    async def one(self, i, stop):
        source = f"127.0.0.{2 + i % 10}"
        while not stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port, local_addr=(source, 0)), 10)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.5)
                continue
            self.open += 1
            self.opened += 1
            sent = 0
            try:
                while not stop.is_set():
                    if self.slow and sent < len(REQUEST_HEAD):
                        writer.write(REQUEST_HEAD[sent:sent + 1])
                        sent += 1
                    try:
                        data = await asyncio.wait_for(reader.read(4096), 1.0)
                    except asyncio.TimeoutError:
                        continue
                    if data.startswith(b"HTTP/1.1 503"):
                        self.refused += 1
                    elif not data or data.startswith(b"HTTP/1.1 408"):
                        self.cut += 1
                    break
            except OSError:
                self.cut += 1
            finally:
                self.open -= 1
                writer.close()
            await asyncio.sleep(0.2)


async def probe(port, path, token, timeout):
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n".encode())
        data = await asyncio.wait_for(reader.read(), timeout)
        writer.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except (OSError, asyncio.TimeoutError):
        ok = False
    return (time.perf_counter() - start) * 1e3, ok


def summary(samples):
    lat = sorted(ms for ms, ok in samples)
    fails = sum(1 for _, ok in samples if not ok)
    pick = lambda q: round(lat[min(len(lat) - 1, int(len(lat) * q))], 2) if lat else None
    return {"n": len(lat), "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": pick(1.0),
            "failures": fails}


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--org", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--probe-timeout", type=float, default=5)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    rss_before = rss_kib(a.pid)
    stop = asyncio.Event()
    idle = Attack(a.port, a.idle, False, a.seconds)
    slow = Attack(a.port, a.slow, True, a.seconds)
    tasks = [asyncio.create_task(idle.one(i, stop)) for i in range(a.idle)]
    tasks += [asyncio.create_task(slow.one(i, stop)) for i in range(a.slow)]
    await asyncio.sleep(2)  # let them connect

    healthz, reads, rss, held = [], [], [], []
    end = time.perf_counter() + a.seconds
    next_rss = 0
    turn = 0
    while time.perf_counter() < end:
        if turn % 2 == 0:
            healthz.append(await probe(a.port, "/healthz", "", a.probe_timeout))
        else:
            reads.append(await probe(a.port, f"/api/v1/orgs/{a.org}", a.token, a.probe_timeout))
        turn += 1
        if time.perf_counter() >= next_rss:
            rss.append(rss_kib(a.pid))
            held.append(idle.open + slow.open)
            next_rss = time.perf_counter() + 1
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1)
    print(json.dumps({
        "idle": a.idle, "slow": a.slow, "seconds": a.seconds,
        "healthz": summary(healthz), "authenticated_read": summary(reads),
        "attack_open_min": min(held), "attack_open_max": max(held),
        "attack_connections_opened": idle.opened + slow.opened,
        "attack_refused_503": idle.refused + slow.refused, "attack_cut_by_server": idle.cut + slow.cut,
        "rss_kib": {"before": rss_before, "peak": max(rss), "after": rss_kib(a.pid)},
    }))


if __name__ == "__main__":
    asyncio.run(main())

"""Load test: bounded concurrent clients against a running `ecei serve` on loopback.

Each client sends, one after another, a weighted mix of a directory page, a nested page
and an aggregate, until the duration is over (or the request budget is spent), then the
throughput, p50/p99 latency per kind and the errors are printed. Only loopback addresses
are accepted as targets.

    python scripts/load.py --url http://127.0.0.1:8000            # a server already running
    python scripts/load.py --serve --workers 2                    # start one, then stop it
    python scripts/load.py --clients 50 --duration 60 --max-requests 200000

With `--serve` the server runs on the embedded store on a free port with the given
number of workers; the load generator shares the machine with it, so on a small machine
the figures include the client's own CPU use. The server's CPU time per request (its
processes' user + system time over the run, read from /proc) is printed too: unlike the
latencies, it hardly depends on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import httpx  # readiness checks only; the load itself uses lean_http.Connection
from lean_http import Connection, post

MIX: dict[str, tuple[int, str]] = {
    # kind: (weight, query)
    "directory page": (
        60,
        """query DirectoryPage { clusters(first: 20) { totalCount
            nodes { slug name portfolio { name } label { level status validUntil } }
            pageInfo { hasNextPage endCursor } } }""",
    ),
    "nested page": (
        25,
        """query NestedPage { portfolios { name clusters(first: 5) {
            nodes { name label { status daysRemaining } latestInterview { conductedOn } } } } }""",
    ),
    "aggregate": (
        15,
        """query Aggregate { portfolioStats(asOf: "2014-03-01") { portfolio { slug }
            clusterCount byStatus { valid expiringSoon renewable expired } } }""",
    ),
}


def _loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        sys.exit(f"load: {host!r} is not a loopback address; only local servers are tested")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid` and its descendants (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(times.get(p, 0.0) for p in tree)


def _start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECEI_", "MONGODB"))}
    env.update(ECEI_HOST="127.0.0.1", ECEI_PORT=str(port), ECEI_LOG_FORMAT="json")
    env["ECEI_MAX_CONNECTIONS"] = "1000"
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # one log line per request would cost the figures
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("load: the server stopped during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    process.kill()
    sys.exit("load: the server did not become ready within 120 s")


async def _run(url: str, clients: int, duration: float, max_requests: int) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    kinds = list(MIX)
    weights = [MIX[k][0] for k in kinds]
    payloads = {kind: post(url, MIX[kind][1]) for kind in kinds}
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    budget = max_requests
    connections = [Connection(host, port) for _ in range(clients)]

    # Warm the caches before measuring: each query once on every connection, so that with
    # several workers each one has answered each query.
    async def warm(connection: Connection) -> None:
        for kind in kinds:
            await connection.request(payloads[kind], 30.0)

    await asyncio.gather(*(warm(c) for c in connections))
    started = time.perf_counter()
    client_cpu = time.process_time()
    stop_at = started + duration

    async def client(seed: int, connection: Connection) -> None:
        nonlocal budget
        rng = random.Random(seed)
        while time.perf_counter() < stop_at and budget > 0:
            budget -= 1
            kind = rng.choices(kinds, weights)[0]
            t0 = time.perf_counter()
            try:
                status, body = await connection.request(payloads[kind], 30.0)
                ok = status == 200 and b'"errors"' not in body
                if not ok:
                    errors[f"{kind}: HTTP {status}"] += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                ok = False
                errors[f"{kind}: {type(exc).__name__}"] += 1
            if ok:
                latencies[kind].append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(client(i, c) for i, c in enumerate(connections)))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    for connection in connections:
        connection.close()
    total = sum(len(v) for v in latencies.values()) + sum(errors.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "throughput_rps": round(total / elapsed, 1),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / max(total, 1), 2),
        "errors": dict(errors),
        "kinds": {
            kind: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p99_ms": round(statistics.quantiles(values, n=100)[98], 1)
                if len(values) >= 2
                else round(values[0], 1),
            }
            for kind, values in latencies.items()
            if values
        },
    }


def _print(report: dict[str, Any], workers: int | None) -> None:
    label = f"{workers} worker(s), " if workers else ""
    errors: dict[str, int] = report["errors"]
    print(
        f"{label}{report['clients']} clients, {report['seconds']} s: "
        f"{report['requests']} requests, {report['throughput_rps']} req/s, "
        f"errors: {sum(errors.values())}"
    )
    print(f"  {'kind':<16} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, row in report["kinds"].items():
        print(f"  {kind:<16} {row['requests']:>9} {row['p50_ms']:>8} {row['p99_ms']:>8}")
    for what, count in errors.items():
        print(f"  error {what}: {count}")
    if "server_cpu_ms_per_request" in report:
        print(f"  server CPU per request: {report['server_cpu_ms_per_request']} ms")
    print(f"  load generator CPU per request: {report['client_cpu_ms_per_request']} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running server")
    parser.add_argument("--serve", action="store_true", help="start `ecei serve` for the run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="with --serve")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (at most 600)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="a budget per run")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1000 or not 0 < args.duration <= 600:
        parser.error("--clients must be 1..1000 and --duration 0..600 seconds")
    reports = []
    for workers in args.workers if args.serve else [None]:
        process = None
        url = args.url
        if workers is not None:
            process, url = _start_server(workers)
        _loopback_only(url)
        try:
            cpu_before = _cpu_seconds(process.pid) if process is not None else None
            report = asyncio.run(_run(url, args.clients, args.duration, args.max_requests))
            if process is not None and cpu_before is not None and report["requests"]:
                used = _cpu_seconds(process.pid) - cpu_before
                report["server_cpu_ms_per_request"] = round(used * 1000 / report["requests"], 1)
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        report["workers"] = workers
        reports.append(report)
        if not args.json:
            _print(report, workers)
    if args.json:
        print(json.dumps(reports, indent=2))
    return 1 if any(r["errors"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())

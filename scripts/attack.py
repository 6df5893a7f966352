"""Measure what one abusive client does to everyone else, over real HTTP.

Starts `ecei serve` on 127.0.0.1 (embedded store) on a free port, or targets `--url`. Then
two phases of `--seconds` each: ordinary clients alone, then the same clients while one
attacker loops through the attacks below. Throughout, a prober asks `/healthz` every
50 ms. Prints p50/p99 of the ordinary requests in each phase, the /healthz latencies and
what the attacks were answered. Bounded in time and in requests; nothing is asserted.

Attacks, from the reports on the guarded issue:
- five aliases of `clusters(where: $w) { totalCount }` with a 3,000-clause `or`;
- fifteen aliases of a page of 100 `benchmark(peerGroup: ALL)`;
- nested pages of 100 with the page size from a variable's default;
- distinct 2,000-token documents, and persisted queries that do not parse;
- 500 repeats of `__typename`; `asOf: "9999-12-31"`;
- the heaviest operations the limits admit (40 benchmarks against every cluster; four
  aggregates).

    python scripts/attack.py [--clients 4] [--seconds 10] [--url http://host:port]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx

ORDINARY = [
    (
        "query($n: Int) { clusters(first: $n) { totalCount pageInfo { hasNextPage endCursor } "
        "nodes { name slug portfolio { name } label { level validUntil status } } } }",
        {"n": 20},
    ),
    ('{ clusters(search: "pole") { nodes { slug name } } }', {}),
    ('{ portfolio(slug: "ict") { name clusters { nodes { name } } } }', {}),
    ('{ cluster(slug: "nov-log") { name label { status daysRemaining } } }', {}),
]

BENCHMARK_ALL = (
    "benchmark(peerGroup: ALL) { overall { green yellow red } indicators { "
    "peerMedian percentileRank rating } }"
)


def attacks() -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(query, variables, extensions), forever."""
    where = {"or": [{"country": ["XX"]} for _ in range(3000)]}
    five = " ".join(f"a{i}: clusters(where: $w) {{ totalCount }}" for i in range(5))
    fifteen = " ".join(
        f"a{i}: clusters(first: 100) {{ nodes {{ {BENCHMARK_ALL} }} }}" for i in range(15)
    )
    fixed: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        (f"query($w: ClusterWhere) {{ {five} }}", {"w": where}, None),
        (f"{{ {fifteen} }}", {}, None),
        (
            "query($n: Int = 100) { clusters(first: $n) { nodes { portfolio { "
            "clusters(first: $n) { totalCount } } } } }",
            {},
            None,
        ),
        ("{ " + "__typename " * 500 + "}", {}, None),
        ('{ clusters(asOf: "9999-12-31") { totalCount } }', {}, None),
        (f"{{ clusters(first: 40) {{ nodes {{ {BENCHMARK_ALL} }} }} }}", {}, None),
        (
            "{ portfolioStats { clusterCount } labelTimeline(interval: MONTH) { awarded } "
            "clustersAggregate(groupBy: [PORTFOLIO, EXPIRY_YEAR]) { count } "
            'indicatorStats(code: "participants", groupBy: PORTFOLIO) { median } }',
            {},
            None,
        ),
    ]
    for n in itertools.count():
        yield fixed[n % len(fixed)]
        # A distinct ~2,000-token document, and a persisted query that does not parse.
        salt = random.randrange(1 << 30)
        fields = " ".join(f"f{salt}_{i}: __typename" for i in range(15))
        yield "{ " + fields + " " + "portfolios { slug } " * 10 + "}" + " " * (n % 7), {}, None
        junk = f"{{ not graphql {salt}"
        digest = hashlib.sha256(junk.encode()).hexdigest()
        yield junk, {}, {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def ordinary_client(
    http: httpx.AsyncClient, until: float, out: list[float], failures: list[str]
) -> None:
    for query, variables in itertools.cycle(ORDINARY):
        if time.monotonic() >= until:
            return
        start = time.monotonic()
        try:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            failed = response.status_code != 200 or "errors" in response.json()
        except httpx.TimeoutException:
            failed = True
        out.append(time.monotonic() - start)
        if failed:
            failures.append(query)


async def attacker(http: httpx.AsyncClient, until: float, seen: Counter[str]) -> None:
    for query, variables, extensions in attacks():
        if time.monotonic() >= until:
            return
        body: dict[str, Any] = {"query": query, "variables": variables}
        if extensions:
            body["extensions"] = extensions
        try:
            response = await http.post("/graphql", json=body)
        except httpx.TimeoutException:
            seen["client timeout"] += 1
            continue
        errors = response.json().get("errors") or [{}]
        code = errors[0].get("extensions", {}).get("code", "ok")
        seen[f"{response.status_code} {code}"] += 1


def prober(url: str, seconds: float) -> list[float]:
    """`/healthz` every 50 ms for `seconds`, in a process of its own (see `phase`)."""
    out: list[float] = []
    until = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as http:
        while time.monotonic() < until:
            start = time.monotonic()
            with contextlib.suppress(httpx.TimeoutException):
                http.get("/healthz")
            out.append(time.monotonic() - start)
            time.sleep(0.05)
    return out


def attacking(url: str, seconds: float) -> Counter[str]:
    """The attacker for `seconds`, in a process of its own (see `phase`)."""

    async def run() -> Counter[str]:
        seen: Counter[str] = Counter()
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            await attacker(http, time.monotonic() + seconds, seen)
        return seen

    return asyncio.run(run())


async def phase(
    url: str, clients: int, seconds: float, *, attack: bool
) -> tuple[list[float], list[float], Counter[str]]:
    """The ordinary clients in this process; the prober and the attacker each in a process
    of its own, so that neither the attacker's large answers nor the clients' own work
    delays what the others measure."""
    latencies: list[float] = []
    failures: list[str] = []
    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        # Start the helpers first, then give them a moment to import before the clock.
        probing = loop.run_in_executor(pool, prober, url, seconds + 1)
        attacked = loop.run_in_executor(pool, attacking, url, seconds + 1) if attack else None
        await asyncio.sleep(1)
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
            until = time.monotonic() + seconds
            await asyncio.gather(
                *(ordinary_client(http, until, latencies, failures) for _ in range(clients))
            )
        health = await probing
        seen = await attacked if attacked is not None else Counter[str]()
    if failures:
        seen["ordinary requests failed or timed out"] = len(failures)
    return latencies, health, seen


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    command = [sys.executable, "-c", "from api.cli import main; raise SystemExit(main())"]
    server = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


async def run(url: str, clients: int, seconds: float) -> None:
    await phase(url, clients, 2, attack=False)  # warm-up: caches, imports
    quiet, quiet_health, quiet_seen = await phase(url, clients, seconds, attack=False)
    loud, loud_health, seen = await phase(url, clients, seconds, attack=True)

    def ms(value: float) -> str:
        return f"{value * 1000:7.1f} ms"

    print(f"{clients} ordinary clients, {seconds:g} s per phase")
    print(f"{'':24}{'requests':>9} {'p50':>10} {'p99':>10} {'max':>10}")
    for name, values in (
        ("ordinary, no attack", quiet),
        ("ordinary, under attack", loud),
        ("/healthz, no attack", quiet_health),
        ("/healthz, under attack", loud_health),
    ):
        print(
            f"{name:24}{len(values):9d} {ms(statistics.median(values))} "
            f"{ms(percentile(values, 0.99))} {ms(max(values))}"
        )
    ratio = percentile(loud, 0.99) / percentile(quiet, 0.99)
    print(f"ordinary p99 under attack / without: {ratio:.2f}")
    print("attack answers:", ", ".join(f"{k}: {v}" for k, v in sorted(seen.items())))
    if quiet_seen:
        print("without attack:", ", ".join(f"{k}: {v}" for k, v in sorted(quiet_seen.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="ordinary clients (default 4)")
    parser.add_argument("--seconds", type=float, default=10, help="per phase (default 10)")
    parser.add_argument("--url", help="a running server (default: start one on the embedded store)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.clients, args.seconds))
        return
    with local_server() as url:
        asyncio.run(run(url, args.clients, args.seconds))


if __name__ == "__main__":
    main()

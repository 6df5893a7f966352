"""Measure what one abusive client does to everyone else, over real HTTP.

Starts `ecei serve` on 127.0.0.1 (embedded store) on a free port, or targets `--url`. Then
two phases of `--seconds` each: ordinary clients alone, then the same clients while one
attacker loops through the attacks below. Throughout, a prober asks `/healthz` every
50 ms. Prints p50/p99 of the ordinary requests in each phase, the /healthz latencies and
what the attacks were answered. Bounded in time and in requests; nothing is asserted.

Attacks, from the reports on the guarded issue:
- five aliases of `clusters(where: $w) { totalCount }` with a 3,000-clause `or`, and a
  62 kB `where` of 30 nested `or`s of 99 clauses (refused: too many list items);
- the CSV export of every cluster, on a distinct `asOf` each time;
- fifteen aliases of a page of 100 `benchmark(peerGroup: ALL)`;
- nested pages of 100 with the page size from a variable's default;
- distinct 2,000-token documents, and persisted queries that do not parse;
- 500 repeats of `__typename`; `asOf: "9999-12-31"`;
- the heaviest operations the limits admit (40 benchmarks against every cluster; four
  aggregates; a day-by-day timeline and a monthly one per portfolio; distinct documents of
  15 lists each, large answers that cost nothing);
- fifteen pages of 83 clusters with their scalar fields and their latest interview, a
  distinct text each time (cost 2,490, the most such pages admit: large answers, built
  by Python);
- with `--burst N`, N distinct uncached directory pages at once every 2 s;
- with `--attackers N`, N attackers looping through the attacks at once.

    python scripts/attack.py [--clients 4] [--seconds 10] [--burst N] [--attackers N]
                             [--url http://host:port]
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
from urllib.parse import urlsplit

import httpx
from lean_http import Connection, post

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
    nested = {"or": [{"or": [{"country": ["FR"]}] * 99}] * 30}  # 62 kB, 5,970 list items
    fixed: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        (f"query($w: ClusterWhere) {{ {five} }}", {"w": where}, None),
        ("query($w: ClusterWhere) { clusters(where: $w) { totalCount } }", {"w": nested}, None),
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
            "{ labelTimeline(interval: DAY) { start awarded expiring clustersValidAtEnd } }",
            {},
            None,
        ),
        (
            "{ labelTimeline(interval: MONTH, groupBy: [PORTFOLIO]) { "
            "start awarded clustersValidAtEnd } }",
            {},
            None,
        ),
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
        # Distinct ~2,000-token documents (so never from a cache): one that asks little,
        # one whose answer is large though it costs nothing (lists that are not pages).
        salt = random.randrange(1 << 30)
        fields = " ".join(f"f{salt}_{i}: __typename" for i in range(15))
        yield "{ " + fields + " " + "portfolios { slug } " * 10 + "}" + " " * (n % 7), {}, None
        lists = " ".join(
            f"i{salt}_{i}: indicators {{ id code number name description area areaName "
            "unit catalogueVersion }"
            for i in range(15)
        )
        yield "{ " + lists + " }", {}, None
        pages = " ".join(
            f"p{salt}_{i}: clusters(first: 83) {{ nodes {{ id slug name website country "
            "latestInterview { conductedOn recommendations } } }"
            for i in range(15)
        )
        yield "{ " + pages + " }", {}, None
        # The CSV export of every cluster as on a distinct date ("GET " + a path).
        yield f"GET /export/clusters.csv?asOf={2000 + n % 30}-{1 + n % 12:02}-01", {}, None
        junk = f"{{ not graphql {salt}"
        digest = hashlib.sha256(junk.encode()).hexdigest()
        yield junk, {}, {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def burst_queries(size: int) -> list[str]:
    """`size` distinct directory pages (distinct texts, so none is answered from a cache)."""
    salt = random.randrange(1 << 30)
    return [
        f"{{ b{salt}_{i}: clusters(first: 20) {{ totalCount nodes {{ slug name "
        "portfolio { name } label { level validUntil status } } } }"
        for i in range(size)
    ]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def ordinary_client(url: str, until: float, out: list[float], failures: list[str]) -> None:
    """One keep-alive connection sending the ordinary queries in turn (`lean_http`: a
    client that costs little CPU, so that on a small machine the latencies are mostly the
    server's)."""
    parts = urlsplit(url)
    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    payloads = [(query, post(url, query, variables)) for query, variables in ORDINARY]
    try:
        for query, payload in itertools.cycle(payloads):
            if time.monotonic() >= until:
                return
            start = time.monotonic()
            try:
                status, body = await connection.request(payload, timeout=30)
                failed = status != 200 or b'"errors"' in body
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                failed = True
            out.append(time.monotonic() - start)
            if failed:
                failures.append(query)
    finally:
        connection.close()


async def attacker(http: httpx.AsyncClient, until: float, seen: Counter[str]) -> None:
    for query, variables, extensions in attacks():
        if time.monotonic() >= until:
            return
        body: dict[str, Any] = {"query": query, "variables": variables}
        if extensions:
            body["extensions"] = extensions
        try:
            if query.startswith("GET "):
                response = await http.get(query.removeprefix("GET "))
            else:
                response = await http.post("/graphql", json=body)
        except httpx.TimeoutException:
            seen["client timeout"] += 1
            continue
        # Large answers are data: decoding them would spend this machine's CPU on the
        # client's side, which the ordinary clients would then measure.
        code = "ok"
        if response.headers.get("content-type", "").startswith("text/csv"):
            pass
        elif len(response.content) < 65536 or b'"errors"' in response.content:
            errors = response.json().get("errors") or [{}]
            code = errors[0].get("extensions", {}).get("code", "ok")
        seen[f"{response.status_code} {code}"] += 1


def bursting(url: str, seconds: float, size: int) -> Counter[str]:
    """Every 2 s, `size` distinct uncached queries sent at once, for `seconds`, in a
    process of its own (see `phase`)."""

    async def run() -> Counter[str]:
        seen: Counter[str] = Counter()
        until = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=size)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:

            async def one(query: str) -> None:
                try:
                    response = await http.post("/graphql", json={"query": query})
                except httpx.TimeoutException:
                    seen["burst: client timeout"] += 1
                    return
                except httpx.HTTPError as error:
                    seen[f"burst: {type(error).__name__}"] += 1
                    return
                seen[f"burst: {response.status_code}"] += 1

            while time.monotonic() < until:
                started = time.monotonic()
                await asyncio.gather(*(one(q) for q in burst_queries(size)))
                await asyncio.sleep(max(0.0, 2 - (time.monotonic() - started)))
        return seen

    return asyncio.run(run())


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


def attacking(url: str, seconds: float, attackers: int) -> Counter[str]:
    """`attackers` attackers at once for `seconds`, in a process of their own (see
    `phase`)."""

    async def run() -> Counter[str]:
        seen: Counter[str] = Counter()
        limits = httpx.Limits(max_connections=attackers)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
            until = time.monotonic() + seconds
            await asyncio.gather(*(attacker(http, until, seen) for _ in range(attackers)))
        return seen

    return asyncio.run(run())


async def phase(
    url: str, clients: int, seconds: float, *, attack: bool, burst: int = 0, attackers: int = 1
) -> tuple[list[float], list[float], Counter[str]]:
    """The ordinary clients in this process; the prober, the attacker and the bursts each
    in a process of their own, so that neither the attacker's large answers nor the
    clients' own work delays what the others measure."""
    latencies: list[float] = []
    failures: list[str] = []
    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=spawn) as pool:
        # Start the helpers first, then give them a moment to import before the clock.
        probing = loop.run_in_executor(pool, prober, url, seconds + 1)
        attacked = (
            loop.run_in_executor(pool, attacking, url, seconds + 1, attackers) if attack else None
        )
        bursts = (
            loop.run_in_executor(pool, bursting, url, seconds + 1, burst)
            if attack and burst
            else None
        )
        await asyncio.sleep(1)
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(ordinary_client(url, until, latencies, failures) for _ in range(clients))
        )
        health = await probing
        seen = await attacked if attacked is not None else Counter[str]()
        if bursts is not None:
            seen.update(await bursts)
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


async def run(url: str, clients: int, seconds: float, burst: int = 0, attackers: int = 1) -> None:
    await phase(url, clients, 2, attack=False)  # warm-up: caches, imports
    quiet, quiet_health, quiet_seen = await phase(url, clients, seconds, attack=False)
    loud, loud_health, seen = await phase(
        url, clients, seconds, attack=True, burst=burst, attackers=attackers
    )

    def ms(value: float) -> str:
        return f"{value * 1000:7.1f} ms"

    bursts = f", bursts of {burst} distinct uncached queries every 2 s" if burst else ""
    print(f"{clients} ordinary clients, {attackers} attacker(s), {seconds:g} s per phase{bursts}")
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
    parser.add_argument(
        "--burst",
        type=int,
        default=0,
        help="also send this many distinct uncached queries at once every 2 s (default 0)",
    )
    parser.add_argument("--attackers", type=int, default=1, help="attackers at once (default 1)")
    args = parser.parse_args()
    arguments = (args.clients, args.seconds, args.burst, args.attackers)
    if args.url:
        asyncio.run(run(args.url, *arguments))
        return
    with local_server() as url:
        asyncio.run(run(url, *arguments))


if __name__ == "__main__":
    main()

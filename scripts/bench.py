"""Requests per second and latency of typical queries over HTTP, against real servers.

For each listing size, starts `ecei serve` on 127.0.0.1 on the embedded store (the
shipped 88 clusters, or a generated listing through `ECEI_EMBEDDED_LISTING`), once with
the response cache and once without (`ECEI_RESPONSE_CACHE_BYTES=0`), and beside it the
floor: a bare Strawberry app answering `{ __typename }` (`scripts/bench_floor.py`). Each
query is measured in rounds that alternate with rounds of the floor, and reported as a
ratio to the floor (the median of the rounds' ratios), so that a busy machine slows both
alike. The load is N keep-alive connections sending the same POST for a bounded time
(a small HTTP/1.1 client on asyncio streams, lighter than the server it measures).

Before the sizes, the same documents as the "directory page" and "nested page" are
measured the same way against a bare Strawberry schema that answers them from objects in
memory, with parser and validation caches (`bench_floor.py --from-memory`): the ratio
Strawberry itself reaches for those shapes, whatever the store. `--queries from-memory`
measures only these, without starting `ecei serve`.

    python scripts/bench.py [--sizes 88,1000,10000] [--seconds 1.5] [--rounds 3]
                            [--connections 10] [--queries NAME,...|from-memory]

`hits` is the share of answers the response cache served; `err` counts answers that
were not a 200 without errors, or did not come within 30 s; `kB` is the size of one
answer's body. The last row of each table is the floor's own, over the rounds that
alternated with that table's rows. A query whose second request alone (the first warms
the caches) takes longer than `--max-seconds` is reported with that time and not loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import orjson

from schema.rules.text import slugify

HOST = "127.0.0.1"
SCRIPTS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SHIPPED_SIZE = 88

TYPENAME = "{ __typename }"

QUERIES: dict[str, str] = {
    "{ __typename }": TYPENAME,
    "directory page": """{ clusters(first: 20) { totalCount nodes {
        slug name website portfolio { slug name } label { level validUntil status } }
        pageInfo { hasNextPage endCursor } } }""",
    "nested page": """{ clusters(first: 20) { nodes { slug name latestInterview {
        conductedOn results { code value flag text rating indicator { code name unit } } } } } }""",
    "portfolioStats": """{ portfolioStats { portfolio { slug name } clusterCount
        byLevel { bronze silver gold } byStatus { valid expiringSoon renewable expired }
        expiringWithinWindow } }""",
    "clustersAggregate": """{ clustersAggregate(groupBy: [PORTFOLIO, LABEL_STATUS]) {
        portfolio { slug } labelStatus count } }""",
    "indicatorStats by portfolio": """{ indicatorStats(code: "participants",
        groupBy: PORTFOLIO) { portfolio { slug } n mean median p25 p75 min max } }""",
    "one cluster's benchmark": """{ cluster(slug: "SLUG") { name benchmark {
        peerClusters indicators { indicator { code } value peerMedian percentileRank rating }
        areas { area green yellow red } overall { green yellow red } } } }""",
}

# The same documents, answered by a bare Strawberry schema from memory (`bench_floor.py
# --from-memory`), whatever the listing's size.
FROM_MEMORY: dict[str, str] = {
    "directory page: bare Strawberry from memory": QUERIES["directory page"],
    "nested page: bare Strawberry from memory": QUERIES["nested page"],
}
GROUPS: dict[str, list[str]] = {"from-memory": list(FROM_MEMORY)}


def query_names(selected: str) -> list[str]:
    """The names `--queries` selects (all when empty), a group's expanded; ValueError on a
    name that is neither a query nor a group."""
    if not selected:
        return [*FROM_MEMORY, *QUERIES]
    names: list[str] = []
    for name in (n.strip() for n in selected.split(",")):
        if name in GROUPS:
            names.extend(GROUPS[name])
        elif name in QUERIES or name in FROM_MEMORY:
            names.append(name)
        else:
            known = ", ".join([*QUERIES, *FROM_MEMORY, *GROUPS])
            raise ValueError(f"unknown query {name!r}; known: {known}")
    return list(dict.fromkeys(names))


# --- a made-up listing of any size: never real data ------------------------------------
# A minimal stand-in until the project ships a listing generator: `n` clusters over the 14
# portfolios, a few countries, the three levels and end dates from 2010 to 2030, always
# the same for the same `n`.

_PORTFOLIOS = Path(__file__).resolve().parent.parent / "seed" / "data" / "portfolios.json"
_COUNTRIES = ("FR", "DE", "ES", "IT", "BE", "NL", "AT", "PL", "SE", "PT")
_LEVELS = ("BRONZE", "BRONZE", "BRONZE", "SILVER", "GOLD")
_WORDS = ("Pôle", "Cluster", "Réseau", "Netzwerk", "Polo", "Agrupación", "Klaster", "Hub")
_THEMES = ("Mécatronique", "Bioénergie", "Numérique", "Matériaux", "Santé", "Logistique")


def write_listing(path: Path, n: int, *, seed: int = 2024) -> str:
    """Write the listing; return the slug of its first cluster."""
    rng = random.Random(seed)
    portfolios = json.loads(_PORTFOLIOS.read_text(encoding="utf-8"))["portfolios"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "portfolio", "website", "label_level", "valid_until", "country"])
        for number in range(1, n + 1):
            name = f"{rng.choice(_WORDS)} {rng.choice(_THEMES)} {number}"
            end = date(2010, 1, 1) + timedelta(days=rng.randrange(20 * 365))
            website = f"https://cluster{number}.example.org" if rng.random() < 0.8 else ""
            writer.writerow(
                [
                    name,
                    rng.choice(portfolios),
                    website,
                    rng.choice(_LEVELS),
                    end.isoformat(),
                    rng.choice(_COUNTRIES),
                ]
            )
    first = next(csv.DictReader(path.open(encoding="utf-8")))
    return slugify(first["name"])


# --- load -------------------------------------------------------------------------------


@dataclass
class Round:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    hits: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _request(port: int, query: str) -> bytes:
    body = orjson.dumps({"query": query})
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(head[9:12]), await reader.readexactly(length)


async def _load(port: int, query: str, seconds: float, connections: int) -> Round:
    """`connections` clients sending `query` back to back for `seconds`."""
    request = _request(port, query)
    result = Round()
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while (started := time.perf_counter()) < deadline:
                writer.write(request)
                try:
                    status, body = await asyncio.wait_for(_answer(reader), timeout=30)
                except TimeoutError:
                    result.errors += 1
                    return
                result.latencies.append(time.perf_counter() - started)
                result.requests += 1
                if status != 200 or b'"errors"' in body:
                    result.errors += 1
                elif b'"cache":"HIT"' in body:
                    result.hits += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - began
    return result


async def _once(port: int, query: str) -> tuple[Round, int]:
    """One request on a connection of its own; the round and the answer's size in bytes."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(_request(port, query))
    status, body = await _answer(reader)
    writer.close()
    return Round(requests=1, errors=int(status != 200 or b'"errors"' in body)), len(body)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


async def _ready(port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        status, _ = await _answer(reader)
        writer.close()
        if status == 200:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no server answered on port {port} within {timeout:.0f} s")


@contextmanager
def _server(command: Sequence[str], env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _percentiles(latencies: list[float]) -> list[float]:
    return statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99


HEADER = (
    "| query | req/s | p50 ms | p99 ms | × floor | hits | err | kB |\n"
    "|---|---|---|---|---|---|---|---|"
)


async def _measure(
    port: int,
    floor_port: int,
    queries: dict[str, str],
    slug: str,
    args: argparse.Namespace,
) -> None:
    floor_rates: list[float] = []
    floor_latencies: list[float] = []
    for name, document in queries.items():
        query = document.replace("SLUG", slug)
        first, size = await _once(port, query)  # warms the caches: a miss when cached
        started = time.perf_counter()
        await _once(port, query)
        alone = time.perf_counter() - started
        if first.errors:
            print(f"| {name} | error on the first request | | | | | | |", flush=True)
            continue
        if alone > args.max_seconds:
            print(f"| {name} | one request alone: {alone:.1f} s, not loaded | | | | | | |")
            continue
        ratios, rates, latencies, hits, errors, total = [], [], [], 0, 0, 0
        for _ in range(args.rounds):
            floor = await _load(floor_port, TYPENAME, args.seconds, args.connections)
            measured = await _load(port, query, args.seconds, args.connections)
            ratios.append(measured.rate / floor.rate)
            floor_rates.append(floor.rate)
            floor_latencies.extend(floor.latencies)
            rates.append(measured.rate)
            latencies.extend(measured.latencies)
            hits, errors = hits + measured.hits, errors + measured.errors
            total += measured.requests
        quantiles = _percentiles(latencies)
        print(
            f"| {name} | {statistics.median(rates):.0f} | {_ms(quantiles[49])} | "
            f"{_ms(quantiles[98])} | **{statistics.median(ratios):.2f}** | "
            f"{hits / total:.0%} | {errors} | {size / 1000:.1f} |",
            flush=True,
        )
    if floor_rates:
        quantiles = _percentiles(floor_latencies)
        print(
            f"| the floor's own rounds in this table (bare Strawberry, `{TYPENAME}`) | "
            f"{statistics.median(floor_rates):.0f} | {_ms(quantiles[49])} | "
            f"{_ms(quantiles[98])} | 1 | | | |",
            flush=True,
        )


async def main(args: argparse.Namespace) -> None:
    names = query_names(args.queries)
    from_memory = {name: FROM_MEMORY[name] for name in names if name in FROM_MEMORY}
    served = {name: QUERIES[name] for name in names if name in QUERIES}
    floor_port, memory_port = _free_port(), _free_port()
    floor = [str(BIN / "python"), str(SCRIPTS / "bench_floor.py"), str(floor_port)]
    memory = [str(BIN / "python"), str(SCRIPTS / "bench_floor.py"), str(memory_port)]
    print(
        f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s per query, "
        f"alternating with the floor (bare Strawberry, `{{ __typename }}`); "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    with _server(floor, {}), tempfile.TemporaryDirectory() as tmp:
        await _ready(floor_port, "/graphql?query=%7B__typename%7D", 60)
        if from_memory:
            with _server([*memory, "--from-memory"], {}):
                await _ready(memory_port, "/graphql?query=%7B__typename%7D", 60)
                print("### bare Strawberry from memory (no store; parser and validation caches)\n")
                print(HEADER)
                await _measure(memory_port, floor_port, from_memory, "", args)
                print()
        for size in (int(s) for s in args.sizes.split(",")) if served else ():
            # Thousands of uncached requests from one address: the anonymous budget (5,000
            # points an hour by default) would answer the last rows 429. A benchmark
            # measures throughput, not budgets.
            env: dict[str, str] = {"ECEI_ANONYMOUS_BUDGET_PER_HOUR": "100000000"}
            slug = "nov-log"
            if size != SHIPPED_SIZE:
                listing = Path(tmp) / f"listing-{size}.csv"
                slug = write_listing(listing, size)
                env["ECEI_EMBEDDED_LISTING"] = str(listing)
            for mode, cache_bytes in (("uncached", "0"), ("cached", "")):
                port = _free_port()
                serve = [str(BIN / "ecei"), "serve", "--port", str(port)]
                with _server(serve, {**env, "ECEI_RESPONSE_CACHE_BYTES": cache_bytes}):
                    started = time.perf_counter()
                    await _ready(port, "/readyz", args.start_timeout)
                    loaded = time.perf_counter() - started
                    print(f"### {size} clusters, {mode} (server ready in {loaded:.0f} s)\n")
                    print(HEADER)
                    await _measure(port, floor_port, served, slug, args)
                    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="88,1000,10000")
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument(
        "--queries",
        default="",
        help="comma-separated names, or `from-memory` for the bare-Strawberry rows (default: all)",
    )
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=2.0,
        help="a query whose single request takes longer is reported, not loaded",
    )
    arguments = parser.parse_args()
    try:
        query_names(arguments.queries)
    except ValueError as error:
        parser.error(str(error))
    # Stopped with SIGTERM, still stop the servers it started (the `finally` of `_server`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    asyncio.run(main(arguments))

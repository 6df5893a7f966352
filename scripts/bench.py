"""Measure request latency of typical queries, in-process, on the embedded store.

Starts the app on the embedded store, seeded with the shipped data or, with `--clusters N`,
with N generated clusters and a sample interview each (`seed.generate`, loaded in bulk),
then sends each query a fixed number of times through httpx's ASGI transport and prints
requests/s, p50 and p95 latency, and p50 as a multiple of `{ __typename }` measured in the
same run (the HTTP + GraphQL floor, so that runs on different machines compare). No
network and no server: this measures the application, not uvicorn.

    python scripts/bench.py [--clusters N] [--requests R]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import time
from typing import Any

import httpx

from api.app import create_app
from api.database import Connection, connect
from api.settings import Settings
from seed.generate import generated_input
from seed.loader import load

QUERIES = {
    "{ __typename }": "{ __typename }",
    "directory page of 20": """{ clusters(first: 20) { totalCount
        nodes { slug name portfolio { name } label { validUntil status } } } }""",
    "filtered DESC page": """{ clusters(first: 20, where: {portfolio: ["ict"]},
        orderBy: [{field: VALID_UNTIL, direction: DESC}]) {
        nodes { slug } pageInfo { hasNextPage endCursor } } }""",
    "search": '{ clusters(search: "pole", first: 20) { totalCount nodes { slug } } }',
    "portfolioStats": """{ portfolioStats(asOf: "2014-03-01") {
        portfolio { slug } clusterCount byStatus { valid expiringSoon renewable expired } } }""",
    "labelTimeline": """{ labelTimeline(interval: YEAR) {
        start awarded expiring clustersValidAtEnd } }""",
    "indicatorStats by portfolio": """{ indicatorStats(code: "participants", groupBy: PORTFOLIO) {
        n median p25 p75 } }""",
    "one cluster's benchmark": """query ($slug: String!) { cluster(slug: $slug) {
        benchmark(peerGroup: PORTFOLIO) { overall { green yellow red } } } }""",
}


async def _seeded(clusters: int | None) -> tuple[Connection, float]:
    """The embedded connection, seeded (with the shipped data by the app itself when
    `clusters` is None); and the seconds the generated load took."""
    connection = connect(Settings())
    if clusters is None:
        return connection, 0.0
    data = generated_input(clusters)
    started = time.perf_counter()
    await load(connection.db, data, bulk=True)
    loaded = time.perf_counter() - started
    # Seeded here: the app must not add the shipped listing on top.
    return dataclasses.replace(connection, embedded=False), loaded


async def main(clusters: int | None, requests: int) -> None:
    connection, loaded = await _seeded(clusters)
    app = create_app(Settings(), connect=lambda settings: connection)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def post(query: str, variables: dict[str, Any]) -> httpx.Response:
                return await client.post("/graphql", json={"query": query, "variables": variables})

            first = await post("{ clusters(first: 1) { nodes { slug } } }", {})
            slug = first.json()["data"]["clusters"]["nodes"][0]["slug"]
            count = await post("{ clusters { totalCount } }", {})
            total = count.json()["data"]["clusters"]["totalCount"]
            print(f"{total} clusters" + (f", loaded in {loaded:.1f} s" if clusters else ""))
            print(f"{'query':<28} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'× floor':>8}")
            floor = None
            for name, query in QUERIES.items():
                variables = {"slug": slug} if "$slug" in query else {}
                await post(query, variables)  # warm caches
                latencies = []
                started = time.perf_counter()
                for _ in range(requests):
                    t0 = time.perf_counter()
                    response = await post(query, variables)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    if response.status_code != 200 or "errors" in response.json():
                        sys.exit(f"{name}: unexpected response {response.text[:300]}")
                elapsed = time.perf_counter() - started
                p50 = statistics.median(latencies)
                p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 1 else p50
                floor = floor or p50
                print(
                    f"{name:<28} {len(latencies) / elapsed:>8.1f} {p50:>9.2f} {p95:>9.2f} "
                    f"{p50 / floor:>8.1f}"
                )


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clusters",
        type=int,
        default=None,
        help="load N generated clusters (with sample interviews) instead of the shipped data",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="requests per query (default 100, or 10 for --clusters over 1000)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _arguments(sys.argv[1:])
    default = 10 if (arguments.clusters or 0) > 1000 else 100
    asyncio.run(main(arguments.clusters, arguments.requests or default))

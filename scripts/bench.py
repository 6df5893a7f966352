"""Measure request latency of a few typical queries, in-process, on the embedded store.

Starts the app (its lifespan seeds the embedded store), sends each query a fixed number of
times through httpx's ASGI transport, and prints requests/s with p50/p95 latency. No
network and no server: this measures the application, not uvicorn.

    python scripts/bench.py [REQUESTS_PER_QUERY]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import httpx

from api.app import create_app
from api.settings import Settings

QUERIES = {
    "one cluster by slug": '{ cluster(slug: "nov-log") { name label { status } } }',
    "page of 20 names": "{ clusters { totalCount nodes { name } } }",
    "page of 100, nested": """{ clusters(first: 100) { edges { cursor node {
        name portfolio { name } label { validUntil status daysRemaining }
    } } pageInfo { hasNextPage endCursor } } }""",
    "search + filter": """{ clusters(search: "pole", asOf: "2014-02-20",
        where: {labelStatus: [VALID, EXPIRING_SOON]}) { totalCount nodes { slug } } }""",
    "interview results of 20": """{ clusters { nodes { latestInterview {
        results { code value rating indicator { name } } } } } }""",
    "portfolioStats": """{ portfolioStats(asOf: "2014-03-01") {
        portfolio { slug } clusterCount byStatus { valid expiringSoon renewable expired } } }""",
    "indicatorStats by portfolio": """{ indicatorStats(code: "participants", groupBy: PORTFOLIO) {
        n median p25 p75 } }""",
    "benchmark of 20": """{ clusters { nodes { benchmark {
        overall { green yellow red } indicators { percentileRank rating } } } } }""",
}


async def main(requests: int) -> None:
    app = create_app(Settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            print(f"{'query':<26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
            for name, query in QUERIES.items():
                await client.post("/graphql", json={"query": query})  # warm caches
                latencies = []
                started = time.perf_counter()
                for _ in range(requests):
                    t0 = time.perf_counter()
                    response = await client.post("/graphql", json={"query": query})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    if response.status_code != 200 or "errors" in response.json():
                        print(f"{name}: unexpected response {response.text[:200]}")
                        break
                elapsed = time.perf_counter() - started
                quantiles = statistics.quantiles(latencies, n=20)
                print(
                    f"{name:<26} {len(latencies) / elapsed:>8.0f} "
                    f"{statistics.median(latencies):>8.2f} {quantiles[18]:>8.2f}"
                )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))

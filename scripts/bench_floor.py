"""The floor the benchmark compares with: a bare Strawberry app answering `{ __typename }`.

No project code: Strawberry's own ASGI view under uvicorn, with uvicorn's defaults as
`ecei serve` uses them (access log included), so that a ratio to it shows what the
project adds to the cheapest possible GraphQL request.

    python scripts/bench_floor.py PORT
"""

from __future__ import annotations

import sys

import strawberry
import uvicorn
from strawberry.asgi import GraphQL


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


app = GraphQL(strawberry.Schema(query=Query))

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")

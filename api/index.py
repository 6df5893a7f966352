"""`GET /`: where someone who opens the server's address lands.

Until a web front-end serves `/`, the answer is a JSON index of the endpoints, in every
environment. In development a browser (a request that accepts HTML) is sent on to
`/graphql` instead, where GraphiQL opens; production has no GraphiQL, so a browser gets the
index too. The route is this one function: a front-end takes `/` over by replacing it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.export import EXPORT_PATH
from api.settings import Settings

__all__ = ["index_endpoint"]


def index_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    graphql = "GraphQL over HTTP: POST any query, GET a query (cacheable)"
    if not settings.production:
        graphql += "; in a browser, GraphiQL"
    body: dict[str, Any] = {
        "name": "ecei-api",
        "version": importlib.metadata.version("ecei-api"),
        "description": "The directory of cluster organisations labelled by ESCA (ECEI labels)",
        "endpoints": [
            {"path": "/graphql", "methods": ["GET", "POST"], "description": graphql},
            {
                "path": EXPORT_PATH,
                "methods": ["GET"],
                "description": "clusters as CSV; parameters search, where, orderBy, asOf",
            },
            {"path": "/healthz", "methods": ["GET"], "description": "the process is up"},
            {"path": "/readyz", "methods": ["GET"], "description": "the database answers"},
        ],
    }

    async def index(request: Request) -> Response:
        headers = {"Vary": "Accept"}
        if not settings.production and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/graphql", status_code=303, headers=headers)
        return JSONResponse(body, headers=headers)

    return index

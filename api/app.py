"""The Starlette application: `/graphql`, `/healthz`, `/readyz`.

The database connection is opened in the lifespan (never at import time). The embedded
store (no `MONGODB_URI`) is empty at start, so it is seeded with the shipped data; a server
given by `MONGODB_URI` is never seeded implicitly (`ecei seed` does that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.body_limit import BodySizeLimit
from api.budgets import BudgetLimits
from api.database import Connection, connect
from api.graphiql import GRAPHIQL_ASSETS_DIR, GRAPHIQL_ASSETS_PATH
from api.keys import provision_from_file
from api.settings import Settings
from api.view import GraphQLView
from schema.build import build_schema

__all__ = ["create_app"]

logger = logging.getLogger("api.app")


def create_app(
    settings: Settings, *, connect: Callable[[Settings], Connection] = connect
) -> Starlette:
    """The app for `settings`; `connect` builds the database connection (tests swap it)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        connection = connect(settings)
        app.state.connection = connection
        try:
            if connection.embedded:
                from seed.shipped import load_shipped

                await load_shipped(connection.db)
            if settings.keys_file is not None:
                await provision_from_file(connection.db, settings.keys_file)
            yield
        finally:
            connection.close()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        connection: Connection = request.app.state.connection
        try:
            async with asyncio.timeout(settings.db_timeout_ms / 1000):
                await connection.ping()
        except Exception as exc:  # any failure means "not ready"; the detail stays in the log
            logger.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse(
                {"status": "unavailable", "reason": "the database did not answer a ping"},
                status_code=503,
            )
        return JSONResponse({"status": "ready"})

    view = GraphQLView(
        build_schema(production=settings.production),
        production=settings.production,
        min_group_size=settings.min_group_size,
        publish_results=settings.publish_results,
        budgets=BudgetLimits(settings.budget_per_hour, settings.anonymous_budget_per_hour),
    )
    middleware = [Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                # Authorization: browser clients send API keys as bearer tokens. Cookies are
                # not used, so credentials stay off (no Access-Control-Allow-Credentials).
                allow_headers=["Accept", "Authorization", "Content-Type"],
                max_age=600,
            )
        )
    routes: list[BaseRoute] = [
        Route("/graphql", view),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    if not settings.production:  # GraphiQL's scripts and styles, served with the page
        routes.append(Mount(GRAPHIQL_ASSETS_PATH, StaticFiles(directory=GRAPHIQL_ASSETS_DIR)))
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )

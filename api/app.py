"""The Starlette application: `/graphql`, `/export/clusters.csv`, `/healthz`, `/readyz`,
and the web directory at `/`.

The database connection is opened in the lifespan (never at import time). The embedded
store (no `MONGODB_URI`) is empty at start, so it is seeded with the shipped data; a server
given by `MONGODB_URI` is never seeded implicitly (`ecei seed` does that). The lifespan
also imports what the first requests of some kinds would otherwise import on the HTTP loop
(`_import_ahead`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.body_limit import BodySizeLimit
from api.budgets import BudgetLimits
from api.database import OUTAGES, Connection, connect
from api.export import EXPORT_PATH, ClusterExport
from api.graphiql import GRAPHIQL_ASSETS_DIR, GRAPHIQL_ASSETS_PATH
from api.headers import SafeHeaders, WholeAnswers, cached_as
from api.http_errors import UnhandledErrors, http_exception
from api.keys import provision_from_file
from api.lifecycle import DrainGate
from api.metrics import metrics_endpoint
from api.observe import OperationRecorder, RequestObserver
from api.response_cache import Generation, ResponseCache
from api.settings import Settings
from api.view import GraphQLView
from api.web import WEB_ASSETS_DIR, WEB_ASSETS_PATH, web_page
from schema.build import build_schema

__all__ = ["create_app"]

logger = logging.getLogger("api.app")


def create_app(
    settings: Settings,
    *,
    connect: Callable[[Settings], Connection] = connect,
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The app for `settings`; `connect` builds the database connection and `clock` times
    the response cache's generation checks (tests swap both)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await _import_ahead()
        connection = connect(settings)
        app.state.connection = connection
        view.execution.start()
        try:
            if connection.embedded:
                from seed.command import load_listing
                from seed.shipped import load_shipped

                if settings.embedded_listing is not None:
                    await load_listing(connection.db, settings.embedded_listing)
                else:
                    await load_shipped(connection.db, bulk=True)
            if settings.keys_file is not None:
                await provision_from_file(connection.db, settings.keys_file)
            yield
        finally:
            view.execution.stop()
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

    schema = build_schema(
        production=settings.production, outages=OUTAGES, extra_extensions=[OperationRecorder]
    )
    response_cache = ResponseCache(
        settings.response_cache_bytes,
        Generation(settings.cache_check_seconds, private=settings.embedded, clock=clock),
    )
    view = GraphQLView(
        schema,
        production=settings.production,
        min_group_size=settings.min_group_size,
        publish_results=settings.publish_results,
        budgets=BudgetLimits(settings.budget_per_hour, settings.anonymous_budget_per_hour),
        response_cache=response_cache,
        cache_max_age=settings.cache_max_age,
        max_operations=settings.max_operations,
        max_cost_in_flight=settings.max_cost_in_flight,
    )
    # Outermost first. The request id, log line and metrics cover every answer below;
    # SafeHeaders only adds headers; CORS is outside everything that answers (errors, the
    # body-size limit included), so a browser can read every answer.
    middleware = [
        Middleware(RequestObserver),
        Middleware(SafeHeaders),
        Middleware(DrainGate),
        Middleware(WholeAnswers),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                # ECEI_CORS_HEADERS; its default lists Authorization: browser clients send
                # API keys as bearer tokens. Cookies are not used, so credentials stay off
                # (no Access-Control-Allow-Credentials).
                allow_headers=list(settings.cors_headers),
                expose_headers=["ETag", "Retry-After"],
                max_age=600,
            )
        )
    middleware += [
        Middleware(UnhandledErrors),
        Middleware(
            BodySizeLimit,
            max_bytes=settings.max_body_bytes,
            timeout=settings.body_timeout_seconds,
        ),
    ]
    routes: list[BaseRoute] = [
        Route("/graphql", view),
        Route(
            EXPORT_PATH,
            ClusterExport(schema, production=settings.production, turn=view.turn).endpoint,
            methods=["GET"],
        ),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        # The web directory, in every environment: a client of the public API only. Its
        # files are revalidated on each use (StaticFiles answers If-None-Match with 304).
        Route("/", web_page, methods=["GET"]),
        Mount(WEB_ASSETS_PATH, cached_as(StaticFiles(directory=WEB_ASSETS_DIR), "no-cache")),
    ]
    if settings.metrics:
        routes.append(Route("/metrics", metrics_endpoint(settings.metrics_token), methods=["GET"]))
    if not settings.production:  # GraphiQL's scripts and styles, served with the page
        # Revalidated on each use (StaticFiles answers If-None-Match with 304).
        assets = cached_as(StaticFiles(directory=GRAPHIQL_ASSETS_DIR), "no-cache")
        routes.append(Mount(GRAPHIQL_ASSETS_PATH, assets))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )
    app.state.response_cache = response_cache  # its counters, for tests and monitoring
    return app


async def _import_ahead() -> None:
    """Import now what anyio imports on first use: its asyncio backend, with which Starlette
    streams an answer (the CSV export), and its file I/O, with which it sends a file (the
    web directory). Imported by the first such request, on the HTTP loop with the GIL held,
    they held every other request and `/healthz` for about 110 ms."""
    async with anyio.create_task_group():
        pass
    anyio.Path  # noqa: B018 (the attribute imports the module)

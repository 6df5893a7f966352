"""The JSON body of a request refused before GraphQL runs (bad JSON, bad method, unknown
path, too large, too slow): `{"errors": [{"message", "extensions": {"code"}}]}`, the shape
of a GraphQL error, so that a client parses every answer the same way.

Besides `json_error`, two ways every error of the app gets that body: `http_exception`,
Starlette's handler for its own `HTTPException` (no route: 404, a method the route does not
take: 405 with `Allow`), and `UnhandledErrors`, the middleware that answers an exception
nothing caught with a 500 (inside CORS, unlike Starlette's last-resort handler, so that a
browser can read it).
"""

from __future__ import annotations

import logging

from cross_web import HTTPException as ViewHTTPException
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.records import note_error_code

__all__ = ["HTTP_ERROR_CODES", "HTTPError", "UnhandledErrors", "http_exception", "json_error"]

logger = logging.getLogger("api.errors")

# Codes of the errors raised before GraphQL runs, by HTTP status.
HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def json_error(
    status: int, message: str, headers: dict[str, str] | None = None, *, code: str | None = None
) -> Response:
    """A response with `status` whose one error carries `message` and `code`, by default the
    status's code (BAD_REQUEST for a status not listed)."""
    code = code or HTTP_ERROR_CODES.get(status, "BAD_REQUEST")
    note_error_code(code)  # for the request's log line and metrics
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


class HTTPError(ViewHTTPException):
    """An HTTP refusal raised inside Strawberry's view that carries response headers
    (`WWW-Authenticate` on 401, `Retry-After` on 429)."""

    def __init__(self, status_code: int, reason: str, headers: dict[str, str]) -> None:
        super().__init__(status_code, reason)
        self.headers = headers


# A 404 names the path it did not find, up to this many characters.
MAX_PATH_SHOWN = 200


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's `HTTPException` (an unknown path, a method a route does not take) as a
    JSON error, its headers (`Allow`) kept."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        path = request.url.path
        shown = path if len(path) <= MAX_PATH_SHOWN else path[:MAX_PATH_SHOWN] + "…"
        message = (
            f"nothing at {shown}; the API is POST or GET /graphql, "
            "the CSV export GET /export/clusters.csv, the web directory GET /"
        )
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = exc.detail
    headers = dict(exc.headers or {})
    if "Allow" in headers:  # Starlette lists a route's methods in set order
        headers["Allow"] = ", ".join(sorted(m.strip() for m in headers["Allow"].split(",")))
    return json_error(exc.status_code, message, headers=headers)


class UnhandledErrors:
    """ASGI middleware: an exception no one caught becomes a JSON 500 with code
    INTERNAL_SERVER_ERROR, its detail logged and never sent. Once a response has started
    (a stream), it can only be cut short: the exception goes on to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client went away mid-request: nobody to answer, and nothing wrong here.
            logger.debug("client disconnected during %s %s", scope["method"], scope["path"])
        except Exception:
            if started:
                raise
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await json_error(500, "Internal server error")(scope, receive, send)

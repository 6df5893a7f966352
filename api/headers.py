"""`SafeHeaders`, the ASGI middleware that gives every response the headers it must carry,
whoever produced it (a route, an error handler, the body-size limit, CORS's preflight).

- `X-Content-Type-Options: nosniff`: a browser never guesses another type than the one
  declared, so a JSON error that echoes input cannot be run as a script or a page;
- `Cache-Control`: a response that sets none gets the default, `no-store` (health checks,
  errors, the index, anything new), so nothing is kept by a cache unless its route says so:
  `/graphql` decides per response (`api.caching`), static files use `cached_as`;
- `Vary`: `Accept` on every response, and `Authorization` too on every answer of
  `/graphql` (the errors of the body-size limit and of CORS included), merged with what the
  response varies on already (`Origin`, from CORS).

It only adds headers and never answers a request itself, so it may sit outside CORS.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["NO_STORE", "SafeHeaders", "WholeAnswers", "cached_as"]

NO_STORE = "no-store"
# What every answer of `/graphql` varies on (as `api.caching.VARY`).
GRAPHQL_VARY = ("Accept", "Authorization")


class SafeHeaders:
    def __init__(self, app: ASGIApp, *, cache_control: str = NO_STORE) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        vary = GRAPHQL_VARY if scope.get("path") == "/graphql" else ("Accept",)
        await self.app(scope, receive, _with_defaults(send, self.cache_control, vary=vary))


def cached_as(app: ASGIApp, cache_control: str) -> ASGIApp:
    """`app` whose responses get `cache_control` unless they set their own."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, _with_defaults(send, cache_control, nosniff=False))

    return wrapped


def _with_defaults(
    send: Send, cache_control: str, *, nosniff: bool = True, vary: tuple[str, ...] = ()
) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if nosniff:
                headers["x-content-type-options"] = "nosniff"
            headers.setdefault("cache-control", cache_control)
            if vary:
                present = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                known = {v.lower() for v in present}
                merged = present + [v for v in vary if v.lower() not in known]
                headers["vary"] = ", ".join(merged)
        await send(message)

    return sending


class WholeAnswers:
    """Drops the request's `Range` header: every answer is sent whole (a server may ignore
    `Range`; the files served are small, and nothing else serves ranges). Starlette's
    files answered a malformed or unsatisfiable range with a plain-text 400 or an empty
    416, the only answers without a JSON error code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(k == b"range" for k, _ in scope["headers"]):
            headers = [(k, v) for k, v in scope["headers"] if k != b"range"]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)

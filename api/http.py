"""HTTP pieces of the API: the GraphQL view and the request body-size limit.

`GraphQLView` follows the GraphQL-over-HTTP specification on top of Strawberry's view:

- POST with a JSON body runs any operation; GET (`?query=…`) runs queries only, and a
  mutation over GET gets 405 with `Allow: POST`;
- the response media type follows `Accept`: `application/graphql-response+json` when the
  client lists it (then a request that fails before execution — syntax, validation,
  variables — gets 400), otherwise `application/json` with 200; either way such a response
  has no `data` entry, as the GraphQL specification asks;
- a request that is not GraphQL at all (unparsable JSON, a batch, a bad method) gets its
  4xx status with a JSON body `{"errors": [{"message", "extensions": {"code"}}]}`, so a
  client parses every answer the same way;
- automatic persisted queries (`api.persisted`): a hash can stand for a known query;
- responses are encoded with orjson; GraphiQL (outside production) opens on an example,
  its scripts and styles served by this app (`GRAPHIQL_ASSETS_PATH`), not a CDN.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http import process_result as strawberry_process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.persisted import NOT_FOUND, PersistedQueries, PersistedQueryNotFound
from schema.errors import with_public_code
from schema.store.documents import Database
from schema.types.context import Context

__all__ = [
    "EXAMPLE_QUERY",
    "EXECUTION_DEADLINE_SECONDS",
    "GRAPHIQL_ASSETS_DIR",
    "GRAPHIQL_ASSETS_PATH",
    "BodySizeLimit",
    "GraphQLView",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
# A whole operation, database calls included, is abandoned after this long (503).
EXECUTION_DEADLINE_SECONDS = 10.0

EXAMPLE_QUERY = """# Clusters whose label is valid on a date.
# Ctrl-Enter runs it; the Docs pane lists every field.
query ValidClusters($asOf: Date = "2014-03-01") {
  clusters(
    first: 5
    asOf: $asOf
    where: { labelStatus: [VALID, EXPIRING_SOON] }
  ) {
    totalCount
    nodes {
      name
      portfolio { name }
      label { level validUntil status daysRemaining }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_EXAMPLE_IN_HTML = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
# Where the app serves GraphiQL's vendored files (see scripts/vendor_graphiql.py); the page
# keeps its Subresource Integrity hashes, which the vendored copies match.
GRAPHIQL_ASSETS_PATH = "/graphiql-assets"
GRAPHIQL_ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
_CDN = "https://unpkg.com/"


class _SubResponse(Response):
    """Per-request response state: what the client accepts, whether the request failed."""

    media_type_chosen: str = APPLICATION_JSON
    request_error: bool = False
    # PERSISTED_QUERY_NOT_FOUND is answered with 200 whatever the media type: clients of
    # the protocol read it from the body and send the query again.
    persisted_query_not_found: bool = False


def _accepts_graphql_response(accept: str) -> bool:
    """True when `Accept` lists application/graphql-response+json with q > 0 and at least
    the preference given to application/json."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        best[media] = max(best.get(media, 0.0), q)
    ours = best.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return ours > 0 and ours >= best.get(APPLICATION_JSON, 0.0)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed context, orjson, and GraphQL-over-HTTP statuses."""

    def __init__(
        self, schema: Any, *, production: bool, min_group_size: int, publish_results: bool
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.min_group_size = min_group_size
        self.publish_results = publish_results
        self.persisted_queries = PersistedQueries()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no subscriptions: nothing to serve over WebSocket
            await WebSocket(scope, receive=receive, send=send).close(code=1008)
            return
        try:
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as exc:
            headers = {"Allow": "POST"} if exc.status_code == 405 else None
            response = _json_error(exc.status_code, exc.reason, headers=headers)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET carrying a persisted query's hash is an operation, not a browser visit.
        if request.query_params.get("extensions") is not None:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        db: Database = request.app.state.connection.db
        return Context.create(
            db,
            min_group_size=self.min_group_size,
            publish_results=self.publish_results,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub = _SubResponse()
        sub.status_code = None  # type: ignore[assignment]
        del sub.headers["content-length"]
        if _accepts_graphql_response(request.headers.get("accept", "")):
            sub.media_type_chosen = GRAPHQL_RESPONSE_JSON
        request.state.sub_response = sub
        return sub

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            request_data = self.persisted_queries.resolve(request_data)
        except PersistedQueryNotFound:
            if isinstance(sub_response, _SubResponse):
                sub_response.persisted_query_not_found = True
            error = GraphQLError("PersistedQueryNotFound", extensions={"code": NOT_FOUND})
            return ExecutionResult(data=None, errors=[error])
        try:
            async with asyncio.timeout(EXECUTION_DEADLINE_SECONDS):
                return await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
        except TimeoutError:
            raise HTTPException(503, "The operation took too long and was abandoned.") from None
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                raise HTTPException(405, f"{exc.reason}; send them with POST") from exc
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        errors: list[GraphQLError] = [with_public_code(e) for e in result.errors or []]
        result.errors = errors or None
        response = strawberry_process_result(result)
        if result.data is None and errors and all(e.path is None for e in errors):
            sub: _SubResponse = request.state.sub_response
            sub.request_error = True
            response.pop("data", None)
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        media_type = APPLICATION_JSON
        status = 200
        if isinstance(sub_response, _SubResponse):
            media_type = sub_response.media_type_chosen
            if (
                media_type == GRAPHQL_RESPONSE_JSON
                and sub_response.request_error
                and not sub_response.persisted_query_not_found
            ):
                status = 400
        return Response(self.encode_json(response_data), status_code=status, media_type=media_type)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # Strawberry turns json's error into a 400; orjson's is a subclass of it.
            raise json.JSONDecodeError(str(exc), "", 0) from None

    @property
    def graphql_ide_html(self) -> str:
        html = super().graphql_ide_html
        literal = EXAMPLE_QUERY.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
        html = html.replace(_CDN, GRAPHIQL_ASSETS_PATH + "/")
        return _EXAMPLE_IN_HTML.sub(lambda _: f"const EXAMPLE_QUERY = `{literal}`;", html, count=1)


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`.

    Checks `Content-Length` up front, and counts the bytes actually received, so a chunked
    body (no length) or one longer than it claims is cut off too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _json_error(400, "invalid Content-Length header")(scope, receive, send)
                    return
                if length > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large()(scope, receive, send)

    def _too_large(self) -> Response:
        return _json_error(413, f"request body larger than {self.max_bytes} bytes")


# Codes of the errors raised before GraphQL runs, by HTTP status.
_HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "SERVICE_UNAVAILABLE",
}


def _json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    code = _HTTP_ERROR_CODES.get(status, "BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )

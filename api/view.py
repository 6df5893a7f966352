"""`GraphQLView`, the `/graphql` endpoint.

It follows the GraphQL-over-HTTP specification on top of Strawberry's view:

- POST with a JSON body runs any operation; GET (`?query=…`) runs queries only, and a
  mutation over GET gets 405 with `Allow: POST`;
- the response media type follows `Accept`: `application/graphql-response+json` when the
  client lists it (then a request that fails before execution — syntax, validation,
  variables — gets 400), otherwise `application/json` with 200; either way such a response
  has no `data` entry, as the GraphQL specification asks;
- a request that is not GraphQL at all (unparsable JSON, a batch, a bad method) gets its
  4xx status with a JSON body `{"errors": [{"message", "extensions": {"code"}}]}`, so a
  client parses every answer the same way;
- automatic persisted queries (`api.persisted`): a hash can stand for a known query; a
  persisted mutation sent over GET is refused like any other (the method decides);
- a JSON body that is not an object (`null`, `"x"`, `123`) gets 400, like any malformed
  request;
- `Authorization: Bearer <key>` names the caller (`api.auth`, 401 for a bad key; its key id
  goes to the request log), and each operation is charged to the caller's budget before it
  runs (`api.budgets`, 429 past it, the figures in `extensions.rateLimit`);
- HTTP caching (`api.caching`): a successful GET answer is `public` with an ETag, anything
  with an error or credentials `no-store`; every answer varies on `Accept` and
  `Authorization`. A request carrying `Authorization` is always answered `no-store`, never
  with a 304. An answer for one client only (one that reads `rateLimit`) is `no-store`
  too, and a shareable answer carries no `extensions.rateLimit` (the figures of whoever
  asked first would be served to everyone);
- the response cache (`api.response_cache`): the answer to a query asked before, with data
  unchanged since, is sent again without running the operation (`extensions.cache` says
  HIT, MISS when the answer was run and stored, BYPASS when it was run and not stored;
  the MISS and the HITs after it share one ETag). A request carrying
  `Authorization` is never answered from it nor stored in it, and neither is an answer
  reading `rateLimit`; every mutation moves the data's generation, so nothing older is
  served after it;
- responses are encoded with orjson; GraphiQL (outside production) is the page of
  `api.graphiql`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any, cast

import orjson

# Strawberry's views raise cross-web's HTTPException and pass cross-web's request adapter;
# Strawberry does not re-export either, so cross-web is a declared dependency.
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, get_operation_ast
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http import process_result as strawberry_process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.admission import LIGHT_COST, CostInFlight, SendPacer
from api.auth import caller, client_of
from api.budgets import BudgetLimits, meter, operation_cost, operation_points
from api.caching import VARY, carries_credentials, public, revalidated
from api.database import OUTAGES
from api.execution import ExecutionThread
from api.graphiql import graphiql_page
from api.headers import NO_STORE
from api.http_errors import HTTPError, json_error
from api.observe import note_result
from api.persisted import NOT_FOUND, PersistedQueries, PersistedQueryNotFound
from api.records import note_cache_hit
from api.response_cache import CacheKey, ResponseCache
from schema.errors import (
    SERVICE_UNAVAILABLE,
    SERVICE_UNAVAILABLE_MESSAGE,
    with_public_code,
    without_traceback,
)
from schema.guards.documents import THREADED_DOCUMENT_CHARS, DocumentCache, parse_document
from schema.guards.masking import outage_log
from schema.offload import offload
from schema.rules.limits import MAX_REQUESTED_NODES, MAX_TOKENS
from schema.store.documents import Database
from schema.types.context import Context, today_utc
from schema.types.scalars import format_utc

__all__ = ["EXECUTION_DEADLINE_SECONDS", "GraphQLView"]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
# A whole operation, database calls included, is abandoned after this long (503).
EXECUTION_DEADLINE_SECONDS = 10.0
# A longer `operationName` is refused without being echoed in the error.
MAX_OPERATION_NAME_CHARS = 256
# What a 503 for an unreachable database asks the client to wait, in seconds.
RETRY_AFTER_SECONDS = 5
# A JSON body this long or longer is decoded off the event loop (`schema.offload`): a
# 60 kB body of nested `or` clauses takes orjson about 2 ms, which sixteen clients sending
# such bodies in a loop would otherwise queue on the loop ahead of every other request.
OFFLOADED_BODY_BYTES = 8 * 1024

# Answers this large are written paced (`api.admission.SendPacer`): at most
# `SEND_BYTES_PER_TURN` of them each turn of the event loop.
PACED_ANSWER_BYTES = 64 * 1024
SEND_BYTES_PER_TURN = 512 * 1024

# The body a request's task decoded last, and its JSON: the response cache, this view's
# checks and Strawberry each read the body, and decode it once between them.
# A body that is not JSON keeps its error, so it is not decoded again either.
_DECODED: ContextVar[tuple[bytes, object, orjson.JSONDecodeError | None] | None] = ContextVar(
    "decoded_body", default=None
)


class _SubResponse(Response):
    """Per-request response state: what the client accepts, whether the request failed."""

    media_type_chosen: str = APPLICATION_JSON
    request_error: bool = False
    # PERSISTED_QUERY_NOT_FOUND is answered with 200 whatever the media type: clients of
    # the protocol read it from the body and send the query again.
    persisted_query_not_found: bool = False
    # The answer carries errors: it is never cached.
    has_errors: bool = False
    # A database call could not reach the server: 503 with Retry-After.
    service_unavailable: bool = False


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


def _unavailable(exc: BaseException) -> HTTPError:
    """The 503 for a database that could not be reached before the operation ran (the
    response cache's generation check, the budget, the caller's key): answered at once,
    so a request waits for one server-selection timeout, not one for each step."""
    kind = type(exc).__name__
    outage_log.warning(kind, f"database unavailable: {kind}: {str(exc)[:200]}")
    return _outage_refusal()


def _outage_refusal() -> HTTPError:
    """The 503 every request gets while the database is known to be unreachable."""
    return HTTPError(503, SERVICE_UNAVAILABLE_MESSAGE, {"Retry-After": str(RETRY_AFTER_SECONDS)})


class OutageWindow:
    """Fail fast: once a request found the database unreachable, the requests of the next
    `seconds` are answered 503 at once instead of each waiting a server-selection timeout
    (5 s by default); the first request after the window tries the database again."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.until = 0.0

    def open(self) -> None:
        self.until = self.clock() + self.seconds

    @property
    def active(self) -> bool:
        return self.clock() < self.until


def _forget_large_json() -> bool:
    """Whether the request's decoded body was dropped, as it is when large
    (`OFFLOADED_BODY_BYTES`), before the request waits for its turn: waiting, it then
    holds its bytes, one object, instead of its JSON, thousands (6,000 for a 3,000-clause
    `or`), which the garbage collector would promote to its oldest generation and walk in
    every full collection. It is decoded again, off the loop, once its turn has come.
    Sixteen clients looping on such a refusal after distinct documents: `/healthz` p99 79
    and 86 ms instead of 91 and 103."""
    decoded = _DECODED.get()
    if decoded is not None and decoded[2] is None and len(decoded[0]) >= OFFLOADED_BODY_BYTES:
        _DECODED.set(None)
        return True
    return False


def _operation_name(parsed: DocumentNode | GraphQLError, name: str | None) -> str | None:
    """The name of the operation a request runs: the one it names, or the name of the
    document's only operation."""
    if name or not isinstance(parsed, DocumentNode):
        return name
    operation = get_operation_ast(parsed)
    return operation.name.value if operation is not None and operation.name else None


def _shareable(request: Request, errors: list[GraphQLError]) -> bool:
    """Whether the answer may be kept by a shared cache, as `_cache_headers` decides it: a
    GET without errors, credentials or figures of one client."""
    context = getattr(request.state, "context", None)
    return (
        request.method == "GET"
        and not errors
        and not carries_credentials(request.headers)
        and not (isinstance(context, Context) and context.per_client)
    )


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed context, orjson, and GraphQL-over-HTTP statuses."""

    def __init__(
        self,
        schema: Any,
        *,
        production: bool,
        min_group_size: int,
        publish_results: bool,
        response_cache: ResponseCache,
        budgets: BudgetLimits | None = None,
        cache_max_age: int = 60,
        max_operations: int = 8,
        max_cost_in_flight: int = MAX_REQUESTED_NODES,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.min_group_size = min_group_size
        self.publish_results = publish_results
        # Per-client budgets (`api.budgets`); None meters nothing.
        self.budgets = budgets
        self.persisted_queries = PersistedQueries()
        self.response_cache = response_cache
        self.cache_max_age = cache_max_age
        self.documents: DocumentCache = schema.documents
        # Started and stopped by the app's lifespan; until then operations run inline.
        self.execution = ExecutionThread()
        # After an outage, requests are answered 503 at once for a while (fail fast).
        self.outages = OutageWindow(RETRY_AFTER_SECONDS)
        # Requests worked on at once (see `_admit`), and the cost of the costly ones
        # (`api.admission`).
        self._operations = asyncio.Semaphore(max_operations)
        self._costly = CostInFlight(max_cost_in_flight)
        self._pacer = SendPacer(SEND_BYTES_PER_TURN)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no subscriptions: nothing to serve over WebSocket
            await WebSocket(scope, receive=receive, send=send).close(code=1008)
            return
        request = Request(scope, receive=receive)
        failing_fast = self.outages.active
        try:
            if failing_fast:  # not a new sign of the outage: the window is not extended
                raise _outage_refusal()
            response = await self._cached(request) if self.response_cache.enabled else None
            if response is None:
                if not getattr(request.state, "admitted", False):
                    _forget_large_json()  # before it waits for its turn
                await self._admit(request)
                response = await self.run(request)
        except HTTPException as exc:
            headers = getattr(exc, "headers", None)  # WWW-Authenticate, Retry-After
            if exc.status_code == 405:  # over GET, only a mutation is refused
                headers = {"Allow": "POST" if request.method == "GET" else "GET, POST"}
            response = json_error(exc.status_code, exc.reason, headers=headers)
            new_sign = not (failing_fast or getattr(request.state, "failed_fast", False))
            if exc.reason == SERVICE_UNAVAILABLE_MESSAGE and new_sign:
                self.outages.open()
        finally:
            if getattr(request.state, "response_cache_runs", False):
                self.response_cache.finish(request.state.response_cache_key)
            if getattr(request.state, "admitted", False):
                self._operations.release()  # before sending: a slow reader holds no turn
            self._costly.release(getattr(request.state, "cost_units", 0))
        response = self._cache_headers(request, response)
        response.headers["Vary"] = VARY
        size = len(getattr(response, "body", b""))  # a streamed answer has no body
        if size >= PACED_ANSWER_BYTES:
            await self._pacer.wait(size)
        await response(scope, receive, send)

    def _cache_headers(self, request: Request, response: Response) -> Response:
        """`response` with the `Cache-Control` (and ETag) `api.caching` describes, or a 304.
        A request with credentials is answered `no-store`, whatever it asked for."""
        if carries_credentials(request.headers):
            response.headers["Cache-Control"] = NO_STORE
            return response
        if response.media_type == "text/html":  # GraphiQL
            return revalidated(request.headers, response, "no-cache")
        sub = getattr(request.state, "sub_response", None)
        context = getattr(request.state, "context", None)
        succeeded = getattr(request.state, "response_cache_hit", False) or (
            isinstance(sub, _SubResponse) and not sub.has_errors
        )
        if (
            request.method == "GET"
            and response.status_code == 200
            and succeeded
            and not (isinstance(context, Context) and context.per_client)
        ):
            # An answer the response cache holds is named by its key, so the MISS that
            # stored it and every HIT after it (whose bodies differ in `extensions.cache`)
            # have one ETag.
            key: CacheKey | None = getattr(request.state, "response_cache_key", None)
            held = getattr(request.state, "response_cache_hit", False) or getattr(
                request.state, "response_cache_stored", False
            )
            etag = key.etag if key is not None and held else None
            return revalidated(request.headers, response, public(self.cache_max_age), etag)
        response.headers["Cache-Control"] = NO_STORE
        return response

    async def _cached(self, request: Request) -> Response | None:
        """The stored answer to `request`, or None to run it. Sets the request's
        `response_cache_key` when its answer may be stored.

        Reads the request as Strawberry would (the body is kept for it) but accepts only
        plain, well-formed requests; anything else goes the ordinary way, which answers
        it or reports what is wrong.
        """
        if "authorization" in request.headers:
            return None  # not cached until answers depend on declared access scopes
        if request.method == "GET":
            params = request.query_params
            try:
                variables = orjson.loads(params["variables"]) if "variables" in params else None
                extensions = orjson.loads(params["extensions"]) if "extensions" in params else None
            except orjson.JSONDecodeError:
                return None
            fields: Any = {
                "query": params.get("query"),
                "variables": variables,
                "operationName": params.get("operationName"),
                "extensions": extensions,
            }
        elif request.method == "POST":
            content_type = request.headers.get("content-type", "").partition(";")[0]
            if content_type.strip().lower() != APPLICATION_JSON:
                return None
            try:
                fields = await self._decoded(await request.body())
            except orjson.JSONDecodeError:
                return None
            if not isinstance(fields, dict):
                return None
        else:
            return None
        query, variables, operation_name = (
            fields.get("query"),
            fields.get("variables"),
            fields.get("operationName"),
        )
        extensions = fields.get("extensions")
        if not isinstance(extensions, dict | None):
            return None  # malformed: the ordinary way refuses it with 400
        if isinstance(extensions, dict) and "persistedQuery" in extensions:
            # Only a known hash alone; a query sent with its hash is checked the usual way.
            query = None if query is not None else self.persisted_queries.known(extensions)
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(operation_name, str | None)
        ):
            return None
        db: Database = request.app.state.connection.db
        if self.documents.peek(query) is None and not self.response_cache.knows(query):
            # A text not seen (validated) before: parsing it, and running it if the cache
            # does not hold its answer, is work that waits its turn (`_admit`).
            if _forget_large_json():  # it waits holding its bytes; its JSON is read after
                fields = extensions = variables = None
                await self._admit(request)
                decoded = await self._decoded(await request.body())
                variables = decoded.get("variables") if isinstance(decoded, dict) else None
            else:
                await self._admit(request)
        parsed = await self._parsed(request, query)
        try:
            key = await self.response_cache.key(db, query, variables, operation_name, parsed=parsed)
        except OUTAGES as exc:
            refusal = _unavailable(exc)
            self.outages.open()
            return json_error(refusal.status_code, refusal.reason, refusal.headers)
        except PyMongoError:  # the operation will meet the same failure and report it
            return None
        if key is None:
            return None
        request.state.response_cache_key = key
        body, request.state.response_cache_runs = await self.response_cache.fetch(key)
        if body is None:
            return None
        request.state.response_cache_hit = True  # only successful answers are stored
        note_cache_hit(_operation_name(parsed, operation_name), self.response_cache.cost_of(key))
        media_type = APPLICATION_JSON
        if _accepts_graphql_response(request.headers.get("accept", "")):
            media_type = GRAPHQL_RESPONSE_JSON
        return Response(body, media_type=media_type)

    @staticmethod
    async def _large_input(request: Request) -> bool:
        """Whether the request's input (its body, or over GET its query string) is large
        enough for the work that walks it to go off the event loop."""
        if request.method == "GET":
            return len(request.scope.get("query_string", b"")) >= OFFLOADED_BODY_BYTES
        return len(await request.body()) >= OFFLOADED_BODY_BYTES

    async def _admit(self, request: Request) -> None:
        """Wait for a turn among the `max_operations` requests this process works on at once
        (once per request).

        Parsing, validating, executing and encoding a request the response cache cannot
        answer all take the CPU, part of it on the loop that serves HTTP. A burst of
        distinct queries would otherwise all be parsed and checked on that loop at once,
        and `/healthz` and every cached answer would wait behind them: now the burst waits
        its turn, in order, at no cost, and the loop stays free. A request that waited
        `EXECUTION_DEADLINE_SECONDS` gets 503 with `Retry-After`."""
        if getattr(request.state, "admitted", False):
            return
        async with self._waiting():
            await self._operations.acquire()
        request.state.admitted = True
        self._fail_fast_after_wait(request)

    async def _admit_costly(self, request: Request, cost: int) -> None:
        """Draw `cost` from the budget of costly work in flight (`api.admission`), then
        take a turn; the turn held until now is given back while waiting, so that light
        requests never wait behind costly ones. One deadline covers both waits."""
        if getattr(request.state, "admitted", False):
            request.state.admitted = False
            self._operations.release()
        async with self._waiting():
            request.state.cost_units = await self._costly.acquire(cost)
            await self._operations.acquire()
        request.state.admitted = True
        self._fail_fast_after_wait(request)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A turn among the `max_operations`, for work beside GraphQL's that reads the store
        (a page of the CSV export, `api.export`), held for the block; 503 as for an
        operation after `EXECUTION_DEADLINE_SECONDS` of waiting."""
        async with self._waiting():
            await self._operations.acquire()
        try:
            yield
        finally:
            self._operations.release()

    @contextlib.asynccontextmanager
    async def _waiting(self) -> AsyncIterator[None]:
        """503 with `Retry-After` for a request that waited `EXECUTION_DEADLINE_SECONDS`."""
        try:
            async with asyncio.timeout(EXECUTION_DEADLINE_SECONDS):
                yield
        except TimeoutError:
            raise HTTPError(
                503,
                "The server is busy with other operations; try again later.",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None

    def _fail_fast_after_wait(self, request: Request) -> None:
        if self.outages.active:
            # The database was found unreachable while this request waited: fail fast.
            request.state.failed_fast = True
            raise _outage_refusal()

    async def _parsed(self, request: Request, query: str) -> DocumentNode | GraphQLError:
        """`query` parsed once for the whole request (the response cache's key, the budget
        and the schema's document check share it): the document cache's validated copy,
        or a parse, on a worker thread when the text is long (see
        `schema.guards.documents`); its syntax error when it does not parse."""
        memo: tuple[str, DocumentNode | GraphQLError] | None = getattr(
            request.state, "parsed_document", None
        )
        if memo is not None and memo[0] == query:
            return memo[1]
        parsed: DocumentNode | GraphQLError | None = self.documents.peek(query)
        if parsed is None:
            try:
                if len(query) >= THREADED_DOCUMENT_CHARS:
                    parsed = await offload(parse_document, query, max_tokens=MAX_TOKENS)
                else:
                    parsed = parse_document(query, max_tokens=MAX_TOKENS)
            except GraphQLError as error:
                parsed = error
        request.state.parsed_document = (query, parsed)
        return parsed

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET carrying a persisted query's hash is an operation, not a browser visit.
        if request.query_params.get("extensions") is not None:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if "application/json" in content_type:
                # Strawberry reads fields from any JSON value and fails on a scalar.
                body = await request.get_body()
                with contextlib.suppress(orjson.JSONDecodeError):
                    await self._decoded(body)  # then read again, below and by Strawberry
                data = self.parse_json(body)
                if not isinstance(data, dict | list):
                    raise HTTPException(
                        400, 'the request body must be a JSON object such as {"query": "…"}'
                    )
                # Strawberry checks the types of `query`, `variables` and `extensions`, not this.
                if isinstance(data, dict) and not isinstance(data.get("operationName"), str | None):
                    raise HTTPException(
                        400,
                        "The GraphQL operation's `operationName` must be a string or null, "
                        "if provided.",
                    )
        return await super().parse_http_body(request)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        connection = request.app.state.connection
        db: Database = connection.db
        try:
            principal = await caller(request, db)  # HTTP 401 for a bad API key
        except OUTAGES as exc:
            raise _unavailable(exc) from None
        if principal is not None:
            request.state.key_id = principal.key_id  # for the request log (`api.observe`)
        key: CacheKey | None = getattr(request.state, "response_cache_key", None)
        context = Context.create(
            db,
            aggregate_db=connection.aggregate_db,
            aggregates_may_lag=connection.aggregates_may_lag,
            min_group_size=self.min_group_size,
            publish_results=self.publish_results,
            principal=principal,
            # The date the cache key assumed, so that the answer stored under it agrees.
            today=key.today if key is not None else today_utc(),
        )
        request.state.context = context  # read by `_cache_headers`
        return context

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
        sent = request_data
        try:
            request_data = self.persisted_queries.resolve(request_data)
        except PersistedQueryNotFound:
            if isinstance(sub_response, _SubResponse):
                sub_response.persisted_query_not_found = True
            error = GraphQLError("PersistedQueryNotFound", extensions={"code": NOT_FOUND})
            return ExecutionResult(data=None, errors=[error])
        name = request_data.operation_name
        if isinstance(name, str) and len(name) > MAX_OPERATION_NAME_CHARS:
            message = f"operationName is {len(name)} characters; at most {MAX_OPERATION_NAME_CHARS}"
            return ExecutionResult(data=None, errors=[GraphQLError(message)])
        if request_data.query:  # parsed once, for the budget and the schema alike
            parsed = await self._parsed(request, request_data.query)
            context.parsed_document = (request_data.query, parsed)
            operations = (
                sum(isinstance(d, OperationDefinitionNode) for d in parsed.definitions)
                if isinstance(parsed, DocumentNode)
                else 0
            )
            if name is None and operations > 1:  # graphql-core's rule; Strawberry ran the first
                message = "Must provide operation name if query contains multiple operations."
                return ExecutionResult(data=None, errors=[GraphQLError(message)])
        cost = context.requested_nodes = await self._cost(request, request_data)
        if self.budgets is not None:  # HTTP 429 when over budget
            await self._charge(request, context, operation_points(cost), self.budgets)
        if cost is not None and cost > LIGHT_COST:
            await self._admit_costly(request, cost)
        try:
            async with asyncio.timeout(EXECUTION_DEADLINE_SECONDS):
                # On the execution thread's loop (`api.execution`): the result is built
                # off the loop that serves HTTP.
                result = await self.execution.run(
                    functools.partial(
                        super().execute_single,
                        request,
                        request_adapter,
                        sub_response,
                        context,
                        root_value,
                        request_data,
                    )
                )
            # The schema's document cache holds a document once it has parsed and validated.
            validated = request_data.query in self.documents
            self.persisted_queries.confirm(sent, validated=validated)
            return result
        except TimeoutError:
            raise HTTPError(
                503,
                "The operation took too long and was abandoned.",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                raise HTTPException(405, f"{exc.reason}; send them with POST") from exc
            raise

    async def _cost(self, request: Request, request_data: GraphQLRequestData) -> int | None:
        """The operation's cost (`api.budgets.operation_cost`), off the loop when the text
        or the input is long; None for one refused before it runs."""
        query = request_data.query
        parsed = await self._parsed(request, query) if query else None
        arguments = (
            cast(Any, self.schema)._schema,  # graphql-core's schema, which the cost walks
            parsed if isinstance(parsed, DocumentNode) else None,
            request_data.operation_name,
            request_data.variables,
        )
        long_text = query is not None and len(query) >= THREADED_DOCUMENT_CHARS
        if long_text or await self._large_input(request):
            return await offload(operation_cost, *arguments)
        return operation_cost(*arguments)

    async def _charge(
        self, request: Request, context: Context, points: int, budgets: BudgetLimits
    ) -> None:
        principal = context.principal
        limit = budgets.per_key if principal is not None else budgets.anonymous
        try:
            budget = await meter(context.db, client_of(request, principal), points, limit)
        except OUTAGES as exc:
            raise _unavailable(exc) from None  # nothing is charged meanwhile
        context.rate_limit = budget
        request.state.rate_limit = budget

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        errors = [with_public_code(without_traceback(e)) for e in result.errors or []]
        result.errors = errors or None
        note_result(result)
        response = strawberry_process_result(result)
        key: CacheKey | None = getattr(request.state, "response_cache_key", None)
        stored = False
        if key is not None:
            context = getattr(request.state, "context", None)
            per_client = isinstance(context, Context) and context.per_client
            # An answer read from a secondary may be behind the data: not kept.
            lagging = isinstance(context, Context) and context.read_may_lag
            if not errors and result.data is not None and not per_client and not lagging:
                stored = self.response_cache.put(key, result.data, response.get("extensions") or {})
        # MISS: stored, the next identical request hits; BYPASS: never stored (a HIT is
        # answered by `_cached` and does not come here).
        request.state.response_cache_stored = stored
        response["extensions"] = {
            **(response.get("extensions") or {}),
            "cache": "MISS" if stored else "BYPASS",
        }
        sub: _SubResponse = request.state.sub_response
        if errors:
            sub.has_errors = True
        budget = getattr(request.state, "rate_limit", None)
        if budget is not None and not _shareable(request, errors):
            response["extensions"] = {
                **(response.get("extensions") or {}),
                "rateLimit": {
                    "limit": budget.limit,
                    "cost": budget.cost,
                    "remaining": budget.remaining,
                    "resetAt": format_utc(budget.reset_at),  # as the field answers it
                },
            }
        if result.data is None and errors and all(e.path is None for e in errors):
            sub.request_error = True
            response.pop("data", None)
        if any((e.extensions or {}).get("code") == SERVICE_UNAVAILABLE for e in errors):
            sub.service_unavailable = True
            self.outages.open()
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        media_type = APPLICATION_JSON
        status = 200
        headers: dict[str, str] = {}
        if isinstance(sub_response, _SubResponse):
            media_type = sub_response.media_type_chosen
            if (
                media_type == GRAPHQL_RESPONSE_JSON
                and sub_response.request_error
                and not sub_response.persisted_query_not_found
            ):
                status = 400
            if sub_response.service_unavailable:
                status = 503
                headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return Response(
            self.encode_json(response_data),
            status_code=status,
            media_type=media_type,
            headers=headers,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    @staticmethod
    async def _decoded(body: bytes) -> object:
        """The JSON of a request's `body`, decoded once per request, off the event loop
        when the body is large (`OFFLOADED_BODY_BYTES`); `decode_json` then finds it."""
        decoded = _DECODED.get()
        if decoded is None or decoded[0] is not body:
            try:
                if len(body) >= OFFLOADED_BODY_BYTES:
                    decoded = (body, await offload(orjson.loads, body), None)
                else:
                    decoded = (body, orjson.loads(body), None)
            except orjson.JSONDecodeError as exc:
                decoded = (body, None, exc)
            _DECODED.set(decoded)
        if decoded[2] is not None:
            raise decoded[2]
        return decoded[1]

    def decode_json(self, data: str | bytes) -> object:
        decoded = _DECODED.get()
        try:
            if decoded is not None and decoded[0] is data:
                if decoded[2] is not None:
                    raise decoded[2]
                return decoded[1]
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # Strawberry turns json's error into a 400; orjson's is a subclass of it.
            raise json.JSONDecodeError(str(exc), "", 0) from None

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_page(super().graphql_ide_html)

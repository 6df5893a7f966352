"""`GET /export/clusters.csv`: the clusters of a `clusters` query as a file for spreadsheets.

Query parameters are the arguments of `Query.clusters` but for paging: `search` and `asOf`
as text, `where` and `orderBy` as JSON (`where={"labelStatus":["VALID"]}`,
`orderBy=[{"field":"VALID_UNTIL","direction":"DESC"}]`). They are coerced by the schema
itself, as the variables of an operation, then turned into a `$match` and sort keys by
`cluster_selection`, the function `clusters` uses: one set of rules, so the file holds
exactly the clusters, in the order, that paging through `clusters` with the same arguments
gives. A parameter that is unknown, repeated, not JSON or refused by those rules (an
unknown portfolio slug or country code included) gets a 400 JSON error with code
BAD_USER_INPUT naming it or the bad value, before any cluster is read. The parameters go
through the limits of the operation they stand for, `clusters(first: 100)` with the same
arguments (`schema.guards.cost`): a list over 100 items is a 400 BAD_USER_INPUT (checked
before coercion, as for variables), and a filter whose items make that operation cost more
than the limit a 400 COST_LIMIT_EXCEEDED; `Date` values are the schema's, 1900..2200.

The file is UTF-8 with a byte order mark (so that spreadsheets read accents right), CRLF
line ends, a header row, then one row per cluster: `COLUMNS`, as the cluster stood on
`asOf` (level and end of the label in force then, empty when none was yet). It is streamed in keyset
pages of `PAGE_SIZE` through the store (one `find` a page, each the work of a
`clusters(first: 100)` page), so the server's memory stays flat whatever the size. Each
page is read and written holding a turn among the operations the process works on at once
(`GraphQLView.turn`), its rows written off the event loop (`schema.offload`); sending it
holds no turn. The first page is read before the answer starts, so an unreachable
database, or no turn within the deadline, is still a 503 with `Retry-After`, as for
`/graphql`; a failure later can only cut the file short (`ExportCutShort`): the export
logs it in one line and the connection is aborted, so that the client sees an incomplete
answer rather than a file that looks whole.

A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
a carriage return) is written with a leading `'`, which spreadsheets show as text.

The answer is `no-store`: an ETag would need the whole body before the first byte.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any

import orjson
import strawberry
from graphql import GraphQLSchema, OperationDefinitionNode, get_variable_values, parse
from pymongo.errors import PyMongoError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from strawberry.types.arguments import convert_arguments

from api.http_errors import HTTPError, json_error
from api.view import RETRY_AFTER_SECONDS
from schema.errors import (
    BAD_USER_INPUT,
    COST_LIMIT_EXCEEDED,
    SERVICE_UNAVAILABLE,
    BadUserInput,
    CostLimitExceeded,
)
from schema.guards.cost import requested_nodes
from schema.guards.inputs import check_where_size
from schema.offload import offload
from schema.rules.limits import MAX_PAGE_SIZE, MAX_REQUESTED_NODES
from schema.store.clusters import SortPlan, fetch_clusters
from schema.store.documents import ClusterDoc, Database
from schema.store.pages import Page, PageArgs
from schema.types.context import Context, today_utc
from schema.types.directory import Cluster, cluster_selection

__all__ = [
    "COLUMNS",
    "EXPORT_PATH",
    "PAGE_SIZE",
    "ClusterExport",
    "ExportCutShort",
    "spreadsheet_cell",
]

logger = logging.getLogger("api.export")

EXPORT_PATH = "/export/clusters.csv"
PAGE_SIZE = MAX_PAGE_SIZE
COLUMNS = (
    "name",
    "portfolio",
    "country",
    "labelLevel",
    "validUntil",
    "labelStatus",
    "website",
    "id",
)
# The parameters, as the variables of an operation on the `clusters` arguments they fill.
# The operation each page of the file is, for its cost: a page of `clusters`.
_VARIABLES = parse(
    "query($search: String, $where: ClusterWhere, $orderBy: [ClusterOrder!], $asOf: Date) "
    "{ clusters(search: $search, where: $where, orderBy: $orderBy, asOf: $asOf, "
    f"first: {PAGE_SIZE}) {{ nodes {{ id }} }} }}"
)
_JSON_PARAMETERS = frozenset({"where", "orderBy"})
_PARAMETERS = ("search", "where", "orderBy", "asOf")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_VARIABLE = re.compile(r"^Variable '\$(\w+)'")


class _BadParameter(Exception):
    pass


class _TooCostly(Exception):
    pass


def spreadsheet_cell(value: str) -> str:
    """`value`, with a leading `'` when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class ClusterExport:
    """The export endpoint for `schema`; `production` hides "Did you mean" hints."""

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        production: bool,
        turn: Callable[[], AbstractAsyncContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        self.schema = schema
        self.production = production
        # A turn among the operations the process works on at once (`GraphQLView.turn`),
        # taken for each page: reading and writing it, not sending it to a slow reader.
        self.turn = turn
        self.page_size = PAGE_SIZE
        self._field = schema.get_field_for_type("clusters", "Query")
        assert self._field is not None
        operation = _VARIABLES.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        self._definitions = operation.variable_definitions or ()

    async def endpoint(self, request: Request) -> Response:
        db: Database = request.app.state.connection.db
        try:
            # Coercing and converting the parameters is CPU work growing with `where`.
            arguments = await offload(self.arguments, request.query_params)
            on: date = arguments.get("as_of") or today_utc()
            async with self.turn():
                match, _, plan = await cluster_selection(
                    Context.create(db),
                    arguments.get("search"),
                    arguments.get("where"),
                    arguments.get("order_by"),
                    on,
                )
                first = await self._page(db, match, plan, None)
                text = await offload(_page_text, first.docs, on, header=True)
        except HTTPError as exc:  # no turn within the deadline
            return json_error(exc.status_code, exc.reason, headers=exc.headers)
        except (_BadParameter, BadUserInput) as exc:
            return json_error(400, str(exc.args[0]), code=BAD_USER_INPUT)
        except _TooCostly as exc:
            return json_error(400, str(exc.args[0]), code=COST_LIMIT_EXCEEDED)
        except PyMongoError as exc:
            logger.warning("export: the database failed: %s", type(exc).__name__)
            return json_error(
                503,
                "the database did not answer; try again later",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                code=SERVICE_UNAVAILABLE,
            )
        return StreamingResponse(
            self._file(db, match, plan, first, text, on),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="clusters.csv"',
                "Cache-Control": "no-store",
            },
        )

    def arguments(self, params: QueryParams) -> dict[str, Any]:
        """The keyword arguments of `clusters` the query parameters give, coerced by the
        schema; raises `_BadParameter` with a message naming the parameter."""
        inputs: dict[str, Any] = {}
        for name in params:
            if name not in _PARAMETERS:
                raise _BadParameter(
                    f"unknown parameter {name!r}; the parameters are {', '.join(_PARAMETERS)}"
                )
            values = params.getlist(name)
            if len(values) > 1:
                raise _BadParameter(f"parameter {name} is given {len(values)} times")
            inputs[name] = values[0]
            if name in _JSON_PARAMETERS:
                try:
                    inputs[name] = orjson.loads(values[0])
                except orjson.JSONDecodeError:
                    raise _BadParameter(f"parameter {name} is not valid JSON") from None
        check_where_size(inputs.get("where"))  # before the work that grows with it
        # graphql-core's schema, which Strawberry keeps without a public accessor.
        graphql_schema: GraphQLSchema = self.schema._schema
        # The limits of `/graphql`: lists before coercion, then the cost of a page.
        try:
            cost = requested_nodes(graphql_schema, _VARIABLES, None, inputs)
        except BadUserInput as exc:
            raise _BadParameter(str(exc.args[0]).replace("$", "parameter ", 1)) from None
        except CostLimitExceeded as exc:  # more list items in all than the cost allows
            raise _TooCostly(str(exc.args[0]).replace("the variables", "the parameters")) from None
        if cost > MAX_REQUESTED_NODES:
            raise _TooCostly(
                f"these parameters make each page cost {cost}; at most {MAX_REQUESTED_NODES} "
                "is allowed (give fewer values in `where`)"
            )
        coerced = get_variable_values(
            graphql_schema, self._definitions, inputs, hide_suggestions=self.production
        )
        if isinstance(coerced, list):
            error = coerced[0]
            raise _BadParameter(_VARIABLE.sub(r"parameter \1", error.message))
        assert self._field is not None
        # How Strawberry itself turns coerced values into the resolver's arguments
        # (`ClusterWhere` and `ClusterOrder` instances, enums, dates).
        return convert_arguments(
            coerced.coerced,
            self._field.arguments,
            self.schema.schema_converter.scalar_registry,
            self.schema.config,
        )

    async def _page(
        self, db: Database, match: dict[str, Any], plan: SortPlan, after: str | None
    ) -> Page[ClusterDoc]:
        args = PageArgs.from_arguments(self.page_size, after, None, None)
        return await fetch_clusters(db, match, plan, args, need_opposite=False)

    async def _file(
        self,
        db: Database,
        match: dict[str, Any],
        plan: SortPlan,
        page: Page[ClusterDoc],
        text: bytes,
        on: date,
    ) -> AsyncIterator[bytes]:
        """The file: `text`, the first `page` written, then every page after it. A page
        that finds no turn within the deadline, or that the database fails to read, cuts
        the file short (`ExportCutShort`; the status was sent with the first page)."""
        rows = len(page.docs)
        yield text
        while page.has_next:
            try:
                async with self.turn():
                    page = await self._page(db, match, plan, page.cursors[-1])
                    # Off the event loop: a page of 100 rows is milliseconds of Python.
                    text = await offload(_page_text, page.docs, on, header=False)
            except (HTTPError, PyMongoError) as exc:
                reason = (
                    exc.reason
                    if isinstance(exc, HTTPError)
                    else f"the database failed: {type(exc).__name__}"
                )
                logger.warning("export: cut short after %d rows: %s", rows, reason)
                raise ExportCutShort(reason) from None
            rows += len(page.docs)
            yield text


class ExportCutShort(Exception):
    """The file cannot go on once its answer has started: raised so that the server aborts
    the connection, once the export has logged why (`api.server` keeps uvicorn from
    logging it again, with a traceback)."""


def _page_text(docs: list[ClusterDoc], on: date, *, header: bool) -> bytes:
    """The rows of a page, preceded by the byte order mark and the header row for the first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: CRLF, quotes where needed
    if header:
        buffer.write("\ufeff")
        writer.writerow(COLUMNS)
    for doc in docs:
        writer.writerow([spreadsheet_cell(cell) for cell in _row(doc, on)])
    return buffer.getvalue().encode("utf-8")


def _row(doc: ClusterDoc, on: date) -> list[str]:
    """The cells of a cluster as it stood on `on`, each the value its GraphQL field has; the
    label's cells are empty when no label was in force then."""
    cluster = Cluster.from_document(doc, on)
    label = cluster.label
    return [
        cluster.name,
        doc["portfolioName"],
        cluster.country,
        label.level.name if label else "",
        label.valid_until.isoformat() if label else "",
        cluster.label_status.name,
        cluster.website or "",
        str(cluster.id),
    ]

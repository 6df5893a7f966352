"""`GET /export/clusters.csv`: the same clusters as `clusters`, streamed page by page, safe
to open in a spreadsheet, bad parameters refused like GraphQL arguments."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError
from starlette.types import Message

from api import export
from api.export import COLUMNS, EXPORT_PATH, spreadsheet_cell
from api.settings import Settings
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

_PAGE = """
query($after: String, $search: String, $where: ClusterWhere, $orderBy: [ClusterOrder!],
      $asOf: Date) {
  clusters(first: 100, after: $after, search: $search, where: $where, orderBy: $orderBy,
           asOf: $asOf) {
    nodes { name portfolio { name } country label { level validUntil } labelStatus website id }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _graphql_rows(api: Api, variables: dict[str, Any]) -> list[list[str]]:
    """Every cluster `clusters` pages through for `variables`, as the export's cells."""
    rows: list[list[str]] = []
    after = None
    while True:
        data = await api.data(_PAGE, after=after, **variables)
        for node in data["clusters"]["nodes"]:
            label = node["label"] or {"level": "", "validUntil": ""}  # none in force then
            cells = [
                node["name"],
                node["portfolio"]["name"],
                node["country"],
                label["level"],
                label["validUntil"],
                node["labelStatus"],
                node["website"] or "",
                node["id"],
            ]
            # A spreadsheet must show text, never run it: a leading ' before formula starts.
            rows.append(
                ["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in cells]
            )
        info = data["clusters"]["pageInfo"]
        if not info["hasNextPage"]:
            return rows
        after = info["endCursor"]


def _params(variables: dict[str, Any]) -> dict[str, str]:
    return {
        name: json.dumps(value) if name in ("where", "orderBy") else value
        for name, value in variables.items()
    }


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM that tells spreadsheets UTF-8
    text = content.decode("utf-8").removeprefix("\ufeff")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    return rows[1:]


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({}, id="everything"),
        pytest.param({"search": "pole", "asOf": "2014-03-01"}, id="search"),
        pytest.param(
            {
                "asOf": "2014-03-01",
                "where": {
                    "labelStatus": ["VALID", "EXPIRING_SOON"],
                    "or": [{"portfolio": ["ict"]}, {"not": {"country": ["DE"]}}],
                },
                "orderBy": [{"field": "VALID_UNTIL", "direction": "DESC"}],
            },
            id="where-and-order",
        ),
        pytest.param(
            {"orderBy": {"field": "PORTFOLIO"}, "where": {"validUntil": {"gte": "2015-01-01"}}},
            id="single-order-object",
        ),
        pytest.param({"where": {"portfolio": []}}, id="nothing"),
    ],
)
async def test_the_csv_equals_the_graphql_answer_for_the_same_arguments(
    api: Api, variables: dict[str, Any]
) -> None:
    response = await api.http.get(EXPORT_PATH, params=_params(variables))
    assert response.status_code == 200, response.text
    assert _csv_rows(response.content) == await _graphql_rows(api, variables)


async def test_the_answer_is_a_csv_download_never_stored(api: Api) -> None:
    response = await api.http.get(EXPORT_PATH)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="clusters.csv"'
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(_csv_rows(response.content)) == 88


async def _extra_clusters(clusters: Any, count: int) -> list[dict[str, Any]]:
    """`count` clusters like a shipped one, named "Extra cluster 000" and on."""
    model = await clusters.find_one({"_id": "nov-log"})
    extra = []
    for i in range(count):
        name = f"Extra cluster {i:03}"
        key = name.lower()
        extra.append(
            {
                **model,
                "_id": f"extra-{i:03}",
                "name": name,
                "nameKey": key,
                "compactKey": key.replace(" ", ""),
            }
        )
    return extra


@pytest.fixture(scope="module")
async def many() -> AsyncIterator[Api]:
    """An app whose store holds 250 more clusters, one named like a formula."""
    async with serve(Settings()) as served:
        clusters = served.app.state.connection.db["clusters"]
        extra = await _extra_clusters(clusters, 250)
        extra[0].update(
            name='=HYPERLINK("http://x")',
            website="+33 1 23 45",
            nameKey="hyperlink http x",
            compactKey="hyperlinkhttpx",
        )
        await clusters.insert_many(extra)
        yield served


def _export_scope() -> dict[str, Any]:
    """A GET of the whole export, straight to the app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": EXPORT_PATH,
        "raw_path": EXPORT_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test")],
        "server": ("test", 80),
        "client": ("test", 1),
        "state": {},
    }


async def test_a_large_export_streams_in_pages_of_100(many: Api) -> None:
    # Straight to the app: httpx's ASGI transport would join the body's parts.
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    many.calls.clear()
    await many.app(_export_scope(), receive, send)
    parts = [m["body"] for m in messages if m["type"] == "http.response.body" and m["body"]]
    assert many.calls["clusters.find"] == 4  # 338 clusters: pages of 100, 100, 100, 38
    assert len(parts) == 4  # one part a page: the file is never held whole
    rows = _csv_rows(b"".join(parts))
    assert len(rows) == 338
    assert len({row[-1] for row in rows}) == 338  # no cluster twice across pages
    assert rows == await _graphql_rows(many, {})


async def test_formulas_are_written_as_text(many: Api) -> None:
    response = await many.http.get(EXPORT_PATH, params={"search": "hyperlink"})
    [row] = _csv_rows(response.content)
    assert row[0] == '\'=HYPERLINK("http://x")'
    assert row[COLUMNS.index("website")] == "'+33 1 23 45"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param("+33", "'+33", id="plus"),
        pytest.param("-2", "'-2", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tx", "'\tx", id="tab"),
        pytest.param("\rx", "'\rx", id="carriage-return"),
        pytest.param("Pôle Mer", "Pôle Mer", id="text"),
        pytest.param("a=b", "a=b", id="inside"),
        pytest.param("", "", id="empty"),
    ],
)
def test_spreadsheet_cell(value: str, cell: str) -> None:
    assert spreadsheet_cell(value) == cell


@pytest.mark.parametrize(
    ("params", "named"),
    [
        pytest.param({"where": "{labelStatus: [VALID]}"}, "where", id="where-not-json"),
        pytest.param({"where": '"x"'}, "where", id="where-not-object"),
        pytest.param({"where": '{"nope": 1}'}, "where", id="where-unknown-field"),
        pytest.param({"where": '{"labelStatus": ["GOOD"]}'}, "where", id="where-bad-enum"),
        pytest.param({"where": '{"country": {"$gt": ""}}'}, "where", id="operator-object"),
        pytest.param(
            {"where": json.dumps({"not": {"not": {"not": {"not": {"not": {}}}}}})},
            "where",
            id="where-too-deep",
        ),
        pytest.param({"orderBy": '[{"field": "SIZE"}]'}, "orderBy", id="order-bad-field"),
        pytest.param(
            {"orderBy": '[{"field": "NAME"}, {"field": "NAME"}]'}, "orderBy", id="order-twice"
        ),
        pytest.param(
            {"orderBy": '[{"field": "NAME"}, {"field": "COUNTRY"}]'},
            "orderBy [NAME, COUNTRY] is not supported: use one key, or PORTFOLIO then NAME",
            id="order-unserved",
        ),
        pytest.param({"where": '{"portfolio": ["nope"]}'}, "portfolio", id="unknown-slug"),
        pytest.param({"asOf": "2014-13-01"}, "asOf", id="as-of"),
        pytest.param({"search": "x" * 101}, "search", id="search-too-long"),
        pytest.param({"first": "5"}, "first", id="unknown"),
    ],
)
async def test_a_bad_parameter_is_a_400_naming_it(
    api: Api, params: dict[str, str], named: str
) -> None:
    api.calls.clear()
    response = await api.http.get(EXPORT_PATH, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert named in error["message"]
    # Refused before any cluster is read (a slug is looked up among the portfolios).
    assert not [call for call in api.calls if call.startswith("clusters.")]


async def test_the_parameters_go_through_the_limits_of_graphql(api: Api) -> None:
    too_long = json.dumps({"country": ["FR"] * 101})
    response = await api.http.get(EXPORT_PATH, params={"where": too_long})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "parameter where.country lists 101 items" in error["message"]
    costly = json.dumps({"or": [{"country": ["FR"] * 100}] * 30})
    response = await api.http.get(EXPORT_PATH, params={"where": costly})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    response = await api.http.get(EXPORT_PATH, params={"asOf": "2201-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # 101 filters, every list short and the cost under the limit: too many filters.
    wide = json.dumps({"or": [{"not": {"portfolio": ["ict"]}}] * 50})
    response = await api.http.get(EXPORT_PATH, params={"where": wide})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "more than 100 filters" in error["message"]


async def test_a_repeated_parameter_is_refused(api: Api) -> None:
    response = await api.http.get(f"{EXPORT_PATH}?search=a&search=b")
    assert response.status_code == 400
    assert "search" in response.json()["errors"][0]["message"]


async def test_production_gives_no_suggestions(production: Api) -> None:
    response = await production.http.get(EXPORT_PATH, params={"orderBy": '{"field": "NAM"}'})
    assert response.status_code == 400
    assert "Did you mean" not in response.text


async def test_only_get_is_allowed(api: Api) -> None:
    response = await api.http.post(EXPORT_PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


class _Unreachable:
    """A database whose `clusters` cannot be reached."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def __getitem__(self, name: str) -> Any:
        if name == "clusters":
            raise ServerSelectionTimeoutError("db.internal:27017: timed out")
        return self._db[name]

    def close(self) -> None:
        self._db.close()


async def test_an_unreachable_database_is_a_503_before_the_file_starts() -> None:
    async with serve(Settings()) as served:
        served.app.state.connection.db = _Unreachable(served.app.state.connection.db)
        response = await served.http.get(EXPORT_PATH)
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "db.internal" not in response.text


async def test_the_rows_are_written_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of rows is milliseconds of Python: written on the worker thread
    (`schema.offload`), not on the loop that serves every other request."""
    threads: set[str] = set()
    row = export._row

    def recording(*args: Any) -> list[str]:
        threads.add(threading.current_thread().name)
        return row(*args)

    monkeypatch.setattr(export, "_row", recording)
    response = await api.http.get(EXPORT_PATH)
    assert response.status_code == 200
    assert len(_csv_rows(response.content)) == 88
    assert len(threads) == 1
    assert threads.pop().startswith("graphql-compute")


class _FailingAfterFirstPage:
    """A database whose `clusters` fail from their second `find` on."""

    def __init__(self, db: Any) -> None:
        self._db, self.finds = db, 0

    def __getitem__(self, name: str) -> Any:
        if name != "clusters":
            return self._db[name]
        outer, clusters = self, self._db[name]

        class Clusters:
            def __getattr__(self, attribute: str) -> Any:
                if attribute == "find":
                    outer.finds += 1
                    if outer.finds > 1:
                        raise AutoReconnect("db.internal:27017: connection closed")
                return getattr(clusters, attribute)

        return Clusters()

    def close(self) -> None:
        self._db.close()


@pytest.mark.parametrize("failure", ["database", "no-turn"])
async def test_a_file_cut_short_is_logged_once_and_never_looks_whole(
    failure: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the first page the status is sent: a failure can only end the answer before
    its last chunk (the server aborts the connection), once the export has said why in one
    line; uvicorn's own report of the exception, with its traceback, is left out
    (`api.server`)."""
    from api import view

    async with serve(Settings(max_operations=1)) as served:
        clusters = served.app.state.connection.db["clusters"]
        await clusters.insert_many(await _extra_clusters(clusters, 50))  # two pages
        endpoint = next(r for r in served.app.routes if getattr(r, "path", "") == "/graphql")
        operations = endpoint.endpoint._operations  # type: ignore[attr-defined]
        if failure == "database":
            served.app.state.connection.db = _FailingAfterFirstPage(served.app.state.connection.db)
        else:
            monkeypatch.setattr(view, "EXECUTION_DEADLINE_SECONDS", 0.2)
        messages: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            messages.append(message)
            if failure == "no-turn" and message.get("body"):
                await operations.acquire()  # the only turn, taken while the file is sent

        with (
            caplog.at_level("WARNING", logger="api.export"),
            pytest.raises(export.ExportCutShort) as raised,
        ):
            await served.app(_export_scope(), receive, send)
        if failure == "no-turn":
            operations.release()
    assert messages[0]["status"] == 200
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert len(bodies) == 1  # the first page
    assert bodies[0]["more_body"] is True  # never the end of the answer
    reason = (
        "the database failed: AutoReconnect"
        if failure == "database"
        else "The server is busy with other operations; try again later."
    )
    assert str(raised.value) == reason
    assert [r.getMessage() for r in caplog.records] == [
        f"export: cut short after 100 rows: {reason}"
    ]

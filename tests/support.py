"""What the API tests share: the raw listing read independently, the label status rule
written out again, and the app served over HTTP with its database round trips counted.

The listing is read with a regular expression anchored on the portfolio vocabulary and the
date, never with the seed parser, so that expected counts do not come from the code under
test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.database import Connection
from api.database import connect as connect_database
from api.settings import Settings

__all__ = [
    "LISTING",
    "Api",
    "CountingDatabase",
    "ListingRow",
    "add_years",
    "serve",
    "status_on",
]

DATA = Path(__file__).resolve().parent.parent / "seed" / "data"


# --- the raw listing, read independently ------------------------------------------------


@dataclass(frozen=True)
class ListingRow:
    name: str
    portfolio: str  # the name as published, e.g. "ICT", not the slug
    end: date  # "Label valid until"


def _read_listing() -> tuple[ListingRow, ...]:
    names = json.loads((DATA / "portfolios.json").read_text(encoding="utf-8"))["portfolios"]
    alternatives = "|".join(re.escape(n) for n in names)
    # Greedy name: the portfolio is the last vocabulary match before the optional www.
    line_re = re.compile(
        rf"^(?P<name>.+) (?P<portfolio>{alternatives})(?: \S+)? "
        r"(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)$"
    )
    text = (DATA / "000_d85a51d79b0f777b.txt").read_text(encoding="utf-8")
    table = text.split("Name Comparative portfolio www Label valid until", 1)[1]
    rows = []
    for line in table.splitlines():
        found = line_re.match(line.strip())
        if found:
            end = date(int(found["y"]), int(found["m"]), int(found["d"]))
            rows.append(ListingRow(found["name"], found["portfolio"], end))
    return tuple(rows)


LISTING = _read_listing()
"""The rows of the shipped listing, in file order."""


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years (negative for earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def status_on(end: date, day: date) -> str:
    """The published rule, written out again for a listing row (one first Bronze label, so
    awarded two years before its end): not yet labelled before the award, then valid,
    expiring within 90 days, renewable for a year after the end, then expired."""
    if day < add_years(end, -2):
        return "NOT_YET_LABELLED"
    if day <= end:
        return "EXPIRING_SOON" if end - day <= timedelta(days=90) else "VALID"
    return "RENEWABLE" if day < add_years(end, 1) else "EXPIRED"


# --- the app, with its database round trips counted ---------------------------------------


class CountingDatabase:
    """A database whose reads are counted in `calls` under "collection.method": one call of
    find, find_one, aggregate, count_documents or distinct is one round trip. Only
    collections reached by `db[name]` are counted."""

    READS = frozenset({"find", "find_one", "aggregate", "count_documents", "distinct"})

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner, self.calls = inner, calls

    def __getitem__(self, name: str) -> _CountingCollection:
        return _CountingCollection(self._inner[name], name, self.calls)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CountingCollection:
    def __init__(self, inner: Any, name: str, calls: Counter[str]) -> None:
        self._inner, self._name, self._calls = inner, name, calls

    def __getattr__(self, attribute: str) -> Any:
        method = getattr(self._inner, attribute)
        if attribute not in CountingDatabase.READS:
            return method

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._name}.{attribute}"] += 1
            return method(*args, **kwargs)

        return counted


@dataclass
class Api:
    """A client of a served app. `calls` counts the app's database reads (see
    `CountingDatabase`); clear it before the request to measure."""

    app: Starlette
    http: httpx.AsyncClient
    calls: Counter[str]

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        """The JSON body of a POST, which must be a 200."""
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        return cast(dict[str, Any], response.json())

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a request that must have no errors."""
        body = await self.post(query, **variables)
        assert "errors" not in body, body["errors"]
        return cast(dict[str, Any], body["data"])

    async def errors(self, query: str, **variables: Any) -> list[dict[str, Any]]:
        """The errors of a request that must have at least one."""
        body = await self.post(query, **variables)
        assert body.get("errors"), body
        return cast(list[dict[str, Any]], body["errors"])

    async def round_trips(self, query: str, **variables: Any) -> int:
        """The number of database reads one successful request makes."""
        self.calls.clear()
        await self.data(query, **variables)
        return sum(self.calls.values())


@asynccontextmanager
async def serve(
    settings: Settings,
    *,
    connect: Callable[[Settings], Connection] = connect_database,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[Api]:
    """The app for `settings` with its lifespan running (an embedded store is seeded), and
    a client. `connect` builds the connection and `clock` times the response cache, as in
    `create_app`; the database is wrapped in a `CountingDatabase`, the connection keeping
    its class."""
    calls: Counter[str] = Counter()

    def counting(s: Settings) -> Connection:
        connection = connect(s)
        aggregate_db = connection.aggregate_db
        return dataclasses.replace(
            connection,
            db=cast(Any, CountingDatabase(connection.db, calls)),
            aggregate_db=None
            if aggregate_db is None
            else cast(Any, CountingDatabase(aggregate_db, calls)),
        )

    app = create_app(settings, connect=counting, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Api(app, http, calls)


@dataclass
class HeldCount:
    """`count_clusters` replaced (`hold_first_count`): the operation making the first call
    waits there until `release` is set, holding whatever it holds (a turn, its cost);
    `calls` notes every call."""

    started: threading.Event
    release: threading.Event
    calls: list[str]


def hold_first_count(monkeypatch: pytest.MonkeyPatch) -> HeldCount:
    from schema.types import connection as connection_module

    counted = cast(Any, connection_module).count_clusters
    held = HeldCount(threading.Event(), threading.Event(), [])

    async def holding(*args: Any, **kwargs: Any) -> int:
        held.calls.append("count")
        if len(held.calls) == 1:
            held.started.set()
            await asyncio.to_thread(held.release.wait, 30)
        count: int = await counted(*args, **kwargs)
        return count

    monkeypatch.setattr(connection_module, "count_clusters", holding)
    return held

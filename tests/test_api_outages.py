"""A database that cannot be reached: 503 with Retry-After and SERVICE_UNAVAILABLE, one
log line per kind of failure at most every interval, the connection string's own timeouts
respected, and a malformed connection string refused in one line at start-up."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, cast

import pytest
from pymongo.synchronous.topology import Topology

from api.cli import main
from api.database import connect, uri_options
from api.settings import Settings
from schema.guards.masking import OUTAGE_LOG_INTERVAL, RateLimitedLog
from tests.support import serve


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def selections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per server selection the driver starts."""
    found: list[int] = []
    select = Topology._select_servers_loop

    def counted(self: Topology, *args: Any, **kwargs: Any) -> Any:
        found.append(1)
        return select(self, *args, **kwargs)

    monkeypatch.setattr(Topology, "_select_servers_loop", counted)
    return found


def _unreachable(port: int) -> Settings:
    return Settings(mongodb_uri=f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=50")


@pytest.mark.anyio
async def test_a_request_that_cannot_reach_the_database_gets_a_503(closed_port: int) -> None:
    async with serve(_unreachable(closed_port)) as api:
        response = await api.http.post(
            "/graphql", json={"query": "{ a: portfolios { name } b: clusters { totalCount } }"}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"SERVICE_UNAVAILABLE"}


@pytest.mark.anyio
async def test_an_outage_is_logged_once_per_interval(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="schema.errors")
    async with serve(_unreachable(closed_port)) as api:
        for _ in range(3):
            await api.http.post("/graphql", json={"query": "{ a: portfolios { name } }"})
    lines = [r for r in caplog.records if r.name == "schema.errors"]
    assert len(lines) <= 1  # none if another test reported this kind within the interval
    assert all(r.exc_info is None for r in lines)  # no traceback


def test_the_rate_limited_log_counts_what_it_left_out(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = RateLimitedLog(logging.getLogger("test.outages"), clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="test.outages")
    assert log.warning("A", "down")
    assert not log.warning("A", "down")
    assert log.warning("B", "other kind")  # each kind has its own interval
    now[0] = OUTAGE_LOG_INTERVAL
    assert log.warning("A", "down")
    assert [r.getMessage() for r in caplog.records] == [
        "down",
        "other kind",
        "down (1 more since the last report)",
    ]


@pytest.mark.parametrize(
    ("query", "selection", "timeout", "socket"),
    [
        pytest.param("", 1.234, 1.234, None, id="defaults"),
        pytest.param("?serverSelectionTimeoutMS=50", 0.05, None, 1.234, id="uri-selection"),
        pytest.param("?timeoutMS=70", 1.234, 0.07, None, id="uri-timeout"),
        pytest.param(
            "?serverSelectionTimeoutMS=50&socketTimeoutMS=90", 0.05, None, 0.09, id="uri-both"
        ),
    ],
)
def test_the_uris_own_timeouts_are_respected(
    query: str, selection: float, timeout: float | None, socket: float | None
) -> None:
    settings = Settings(mongodb_uri="mongodb://127.0.0.1:1/" + query, db_timeout_ms=1234)
    connection = connect(settings)
    try:
        options = connection.client.options
        assert options.server_selection_timeout == selection
        assert options.timeout == timeout
        assert options.pool_options.socket_timeout == socket
    finally:
        connection.close()


def test_an_srv_uri_is_read_without_a_dns_lookup() -> None:
    options = uri_options("mongodb+srv://cluster.invalid/?serverSelectionTimeoutMS=80")
    assert options["serverSelectionTimeoutMS"] == 0.08


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param("mongodb://a:b:c@/x", id="unescaped-password"),
        pytest.param("mongodb://h:99999/", id="bad-port"),
        pytest.param("mongodb://h/?serverSelectionTimeoutMS=soon", id="bad-option-value"),
        pytest.param("mongodb://h/?nosuchoption=1", id="unknown-option"),
        pytest.param("mongodb://bad uri", id="blank-in-host"),
        pytest.param("mongodb://h\x01/", id="control-character"),
        pytest.param("mongodb+srv://a,b.example.com/", id="srv-two-hosts"),
        pytest.param("mongodb+srv://u:p@a.b.example.com:27017/", id="srv-port"),
    ],
)
def test_a_malformed_uri_is_one_line_at_start_up(
    uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MONGODB_URI", uri)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("ecei: MONGODB_URI is not a valid connection string: ")
    assert "Traceback" not in err
    assert "a:b:c" not in err


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ clusters { totalCount } }", id="cacheable"),
        pytest.param("{ rateLimit { remaining } }", id="per-client"),
    ],
)
async def test_an_unreachable_database_is_waited_for_once_per_request(
    closed_port: int, query: str, selections: list[int]
) -> None:
    """The response cache's generation check, the budget and the operation each need the
    database: the first that cannot reach it answers 503, so a request waits for one
    server selection, not one per step."""
    async with serve(_unreachable(closed_port)) as api:
        selections.clear()  # whatever start-up tried
        response = await api.http.post("/graphql", json={"query": query})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert len(selections) == 1


@pytest.mark.anyio
async def test_after_an_outage_requests_fail_fast_for_a_while(
    closed_port: int, selections: list[int]
) -> None:
    """Once a request found the database unreachable, the next ones are answered 503 at
    once (no server selection) until the window closes; then the database is tried again."""
    async with serve(_unreachable(closed_port)) as api:
        route = next(r for r in api.app.routes if getattr(r, "path", "") == "/graphql")
        window = cast(Any, route).endpoint.outages
        now = [1000.0]
        window.clock = lambda: now[0]
        selections.clear()
        answers = [
            await api.http.post("/graphql", json={"query": q})
            for q in ("{ clusters { totalCount } }", "{ portfolios { slug } }", "{")
        ]
        assert [a.status_code for a in answers] == [503, 503, 503]
        assert {a.json()["errors"][0]["extensions"]["code"] for a in answers} == {
            "SERVICE_UNAVAILABLE"
        }
        assert all(a.headers["retry-after"] == "5" for a in answers)
        assert len(selections) == 1  # only the first request asked the database
        # Refusals during the window do not extend it: it closes 5 s after the outage.
        now[0] += window.seconds - 0.5
        await api.http.post("/graphql", json={"query": "{ portfolios { slug } }"})
        assert len(selections) == 1
        now[0] += 0.5
        await api.http.post("/graphql", json={"query": "{ portfolios { slug } }"})
        assert len(selections) == 2  # the window closed: the database is tried again


@pytest.mark.anyio
async def test_requests_waiting_for_a_turn_fail_fast_once_the_outage_is_known(
    closed_port: int, selections: list[int]
) -> None:
    """With every turn taken by requests waiting for the unreachable database, the others
    wait; once the first outage is known, they are answered 503 as soon as they get a turn,
    without asking the database themselves."""
    async with serve(Settings(**{**vars(_unreachable(closed_port)), "max_operations": 2})) as api:
        selections.clear()
        answers = await asyncio.gather(
            *(
                api.http.post("/graphql", json={"query": f"{{ a{i}: portfolios {{ slug }} }}"})
                for i in range(6)
            )
        )
    assert [a.status_code for a in answers] == [503] * 6
    assert len(selections) <= 2  # only the requests that held the first turns asked

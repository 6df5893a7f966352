"""What each request leaves behind: the request id, one log line, and the metrics."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from api.http_errors import UnhandledErrors
from api.logs import JsonFormatter, TextFormatter
from api.observe import RequestObserver
from api.settings import Settings, SettingsError
from tests.editing import serve_editors
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
async def measured() -> AsyncIterator[Api]:
    """The app with `/metrics` on, behind a token; every request executed (no response
    cache), so that execution figures can be counted."""
    async with serve(Settings(metrics=True, metrics_token=TOKEN, response_cache_bytes=0)) as served:
        yield served


async def _scrape(api: Api) -> str:
    response = await api.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of a scrape, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            got = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if got == wanted:
                return float(match[3])
    return 0.0


async def test_a_sane_request_id_is_echoed(api: Api) -> None:
    response = await api.http.get("/healthz", headers={"X-Request-ID": "req-42.a:b_c"})
    assert response.headers["x-request-id"] == "req-42.a:b_c"


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(None, id="absent"),
        pytest.param("has spaces", id="spaces"),
        pytest.param("x" * 129, id="too-long"),
        pytest.param("<script>", id="markup"),
    ],
)
async def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(
    api: Api, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = await api.http.get("/healthz", headers=headers)
    second = await api.http.get("/healthz", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_one_log_line_per_request_without_query_text_or_variables(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    query = "query Secretive($s: String!) { clusters(first: 5, search: $s) { nodes { name } } }"
    with caplog.at_level(logging.INFO, logger="api.access"):
        await api.http.post(
            "/graphql",
            json={"query": query, "variables": {"s": "logistik"}},
            headers={"X-Request-ID": "log-test-1"},
        )
    records = [r for r in caplog.records if r.name == "api.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "log-test-1"
    assert line["operation"] == "Secretive"
    assert line["operation_type"] == "query"
    assert line["status"] == 200
    assert line["cost"] == 5
    assert line["error_codes"] == []
    assert line["duration_ms"] > 0
    assert "logistik" not in json.dumps(line)
    assert "clusters(" not in json.dumps(line)
    text = TextFormatter().format(records[0])
    assert "operation=Secretive" in text
    assert "\n" not in text


async def test_the_log_line_names_the_error_codes_and_the_client_key(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"):
        await api.http.post("/graphql", json={"query": "{ nope }"})
    (record,) = [r for r in caplog.records if r.name == "api.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert line["key_id"] is None


async def test_the_log_line_names_the_key_of_an_authenticated_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve_editors(tmp_path) as editors:
        with caplog.at_level(logging.INFO, logger="api.access"):
            await editors.post("{ portfolios { slug } }", "reader")
            await editors.api.http.post(
                "/graphql",
                json={"query": "{ portfolios { slug } }"},
                headers={"Authorization": "Bearer ecei_000000000000_nope"},
            )
    keyed, refused = [r for r in caplog.records if r.name == "api.access"]
    assert json.loads(JsonFormatter().format(keyed))["key_id"] == editors.ids["reader"]
    line = json.loads(JsonFormatter().format(refused))
    assert (line["status"], line["key_id"]) == (401, None)  # a refused key is not named
    assert "ecei_" not in JsonFormatter().format(refused)


async def test_counters_move_after_requests(measured: Api) -> None:
    before = await _scrape(measured)
    for _ in range(3):
        await measured.http.post(
            "/graphql", json={"query": "query Counted { portfolios { slug } }"}
        )
    await measured.http.post("/graphql", json={"query": "query Broken { nope }"})
    after = await _scrape(measured)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("ecei_graphql_requests_total", operation="Counted", outcome="ok") == 3
    assert moved("ecei_graphql_requests_total", operation="Broken", outcome="error") == 1
    assert moved("ecei_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert moved("ecei_graphql_request_duration_seconds_count", operation="Counted") == 3
    assert moved("ecei_graphql_cost_count") == 3
    assert moved("ecei_http_request_duration_seconds_count", route="graphql", status="200") == 4
    assert _value(after, "process_cpu_seconds_total") > 0  # the default collectors


async def test_persisted_query_hits_and_misses_are_counted(measured: Api) -> None:
    query = "query Persisted { portfolios { name } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    before = await _scrape(measured)
    await measured.http.post("/graphql", json={"extensions": extensions})  # miss
    await measured.http.post("/graphql", json={"query": query, "extensions": extensions})
    await measured.http.post("/graphql", json={"extensions": extensions})  # hit
    after = await _scrape(measured)
    for outcome in ("miss", "registered", "hit"):
        moved = _value(after, "ecei_persisted_queries_total", outcome=outcome) - _value(
            before, "ecei_persisted_queries_total", outcome=outcome
        )
        assert moved == 1, outcome


async def test_metrics_need_the_token(measured: Api) -> None:
    assert (await measured.http.get("/metrics")).status_code == 401
    wrong = await measured.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_metrics_are_not_served_unless_turned_on(api: Api) -> None:
    assert (await api.http.get("/metrics")).status_code == 404


def test_metrics_in_production_need_a_token() -> None:
    with pytest.raises(SettingsError, match="ECEI_METRICS_TOKEN"):
        Settings.from_env({"ECEI_ENV": "production", "ECEI_METRICS": "true"})


async def test_an_answer_from_the_response_cache_counts_as_a_request() -> None:
    async with serve(Settings(metrics=True, metrics_token=TOKEN)) as cached:
        before = await _scrape(cached)
        body = {"query": "query Hit { portfolios { slug } }", "operationName": "Hit"}
        for _ in range(3):
            response = await cached.http.post("/graphql", json=body)
            assert response.status_code == 200
        assert response.json()["extensions"]["cache"] == "HIT"
        after = await _scrape(cached)
    requests = _value(after, "ecei_graphql_requests_total", operation="Hit", outcome="ok")
    assert (
        requests - _value(before, "ecei_graphql_requests_total", operation="Hit", outcome="ok") == 3
    )


async def test_a_cache_hit_is_named_and_costed_without_an_operation_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serve(Settings(metrics=True, metrics_token=TOKEN)) as cached:
        body = {"query": "query Unnamed { portfolios { slug } }"}  # no operationName sent
        with caplog.at_level(logging.INFO, logger="api.access"):
            for _ in range(2):
                response = await cached.http.post("/graphql", json=body)
        assert response.json()["extensions"]["cache"] == "HIT"
        after = await _scrape(cached)
    miss, hit = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "api.access"
    ]
    assert hit["operation"] == miss["operation"] == "Unnamed"
    assert hit["cost"] == miss["cost"] is not None
    assert _value(after, "ecei_graphql_requests_total", operation="Unnamed", outcome="ok") == 2


async def test_an_error_answered_by_status_alone_is_logged_and_counted(
    measured: Api, caplog: pytest.LogCaptureFixture
) -> None:
    before = await _scrape(measured)
    with caplog.at_level(logging.INFO, logger="api.access"):
        response = await measured.http.post(
            "/graphql",
            json={"query": "{ portfolios { slug } }"},
            headers={"Authorization": "Bearer ecei_000000000000_nope"},
        )
    assert response.status_code == 401
    after = await _scrape(measured)
    (record,) = [r for r in caplog.records if r.name == "api.access"]
    assert json.loads(JsonFormatter().format(record))["error_codes"] == ["UNAUTHENTICATED"]
    counted = _value(after, "ecei_graphql_errors_total", code="UNAUTHENTICATED")
    assert counted - _value(before, "ecei_graphql_errors_total", code="UNAUTHENTICATED") == 1


@pytest.mark.anyio
async def test_a_client_gone_before_the_answer_is_logged_499(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ClientDisconnect

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent to a client that left")

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    scope: Scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    with caplog.at_level(logging.INFO, logger="api.access"):
        await RequestObserver(UnhandledErrors(app))(scope, receive, send)
    (record,) = [r for r in caplog.records if r.name == "api.access"]
    assert json.loads(JsonFormatter().format(record))["status"] == 499

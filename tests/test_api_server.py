"""`ecei serve` as a real process on a loopback port: slow clients are cut off, several
workers serve, and SIGTERM drains (`/readyz` 503) before the process stops."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import h11
import httpx
import orjson
import pytest
from starlette.types import Message

from api import server
from api.export import ExportCutShort
from api.server import GC_YOUNG_THRESHOLD, MAX_BODY_PIECES, MAX_HEADER_BYTES, _freezing_at_startup
from api.settings import Settings

QUERY = orjson.dumps({"query": "{ portfolios { slug } }"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(*args: str, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`ecei serve ARGS` on a free loopback port with `env`, once `/readyz` answers."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ECEI_", "MONGODB"))}
    environ.update(env, ECEI_HOST="127.0.0.1", ECEI_PORT=str(port), ECEI_LOG_FORMAT="json")
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", *args],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.communicate()[1].decode()[-2000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.25)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def impatient() -> Iterator[str]:
    """A server that waits 1 s for headers and 2 s for a body."""
    with running(ECEI_HEADER_TIMEOUT_SECONDS="1", ECEI_BODY_TIMEOUT_SECONDS="2") as (_, base):
        yield base


def test_a_client_that_trickles_its_body_gets_408_and_is_disconnected(impatient: str) -> None:
    sock = _connect(impatient)
    head = (
        "POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(QUERY)}\r\n\r\n"
    )
    started = time.monotonic()
    sock.sendall(head.encode())
    answer = b""
    with sock:
        for byte in QUERY:  # one byte every 0.25 s: the body would take far longer than 2 s
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            sock.settimeout(0.25)
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            break
        sock.settimeout(5)
        answer += _read_all(sock)
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"REQUEST_TIMEOUT" in answer
    assert elapsed < 6  # the 2 s deadline, with room for a busy machine


def test_a_client_that_trickles_its_headers_gets_408_and_is_disconnected(
    impatient: str,
) -> None:
    sock = _connect(impatient)
    started = time.monotonic()
    with sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: t\r\n")  # and never the blank line
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert time.monotonic() - started < 5  # the 1 s deadline, with room for a busy machine
    body = orjson.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


def test_a_silent_connection_is_closed(impatient: str) -> None:
    sock = _connect(impatient)
    started = time.monotonic()
    with sock:
        _read_all(sock)
    assert time.monotonic() - started < 5


def test_a_prompt_client_is_served(impatient: str) -> None:
    response = httpx.post(
        f"{impatient}/graphql", content=QUERY, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["portfolios"]


def test_sigterm_drains_two_workers_before_stopping() -> None:
    with running(
        "--workers", "2", ECEI_SHUTDOWN_GRACE_SECONDS="60", ECEI_BODY_TIMEOUT_SECONDS="60"
    ) as (process, base):
        # A request in flight: its headers are in, its body arrives after the signal.
        sock = _connect(base)
        head = (
            "POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(QUERY)}\r\n\r\n"
        )
        sock.sendall(head.encode() + QUERY[:5])
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        readiness = []
        deadline = time.monotonic() + 20  # a busy machine delivers the signal late
        while time.monotonic() < deadline and 503 not in readiness:
            try:
                readiness.append(httpx.get(f"{base}/readyz", timeout=2).status_code)
            except httpx.TransportError:
                readiness.append(0)
            time.sleep(0.1)
        assert 503 in readiness
        with sock:
            sock.sendall(QUERY[5:])
            answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        assert b'"portfolios"' in answer
        # Answered while draining: the client is told not to reuse the connection.
        head_lines = answer.split(b"\r\n\r\n", 1)[0].lower().split(b"\r\n")
        assert b"connection: close" in head_lines
        process.wait(timeout=60)


# The default head limit: the body limit (64 KiB) plus MAX_HEADER_BYTES.
HEAD_LIMIT = Settings().max_body_bytes + MAX_HEADER_BYTES


def _send(base: str, request: bytes, piece: int | None = None) -> bytes:
    """`request` sent whole or in pieces of `piece` bytes; everything answered."""
    with _connect(base) as sock:
        step = piece or len(request)
        for start in range(0, len(request), step):
            sock.sendall(request[start : start + step])
        return _read_all(sock)


def _head(header_bytes: int) -> bytes:
    """A GET /healthz whose head is `header_bytes` long."""
    start = b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Pad: "
    return start + b"a" * (header_bytes - len(start) - 4) + b"\r\n\r\n"


def test_a_head_at_the_limit_is_served(impatient: str) -> None:
    answer = _send(impatient, _head(HEAD_LIMIT))
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]


@pytest.mark.parametrize("piece", [None, 1000], ids=["whole", "in-pieces"])
def test_a_head_past_the_limit_gets_a_431_it_can_read(impatient: str, piece: int | None) -> None:
    answer = _send(impatient, _head(HEAD_LIMIT + 1), piece)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    body = orjson.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
    assert b"x-content-type-options: nosniff" in answer


def test_a_two_megabyte_url_gets_a_414_not_a_reset(impatient: str) -> None:
    request = b"GET /graphql?query=" + b"a" * 2_000_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    answer = _send(impatient, request)
    assert answer.startswith(b"HTTP/1.1 414 "), answer[:100]
    body = orjson.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"


def test_a_long_request_line_sent_whole_gets_a_414(impatient: str) -> None:
    request = b"GET /graphql?query=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    answer = _send(impatient, request)
    assert answer.startswith(b"HTTP/1.1 414 "), answer[:100]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ],
    ids=["bad-length", "two-lengths", "garbage"],
)
def test_what_is_not_http_gets_a_json_400(impatient: str, request_bytes: bytes) -> None:
    answer = _send(impatient, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b"x-content-type-options: nosniff" in head.lower()
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.anyio
async def test_objects_alive_at_startup_are_frozen_out_of_the_collector() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    sending = _freezing_at_startup(send)
    threshold = gc.get_threshold()
    try:
        await sending({"type": "lifespan.startup.complete"})
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert sent == [{"type": "lifespan.startup.complete"}]


def test_a_length_and_a_chunked_encoding_together_are_refused_and_closed(impatient: str) -> None:
    body = b'{"query": "{ __typename }"}'
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
        % len(body)
        + b"%x\r\n" % len(body)
        + body
        + b"\r\n0\r\n\r\n"
    )
    answer = _send(impatient, request)  # read to the end: the server closes the connection
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
    assert orjson.loads(answer.split(b"\r\n\r\n", 1)[1])["errors"][0]["extensions"]["code"] == (
        "BAD_REQUEST"
    )


def test_the_served_app_shortens_the_gil_switch_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Operations run on a thread of their own (`api.execution`): the HTTP loop's thread
    gets the GIL back within 1 ms instead of CPython's 5."""
    monkeypatch.delenv("MONGODB_URI", raising=False)
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        server.create_app_from_env()
        assert sys.getswitchinterval() == pytest.approx(server.SWITCH_INTERVAL_SECONDS)
        assert server.SWITCH_INTERVAL_SECONDS < 0.005
    finally:
        sys.setswitchinterval(before)


def _uvicorn_record(exc: BaseException | None) -> logging.LogRecord:
    """uvicorn's report of an exception its app raised (`run_asgi`)."""
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(
        "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application\n", (), exc_info
    )


@pytest.mark.parametrize(
    ("exc", "kept"),
    [
        (ExportCutShort("the database failed: AutoReconnect"), False),
        (ExceptionGroup("g", [ExportCutShort("x")]), False),
        (ExceptionGroup("g", [ExportCutShort("x"), KeyError("k")]), True),
        (KeyError("k"), True),
        (None, True),
    ],
    ids=["cut-short", "grouped", "grouped-with-another", "another", "no-exception"],
)
def test_an_export_cut_short_is_not_reported_again_by_uvicorn(
    monkeypatch: pytest.MonkeyPatch, exc: BaseException | None, kept: bool
) -> None:
    """The export logs why it stopped in one line (`api.export.ExportCutShort`); uvicorn's
    report of the exception that aborts the connection, with its traceback, is left out."""
    monkeypatch.delenv("MONGODB_URI", raising=False)
    before = sys.getswitchinterval()
    try:
        server.create_app_from_env()
    finally:
        sys.setswitchinterval(before)
    assert bool(logging.getLogger("uvicorn.error").filter(_uvicorn_record(exc))) is kept


def test_at_the_connection_limit_the_refusal_is_a_coded_json_503() -> None:
    with running(ECEI_MAX_CONNECTIONS="2") as (process, base):
        idle = [_connect(base), _connect(base)]  # connected, sending nothing
        try:
            time.sleep(0.3)
            response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
            second = httpx.get(f"{base}/readyz", timeout=5)
            alive = httpx.get(f"{base}/healthz", timeout=5)
        finally:
            for sock in idle:
                sock.close()
        process.terminate()
        log = process.communicate(timeout=30)[1].decode()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["retry-after"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert second.status_code == 503
    # Liveness still answers: a supervisor must not restart a process for its load.
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    # Two refusals, one log line.
    assert log.count("at the connection limit (ECEI_MAX_CONNECTIONS): 503") == 1
    assert "Exceeded concurrency limit" not in log


def _chunked(body: bytes, piece: int) -> bytes:
    """A POST /graphql whose `body` is sent chunked, `piece` bytes a chunk."""
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + piece]), body[i : i + piece])
        for i in range(0, len(body), piece)
    )
    head = b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    return head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\n\r\n"


def test_a_body_in_too_many_pieces_is_refused_and_logged_once() -> None:
    body = b'{"query": "{ __typename }"' + b" " * (MAX_BODY_PIECES + 100) + b"}"
    with running() as (process, base):
        # A few pieces: answered as usual.
        fine = _send(base, _chunked(body, 512))
        refused = [_send(base, _chunked(body, 1)) for _ in range(3)]
        process.terminate()
        log = process.communicate(timeout=30)[1].decode()
    assert fine.startswith(b"HTTP/1.1 200 "), fine[:100]
    for answer in refused:
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
        answer_body = orjson.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert answer_body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # Three refusals, one log line.
    assert log.count("not valid HTTP/1.1: 400") == 1
    assert "Invalid HTTP request received" not in log


def test_upgrade_requests_are_logged_once_without_advice() -> None:
    request = (
        b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\n\r\n"
    )
    with running() as (process, base):
        answers = [_send(base, request) for _ in range(3)]
        process.terminate()
        log = process.communicate(timeout=30)[1].decode()
    assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers), answers[0][:100]
    assert log.count("upgrade requests (WebSocket, h2c) ignored") == 1
    assert "WebSocket library" not in log


def _remaining(base: str, forwarded_for: str) -> int:
    """What is left of the anonymous budget charged for a request forwarded for this list."""
    response = httpx.post(
        f"{base}/graphql",
        json={"query": "{ rateLimit { remaining } }"},
        headers={"x-forwarded-for": forwarded_for},
        timeout=10,
    )
    remaining: int = response.json()["data"]["rateLimit"]["remaining"]
    return remaining


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() -> None:
    with running(ECEI_TRUSTED_PROXIES="127.0.0.1", ECEI_ANONYMOUS_BUDGET_PER_HOUR="100") as (
        _,
        base,
    ):
        first = [_remaining(base, "203.0.113.5") for _ in range(3)]
        other = _remaining(base, "203.0.113.6")
        # A client cannot escape its budget by writing its own X-Forwarded-For: the
        # proxy appends the address it saw, and the last untrusted one is the client.
        spoofed = _remaining(base, "198.51.100.1, 203.0.113.5")
    assert first == [99, 98, 97]
    assert other == 99
    assert spoofed == 96


def test_without_trusted_proxies_x_forwarded_for_is_ignored() -> None:
    with running(ECEI_ANONYMOUS_BUDGET_PER_HOUR="100") as (_, base):
        spent = [_remaining(base, f"203.0.113.{n}") for n in (5, 6, 7)]
    assert spent == [99, 98, 97]  # one client: the connection's peer


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/healthz", b'{"status":"ok"}'),
        ("/graphql?query=%7B__typename%7D", b'{"data":{"__typename":"Query"}'),
        ("/export/clusters.csv", b"\r\nXylofutur,"),  # the last row
    ],
)
def test_a_client_that_half_closes_after_its_request_reads_the_answer(
    impatient: str, path: str, expected: bytes
) -> None:
    with _connect(impatient) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        sock.shutdown(socket.SHUT_WR)  # nothing more to send; still reading
        answer = _read_all(sock)  # until the server closes: it does, once it has answered
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target=path, headers=[("Host", "t")]))
    client.receive_data(answer)
    events = []
    while (event := client.next_event()) not in (h11.NEED_DATA, h11.PAUSED):
        events.append(event)
        if isinstance(event, h11.EndOfMessage):
            break
    assert isinstance(events[0], h11.Response)
    assert events[0].status_code == 200
    assert isinstance(events[-1], h11.EndOfMessage)  # the whole answer
    body = b"".join(bytes(e.data) for e in events if isinstance(e, h11.Data))
    assert expected in body


def test_a_half_close_before_the_request_is_complete_closes_the_connection(
    impatient: str,
) -> None:
    with _connect(impatient) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")  # the head unfinished
        sock.shutdown(socket.SHUT_WR)
        assert _read_all(sock) == b""


# The app's lifespan, then one request of each kind, over plain asyncio in a fresh
# interpreter: the test client runs on anyio, which would import ahead what the app may
# import only on its first streamed or file answer.
_FIRST_OF_EACH_KIND = r"""
import asyncio, sys
from api.app import create_app
from api.settings import Settings

app = create_app(Settings.from_env())

async def call(scope, first):
    sent = []
    pending = [first]
    async def receive():
        if pending:
            return pending.pop()
        await asyncio.Event().wait()
    async def send(message):
        sent.append(message)
        if message["type"] == "lifespan.startup.complete":
            started.set()
    if scope["type"] == "lifespan":
        asyncio.get_running_loop().create_task(app(scope, receive, send))
        await started.wait()
        return
    await app(scope, receive, send)
    return sent[0]["status"]

def http(method, path, query=b"", body=b"", headers=()):
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }
    return call(scope, {"type": "http.request", "body": body, "more_body": False})

async def main():
    global started
    started = asyncio.Event()
    await call({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
               {"type": "lifespan.startup"})
    before = set(sys.modules)
    json = [(b"content-type", b"application/json")]
    statuses = [
        await http("GET", "/healthz"),
        await http("GET", "/"),
        await http("GET", "/web/api.js"),
        await http("GET", "/graphql", headers=[(b"accept", b"text/html")]),
        await http("POST", "/graphql", body=b'{"query": "{ clusters { totalCount } }"}',
                   headers=json),
        await http("POST", "/graphql", body=b'{"query": "{', headers=json),
        await http("GET", "/export/clusters.csv", query=b"asOf=2020-01-01"),
        await http("GET", "/nowhere"),
    ]
    print(statuses)
    print(" ".join(sorted(set(sys.modules) - before)))

asyncio.run(main())
"""


def test_requests_import_nothing_after_startup() -> None:
    """What a first request imports, it imports on the HTTP loop with the GIL held: the
    first CSV export imported anyio's asyncio backend and held `/healthz` for 110 ms
    under `scripts/attack.py`. The lifespan imports it all before the app serves."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ECEI_", "MONGODB"))}
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_OF_EACH_KIND],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    statuses, imported = [*done.stdout.splitlines(), "", ""][:2]
    assert statuses == "[200, 200, 200, 200, 200, 400, 200, 404]"
    assert imported == ""

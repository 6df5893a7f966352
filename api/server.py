"""`ecei serve`: uvicorn with one or several worker processes, limits on slow clients, and a
graceful shutdown.

- Workers: with `--workers N` (`ECEI_WORKERS`) uvicorn's supervisor starts N processes on
  one socket; each builds its app from the environment (`create_app_from_env`, a factory).
  On the embedded store every worker holds its own copy of the shipped data, seeded at its
  start-up: reads agree, but nothing written reaches the other workers, so the embedded
  store with several workers is for trying out and measuring; a deployment sets
  `MONGODB_URI`. With several workers the metrics use prometheus_client's multiprocess mode
  (`PROMETHEUS_MULTIPROC_DIR`, a fresh directory when unset; see `api.metrics`).
- Slow clients: the request headers must arrive within `ECEI_HEADER_TIMEOUT_SECONDS` of
  the connection (or of the end of the previous response) or the connection is answered
  408 and closed; the body within `ECEI_BODY_TIMEOUT_SECONDS` (`api.body_limit`); an idle
  keep-alive connection is closed after `ECEI_KEEP_ALIVE_SECONDS`; a process serves at most
  `ECEI_MAX_CONNECTIONS` connections or requests at once (more get 503); the request head
  is capped at `ECEI_MAX_BODY_BYTES` + `MAX_HEADER_BYTES` (414 or 431, read to the end).
- Shutdown: on SIGTERM (or Ctrl-C) the process first drains: `/readyz` answers 503 while
  requests in flight are still served; once none is left, or after
  `ECEI_SHUTDOWN_GRACE_SECONDS`, uvicorn stops listening and gives what remains the rest
  of the grace period before cancelling it. A second signal stops at once.
"""

from __future__ import annotations

import asyncio
import gc
import http
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE  # as uvicorn does
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http import h11_impl
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from api import tracing
from api.app import create_app
from api.export import ExportCutShort
from api.lifecycle import PROCESS
from api.logs import choose_format, log_config
from api.settings import Settings

__all__ = ["APP_FACTORY", "MAX_HEADER_BYTES", "ServerConfig", "create_app_from_env", "serve"]

APP_FACTORY = "api.server:create_app_from_env"
# Headers beyond the request line; the whole head may take `ECEI_MAX_BODY_BYTES` more, so
# that a URL as long as the longest body reaches the app and gets its 414 there.
MAX_HEADER_BYTES = 16 * 1024
# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms).
# Operations run on the execution thread (`api.execution`); the HTTP loop's thread waits
# for the GIL each time it wakes, so under a CPU-bound operation every cached answer and
# `/healthz` waited up to 5 ms per wake-up. With 1 ms, `scripts/attack.py`'s ordinary
# p99 under attack fell from about 25 to about 14 ms (README, "Under attack").
SWITCH_INTERVAL_SECONDS = 0.001
# Allocations (net of deallocations) between two collections of the garbage collector's
# youngest generation (CPython's default is 700). Every tenth collection of the middle one
# is a full collection, which walks every object younger than the start-up (`gc.freeze`)
# with the GIL held: under eight operations near the cost limit there were 25 in 12 s, of
# up to 95 ms each, and `/healthz` waited for them. With 10,000 there were two, `/healthz`
# p99 fell from 54-73 ms to 30-34 ms and those operations ran 25 % faster; each young
# collection walks at most 10,000 objects (a few milliseconds).
GC_YOUNG_THRESHOLD = 10_000
# How long a connection refused for its head keeps reading (and dropping) what comes.
LINGER_SECONDS = 2.0

logger = logging.getLogger("api.server")


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the header deadline, which uvicorn does not know; it is
    pickled to the workers with the rest."""

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_seconds = float(settings.header_timeout_seconds)
        self.max_head_bytes = settings.max_body_bytes + MAX_HEADER_BYTES


# A request body may come in at most this many pieces (chunks of a chunked body, or reads
# of the socket): h11 and uvicorn spend Python work on each, and uvicorn appends each to
# the body bytes, so a 60 kB body sent as 1-byte chunks held the event loop for a second,
# and four such clients `/healthz` for 3 s. A body of `ECEI_MAX_BODY_BYTES` (64 KiB) sent
# by any ordinary client comes in a few dozen pieces.
MAX_BODY_PIECES = 1024


class _PieceCountingConnection(h11.Connection):
    """h11's connection, refusing a request whose body comes in more than
    `MAX_BODY_PIECES` pieces as not valid HTTP (uvicorn answers it 400 and closes)."""

    pieces = 0

    def next_event(self) -> Any:
        event = super().next_event()
        if isinstance(event, h11.Data):
            self.pieces += 1
            if self.pieces > MAX_BODY_PIECES:
                raise h11.RemoteProtocolError(
                    f"the request body came in more than {MAX_BODY_PIECES} pieces"
                )
        elif isinstance(event, h11.Request | h11.EndOfMessage):
            self.pieces = 0
        return event


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline and a size limit on the request head.

    A client that opens a connection (or starts another request on it) and does not finish
    its headers in time is answered 408 and disconnected; uvicorn itself has no such
    deadline. A head longer than `max_head_bytes` is answered 414 (its request line is
    longer than the body limit, the app's own bound for a URL) or 431, and the rest of
    what the client sends is read and dropped for `LINGER_SECONDS` before the connection
    closes, so that the client reads the answer: closing a socket with unread data resets
    the connection instead (h11's own limit did that, and only when the head came in more
    than one piece).
    """

    header_timer: asyncio.TimerHandle | None = None
    head_bytes = 0
    head_tail = b""
    request_line_done = False
    request_line_bytes = 0
    refused = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        max_event = self.config.h11_max_incomplete_event_size
        self.conn = _PieceCountingConnection(
            h11.SERVER,
            max_event if max_event is not None else DEFAULT_MAX_INCOMPLETE_EVENT_SIZE,
        )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def _unsupported_upgrade_warning(self) -> None:
        # uvicorn adds advice to install a WebSocket library: this server serves none.
        self.logger.warning("Unsupported upgrade request.")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """A client that sent its whole request and then closed its sending side (a
        half-close, `shutdown(SHUT_WR)`) still reads the answer: the connection stays open
        until it is written, then closes. uvicorn let the transport close at once, and a
        request still running was answered into the void."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False
            return True
        return None

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # dropped until the client is done or the connection closes
        if self._between_requests():
            if self.header_timer is None:
                self._arm_header_timer()
            if self._head_too_long(data):
                self._refuse_head()
                return
        super().data_received(data)
        if not self._between_requests():
            self._disarm_header_timer()
            self.head_bytes, self.head_tail, self.request_line_done = 0, b"", False
            self.request_line_bytes = 0

    def _head_too_long(self, data: bytes) -> bool:
        """Counts the bytes of the head in `data` (up to its blank line)."""
        window = self.head_tail + data
        end = window.find(b"\r\n\r\n")
        self.head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self.head_tail))
        if not self.request_line_done:
            line_end = window.find(b"\r\n")
            self.request_line_done = line_end >= 0
            self.request_line_bytes += len(data) if line_end < 0 else line_end - len(self.head_tail)
        self.head_tail = window[-3:]
        limit: int = getattr(self.config, "max_head_bytes", MAX_HEADER_BYTES)
        return self.head_bytes > limit

    def _refuse_head(self) -> None:
        self.refused = True
        self._disarm_header_timer()
        limit: int = getattr(self.config, "max_head_bytes", MAX_HEADER_BYTES)
        if self.request_line_done and self.request_line_bytes <= limit - MAX_HEADER_BYTES:
            self._write_error(
                431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "The request headers are too long."
            )
        else:
            self._write_error(
                414, "URI_TOO_LONG", "The URL is too long; send the operation with POST."
            )
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _write_error(self, status: int, code: str, message: str) -> None:
        """A JSON error written raw (no request was parsed for h11 to answer), with the
        headers every answer carries, and `Connection: close`."""
        body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
        reason = http.HTTPStatus(status).phrase
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            "x-content-type-options: nosniff\r\ncache-control: no-store\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n{body}".encode()
        )

    def send_400_response(self, msg: str) -> None:
        """What h11 cannot parse (a malformed request line, a bad `Content-Length`): a JSON
        400 like every other refusal, where uvicorn answers in plain text."""
        self._write_error(400, "BAD_REQUEST", "The request is not valid HTTP/1.1.")
        self.transport.close()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        timeout: float = getattr(self.config, "header_timeout_seconds", 10.0)
        self.header_timer = self.loop.call_later(timeout, self._header_timeout)

    def _disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _header_timeout(self) -> None:
        self.header_timer = None
        if self.transport.is_closing() or not self._between_requests():
            return
        if self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            # Nothing of a request parsed yet: h11 cannot answer, so the bytes go raw.
            self._write_error(408, "REQUEST_TIMEOUT", "The request headers did not arrive in time.")
        self.transport.close()


async def _at_capacity(scope: Scope, receive: Receive, send: Send) -> None:
    """What a request gets while the process serves `ECEI_MAX_CONNECTIONS` already: a JSON
    503 with a code and the headers every answer carries, where uvicorn sends plain text.
    `/healthz` is still answered 200: the process is alive, and a supervisor that took a
    503 for a dead process would restart it for whoever fills its connections."""
    if scope.get("path") == "/healthz":
        await _send_json(send, 200, b'{"status":"ok"}', retry=False)
        return
    body = json.dumps(
        {
            "errors": [
                {
                    "message": "The server is at its connection limit; try again later.",
                    "extensions": {"code": "SERVICE_UNAVAILABLE"},
                }
            ]
        }
    ).encode()
    await _send_json(send, 503, body, retry=True)


async def _send_json(send: Send, status: int, body: bytes, *, retry: bool) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
        (b"vary", b"Accept"),
        (b"connection", b"close"),
    ]
    if retry:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _RateLimitedLog(logging.Filter):
    """uvicorn logs a warning for every request it refuses before the app (at the connection
    limit, not valid HTTP, an upgrade it ignores): a flood of them, one line each, from any
    client. Each kind passes at most once every `interval` seconds, in words of this
    server's, saying how many were left out."""

    KINDS: ClassVar[dict[str, str]] = {
        "Exceeded concurrency limit.": "at the connection limit (ECEI_MAX_CONNECTIONS): 503",
        "Invalid HTTP request received.": "not valid HTTP/1.1: 400",
        "Unsupported upgrade request.": "upgrade requests (WebSocket, h2c) ignored",
    }

    def __init__(self, interval: float = 10.0) -> None:
        super().__init__()
        self.interval = interval
        self.last: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        words = self.KINDS.get(message)
        if words is None:
            return True
        now = time.monotonic()
        last = self.last.get(message)
        if last is not None and now - last < self.interval:
            self.left_out[message] = self.left_out.get(message, 0) + 1
            return False
        left_out = self.left_out.pop(message, 0)
        more = f" ({left_out} more since the last report)" if left_out else ""
        record.msg, record.args = f"{words}{more}", ()
        self.last[message] = now
        return True


class _LoggedAlready(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application", with its traceback, for an
    exception raised only to abort a connection, whose cause was logged in one line
    (`api.export.ExportCutShort`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BaseExceptionGroup):  # from a task group that did not collapse
            _, others = exc.split(ExportCutShort)
            return others is not None
        return not isinstance(exc, ExportCutShort)


def create_app_from_env() -> ASGIApp:
    """The app for the settings in the environment: uvicorn's factory in every worker."""
    settings = Settings.from_env()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    setattr(h11_impl, "service_unavailable", _at_capacity)  # noqa: B010 (looked up at each refusal)
    uvicorn_log = logging.getLogger("uvicorn.error")
    for kind in (_RateLimitedLog, _LoggedAlready):
        if not any(isinstance(f, kind) for f in uvicorn_log.filters):
            uvicorn_log.addFilter(kind())
    tracing.start(os.environ)
    return _DrainOnSignal(create_app(settings), float(settings.shutdown_grace_seconds))


def _freezing_at_startup(send: Send) -> Send:
    """`send`, which once the app has started moves every object alive then (the schema,
    the modules, an embedded store's data) out of the garbage collector's reach
    (`gc.freeze`): a full collection then walks only what requests made since, where it
    walked everything, for tens to hundreds of milliseconds on the event loop; and makes
    collections rarer (`GC_YOUNG_THRESHOLD`)."""

    async def sending(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            gc.collect()
            gc.freeze()
            gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        await send(message)

    return sending


class _DrainOnSignal:
    """Puts the draining step in front of uvicorn's own SIGTERM/SIGINT handling.

    uvicorn installs its handlers (the `handle_exit` of its `Server`) before it starts the
    app's lifespan, in the main process and in each worker alike; this wrapper, on the
    lifespan's start, replaces them by one that drains first and then hands the signal to
    uvicorn (which restores the original handlers once it has stopped).
    """

    def __init__(self, app: ASGIApp, grace: float) -> None:
        self.app = app
        self.grace = grace
        self.tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self._install()
            await self.app(scope, receive, _freezing_at_startup(send))
            return
        await self.app(scope, receive, send)

    def _install(self) -> None:
        server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
        if not isinstance(server, uvicorn.Server):
            logger.warning("not run by uvicorn's server: SIGTERM stops without draining")
            return
        loop = asyncio.get_running_loop()

        async def drain(sig: int) -> None:
            deadline = time.monotonic() + self.grace
            while PROCESS.in_flight > 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            # What is left (a request still sending its body, say) gets the rest of the grace.
            server.config.timeout_graceful_shutdown = max(1, round(deadline - time.monotonic()))
            server.handle_exit(sig, None)

        def on_signal(sig: int, frame: FrameType | None) -> None:
            if PROCESS.draining:  # a second signal: stop now
                server.handle_exit(sig, frame)
                server.force_exit = True
                return
            PROCESS.draining = True
            logger.info("draining: /readyz answers 503, %d request(s) in flight", PROCESS.in_flight)
            loop.call_soon_threadsafe(lambda: self.tasks.add(loop.create_task(drain(sig))))

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)


def _config(settings: Settings, host: str, port: int, workers: int) -> ServerConfig:
    return ServerConfig(
        APP_FACTORY,
        factory=True,
        settings=settings,
        host=host,
        port=port,
        workers=workers,
        http=HeaderTimeoutProtocol,
        lifespan="on",
        # X-Forwarded-For only from the proxies named by ECEI_TRUSTED_PROXIES (none by
        # default): uvicorn then takes the last address in it that is not one of theirs.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        server_header=False,
        access_log=False,
        log_config=log_config(choose_format(settings.log_format)),
        timeout_keep_alive=settings.keep_alive_seconds,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        limit_concurrency=settings.max_connections,
        # A worker imports the schema and seeds the embedded store before it answers the
        # supervisor's pings: on a busy small machine that takes more than uvicorn's 5 s.
        timeout_worker_healthcheck=60,
        # h11 refuses a request head over its limit before the app could answer a long GET
        # with its JSON 414: room for a query string of the body limit, and headers.
        h11_max_incomplete_event_size=settings.max_body_bytes + MAX_HEADER_BYTES,
    )


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run the API until a signal stops it."""
    config = _config(settings, host, port, workers)
    if workers == 1:
        uvicorn.Server(config).run()
        return
    if settings.embedded:
        logger.warning(
            "%d workers on the embedded store: each worker holds its own copy of the data",
            workers,
        )
    owned_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        owned_dir = tempfile.mkdtemp(prefix="ecei-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = owned_dir
    else:  # figures of a previous run must not be added to this one's
        directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
    try:
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if owned_dir is not None:
            shutil.rmtree(owned_dir, ignore_errors=True)

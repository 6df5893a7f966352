"""The one place a database client is built.

With `MONGODB_URI` set, Motor connects to that server and nothing is seeded implicitly.
Without it, an in-process mongomock-motor store is created and the caller seeds it (see
`api.app`'s lifespan). Both return the same `schema.store.documents.Database` interface.

`aggregate_db` is the same database with `ECEI_READ_PREFERENCE` applied, for the aggregate
reads. Writes (`ecei seed`) use the write concern of the connection string: `w=majority`
on a replica set, as docker-compose.yml's does. On a real server every command is timed by
`api.commands.CommandTimer` (metrics, and spans when tracing is on).

Timeouts: the connection string's own `serverSelectionTimeoutMS`, `timeoutMS` and
`socketTimeoutMS` win; `ECEI_DB_TIMEOUT_MS` is the default for those it does not set. The
driver lets `timeoutMS` override `serverSelectionTimeoutMS`, so when the string sets only
the latter, operations are bounded by `socketTimeoutMS` rather than by `timeoutMS`.
`OUTAGES` are the driver's errors for a server that cannot be reached: a request that meets
one is answered 503 with `Retry-After` (`schema.guards.masking`, `api.view`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.errors import ConfigurationError, ConnectionFailure
from pymongo.read_preferences import make_read_preference, read_pref_mode_from_name
from pymongo.uri_parser import parse_uri

from api.commands import CommandTimer
from api.embedded import ThreadedDatabase, embedded_client, guarded
from api.settings import Settings
from schema.store.documents import Database

__all__ = ["OUTAGES", "Connection", "connect", "uri_options"]

# ServerSelectionTimeoutError, AutoReconnect and NetworkTimeout are all ConnectionFailures.
# A `mongodb+srv://` string is resolved in DNS at the first operation, not at start-up; a
# name that does not resolve (or a DNS server that does not answer) raises
# ConfigurationError then. The string's form is checked at start-up (`uri_options`), so
# at that point it means the database cannot be found: an outage, answered 503.
OUTAGES: tuple[type[BaseException], ...] = (ConnectionFailure, ConfigurationError)


def uri_options(uri: str) -> Mapping[str, Any]:
    """The options of connection string `uri` (keys case-insensitive), without resolving a
    `mongodb+srv://` host in DNS. Raises pymongo's `InvalidURI` or `ConfigurationError`, or
    a `ValueError`, for a malformed string (`api.settings` refuses those at start-up)."""
    if uri.startswith("mongodb+srv://"):
        uri = "mongodb://" + uri.removeprefix("mongodb+srv://")
    options: Mapping[str, Any] = parse_uri(uri)["options"]
    return options


@dataclass
class Connection:
    client: Any
    db: Database
    embedded: bool
    # The handle aggregates read through; None: `db` itself.
    aggregate_db: Database | None = None
    # Whether that handle may read a secondary, which can lag behind the last write.
    aggregates_may_lag: bool = False

    async def ping(self) -> None:
        """Raise if the server cannot be reached; instant for the embedded store."""
        await self.db.command("ping")

    def close(self) -> None:
        if self.embedded:
            self.db.close()  # the ThreadedDatabase's worker thread
        self.client.close()


def connect(settings: Settings) -> Connection:
    """Build the client for `settings`. Connecting is lazy: no I/O happens here."""
    if settings.mongodb_uri is None:
        client: Any = embedded_client()
        # Refusing commands over 16 MiB as a server would (`guarded`), and off the event
        # loop: mongomock does its work synchronously (`ThreadedDatabase`).
        db: Any = ThreadedDatabase(guarded(client[settings.db_name]))
        return Connection(client=client, db=db, embedded=True)

    # `timeoutMS` bounds every operation (PyMongo's client-side operation timeout): the
    # driver sends the remaining time as `maxTimeMS`, so the server gives up on a query
    # when the client does. Motor runs each operation on a thread of its pool, which the
    # request deadline cannot cancel; this timeout is what frees the thread. The
    # connection string's own timeouts win over ECEI_DB_TIMEOUT_MS.
    given = {key.lower() for key in uri_options(settings.mongodb_uri)}
    timeouts: dict[str, Any] = {}
    if "serverselectiontimeoutms" not in given:
        timeouts["serverSelectionTimeoutMS"] = settings.db_timeout_ms
    if not given & {"timeoutms", "serverselectiontimeoutms"}:
        timeouts["timeoutMS"] = settings.db_timeout_ms
    elif "timeoutms" not in given and "sockettimeoutms" not in given:
        # The driver's timeoutMS would override the string's serverSelectionTimeoutMS, so
        # operations are bounded by the socket timeout instead.
        timeouts["socketTimeoutMS"] = settings.db_timeout_ms
    client = _any_loop_client()(
        settings.mongodb_uri,
        maxPoolSize=settings.db_pool_size,
        tz_aware=False,
        appname="ecei-api",
        event_listeners=[CommandTimer()],
        **timeouts,
    )
    db = client[settings.db_name]
    aggregate_db = db.with_options(read_preference=read_preference(settings.read_preference))
    return Connection(
        client=client,
        db=db,
        embedded=False,
        aggregate_db=aggregate_db,
        aggregates_may_lag=settings.read_preference != "primary",
    )


def _any_loop_client() -> type[Any]:
    """Motor's client, made to run each call on the event loop it is made on.

    Motor binds a client to the first loop that uses it, though its work runs on a thread
    pool and PyMongo's client under it is thread-safe; the API uses the database from two
    loops (HTTP, and operations on `api.execution`'s thread), so the loop is looked up per
    call instead."""
    import asyncio

    from motor.motor_asyncio import AsyncIOMotorClient

    class AnyLoopMotorClient(AsyncIOMotorClient[Any]):
        @property
        def io_loop(self) -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

    return AnyLoopMotorClient


def read_preference(name: str) -> Any:
    """The PyMongo read preference of a connection-string mode name."""
    return make_read_preference(read_pref_mode_from_name(name), None)

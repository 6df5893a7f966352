"""The one place a database client is built.

With `MONGODB_URI` set, Motor connects to that server and nothing is seeded implicitly.
Without it, an in-process mongomock-motor store is created and the caller seeds it (see
`api.app`'s lifespan). Both return the same `schema.store.documents.Database` interface.

`aggregate_db` is the same database with `ECEI_READ_PREFERENCE` applied, for the aggregate
reads. Writes (`ecei seed`) use the write concern of the connection string: `w=majority`
on a replica set, as docker-compose.yml's does. On a real server every command is timed by
`api.commands.CommandTimer` (metrics, and spans when tracing is on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.read_preferences import make_read_preference, read_pref_mode_from_name

from api.commands import CommandTimer
from api.settings import Settings
from schema.store.documents import Database

__all__ = ["Connection", "connect"]


@dataclass
class Connection:
    client: Any
    db: Database
    embedded: bool
    # The handle aggregates read through; None: `db` itself.
    aggregate_db: Database | None = None

    async def ping(self) -> None:
        """Raise if the server cannot be reached; instant for the embedded store."""
        await self.db.command("ping")

    def close(self) -> None:
        self.client.close()


def connect(settings: Settings) -> Connection:
    """Build the client for `settings`. Connecting is lazy: no I/O happens here."""
    if settings.mongodb_uri is None:
        from mongomock_motor import AsyncMongoMockClient

        client: Any = AsyncMongoMockClient(tz_aware=False)
        return Connection(client=client, db=client[settings.db_name], embedded=True)

    from motor.motor_asyncio import AsyncIOMotorClient

    client = AsyncIOMotorClient(
        settings.mongodb_uri,
        serverSelectionTimeoutMS=settings.db_timeout_ms,
        timeoutMS=settings.db_timeout_ms,
        tz_aware=False,
        appname="ecei-api",
        event_listeners=[CommandTimer()],
    )
    db = client[settings.db_name]
    aggregate_db = db.with_options(read_preference=read_preference(settings.read_preference))
    return Connection(client=client, db=db, embedded=False, aggregate_db=aggregate_db)


def read_preference(name: str) -> Any:
    """The PyMongo read preference of a connection-string mode name."""
    return make_read_preference(read_pref_mode_from_name(name), None)

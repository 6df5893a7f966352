"""The one place a database client is built.

With `MONGODB_URI` set, Motor connects to that server and nothing is seeded implicitly.
Without it, an in-process mongomock-motor store is created and the caller seeds it (see
`api.app`'s lifespan). Both return the same `schema.store.documents.Database` interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.embedded import embedded_client, guarded
from api.settings import Settings
from schema.store.documents import Database

__all__ = ["Connection", "connect"]


@dataclass
class Connection:
    client: Any
    db: Database
    embedded: bool

    async def ping(self) -> None:
        """Raise if the server cannot be reached; instant for the embedded store."""
        await self.db.command("ping")

    def close(self) -> None:
        self.client.close()


def connect(settings: Settings) -> Connection:
    """Build the client for `settings`. Connecting is lazy: no I/O happens here."""
    if settings.mongodb_uri is None:
        client: Any = embedded_client()
        return Connection(client=client, db=guarded(client[settings.db_name]), embedded=True)

    from motor.motor_asyncio import AsyncIOMotorClient

    # `timeoutMS` bounds every operation (PyMongo's client-side operation timeout): the
    # driver sends the remaining time as `maxTimeMS`, so the server gives up on a query
    # when the client does. Motor runs each operation on a thread of its pool, which the
    # request deadline cannot cancel; this timeout is what frees the thread.
    client = AsyncIOMotorClient(
        settings.mongodb_uri,
        serverSelectionTimeoutMS=settings.db_timeout_ms,
        timeoutMS=settings.db_timeout_ms,
        maxPoolSize=settings.db_pool_size,
        tz_aware=False,
        appname="ecei-api",
    )
    return Connection(client=client, db=client[settings.db_name], embedded=False)

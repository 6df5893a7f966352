"""The data's generation: a number stored with the data that every write increases.

Whatever caches answers computed from the data (the API's response cache) keys them on the
generation, so a cached answer is never served for data that has changed since. The number
is the document `{"_id": "generation", "value": n}` of the `meta` collection, so every
process sharing the database sees it; it is absent (generation 0) until the first write.

Every writer calls `bump_generation` once its writes are done: the loader (`ecei seed` and
the embedded store's start-up seeding) and any future mutation. A write made without it is
invisible to caches until they are emptied. `bump_generation` also counts the bumps this
process made (`local_bumps`), so that a cache in the process that wrote needs no database
read to learn of its own writes.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from schema.store.documents import Database

__all__ = ["GENERATION_ID", "META", "bump_generation", "local_bumps", "read_generation"]

META = "meta"
GENERATION_ID = "generation"


class _BumpCounter:
    """Bumps made by this process; read often, written a few times a year."""

    value = 0


_bumps = _BumpCounter()


def local_bumps() -> int:
    """How many times this process has called `bump_generation`."""
    return _bumps.value


async def read_generation(db: Database) -> int:
    """The data's current generation (one `find_one` by `_id`)."""
    doc: dict[str, Any] | None = await db[META].find_one({"_id": GENERATION_ID})
    return int(doc["value"]) if doc is not None else 0


async def bump_generation(db: Database) -> int:
    """Increase the generation by one, atomically (`$inc`), and return the new value."""
    _bumps.value += 1
    doc: dict[str, Any] = await db[META].find_one_and_update(
        {"_id": GENERATION_ID},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return int(doc["value"])

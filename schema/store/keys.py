"""The `keys` collection: API keys, stored as hashes only.

One document per key: `_id` the key id (the visible part of `ecei_<id>_<secret>`), `name`,
`hash` (SHA-256 of the whole key, `schema.rules.access`), `scopes`, `createdAt`, and
`revokedAt` once revoked (by `schema.store.edits.plan_revoke_key`, applied as a mutation
with its audit entry). The key itself is never stored, logged or returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NotRequired, TypedDict

from pymongo.errors import DuplicateKeyError

from schema.rules.access import Principal, key_id_of, same_hash
from schema.store.documents import Database

__all__ = [
    "KEYS",
    "KeyDoc",
    "authenticate",
    "insert_key",
    "list_keys",
    "provision_keys",
]

KEYS = "keys"
# Compared against when the key id is unknown, so that an unknown id costs the same time
# as a wrong secret (the SHA-256 of nothing in particular).
_DUMMY_HASH = "0" * 64


class KeyDoc(TypedDict):
    _id: str
    name: str
    hash: str
    scopes: list[str]
    createdAt: datetime
    revokedAt: NotRequired[datetime | None]


async def insert_key(db: Database, doc: KeyDoc) -> None:
    await db[KEYS].insert_one(dict(doc))


async def provision_keys(db: Database, docs: Iterable[KeyDoc]) -> int:
    """Add keys that are not stored yet; a stored key (revoked or not) is left as it is,
    so a key revoked in the database stays revoked however often it is provisioned.
    Returns the number added."""
    added = 0
    for doc in docs:
        try:
            await db[KEYS].insert_one(dict(doc))
        except DuplicateKeyError:
            continue
        added += 1
    return added


async def list_keys(db: Database) -> list[KeyDoc]:
    return [doc async for doc in db[KEYS].find({}, {"hash": 0}).sort("createdAt", 1)]


async def authenticate(db: Database, key: str) -> Principal | None:
    """The principal of an active, well-formed `key`; None for any other text."""
    key_id = key_id_of(key)
    doc = await db[KEYS].find_one({"_id": key_id}) if key_id is not None else None
    valid = same_hash(key, doc["hash"] if doc else _DUMMY_HASH)
    if doc is None or not valid or doc.get("revokedAt") is not None:
        return None
    return Principal(key_id=doc["_id"], name=doc["name"], scopes=frozenset(doc["scopes"]))

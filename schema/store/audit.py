"""The `audit` collection: one entry per mutation, appended and never edited once done.

An entry records who (`keyId`, `keyName`), when (`at`, naive UTC), what (`mutation`,
`clientMutationId`), which object (`objectType`, `objectKey`) and its stored document
`before` and `after` (null for a creation / a removal). `schema.store.writes` inserts it
`pending`, with the planned writes (`ops`), before writing, and marks it `done` after; only
done entries are read. A mutation with a `clientMutationId` uses `{keyId}/{clientMutationId}`
as the entry's `_id`, which makes the entry the mutation's stored outcome: a retry finds it
and returns it (done), or resumes the planned writes (pending).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from schema.errors import BadUserInput
from schema.store.documents import Database

__all__ = ["AUDIT", "AuditDoc", "AuditPage", "page_audit"]

AUDIT = "audit"


class AuditDoc(TypedDict):
    _id: str
    state: Literal["pending", "done"]
    at: datetime
    keyId: str
    keyName: str
    mutation: str
    clientMutationId: str | None
    objectType: str
    objectKey: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ops: list[dict[str, Any]]
    cluster: NotRequired[str | None]  # whose label fields the writes change


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditDoc]
    cursors: list[str]
    has_next: bool


def _cursor(doc: AuditDoc) -> str:
    raw = json.dumps([doc["at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        at, key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        return datetime.fromisoformat(at), str(key)
    except (binascii.Error, ValueError, TypeError, UnicodeError):
        raise BadUserInput("after is not a cursor of auditLog") from None


async def page_audit(
    db: Database,
    *,
    first: int,
    after: str | None = None,
    object_ref: tuple[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """Done entries, newest first (`at`, then `_id`, both descending), one `find`."""
    match: dict[str, Any] = {"state": "done"}
    if object_ref is not None:
        match["objectType"], match["objectKey"] = object_ref
    bounds: dict[str, datetime] = {}
    if since is not None:
        bounds["$gte"] = since
    if until is not None:
        bounds["$lt"] = until
    if bounds:
        match["at"] = bounds
    if after is not None:
        at, key = _decode(after)
        match = {"$and": [match, {"$or": [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": key}}]}]}
    docs: list[AuditDoc] = [
        doc
        async for doc in db[AUDIT]
        .find(match, {"ops": 0})
        .sort([("at", -1), ("_id", -1)])
        .limit(first + 1)
    ]
    page = docs[:first]
    return AuditPage(page, [_cursor(doc) for doc in page], has_next=len(docs) > first)

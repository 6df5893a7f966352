"""Every write of the editing API: a plan checked against the rules, then applied safely.

A mutation runs in two steps. **Plan**: read what the write depends on, check the input
with the rules the loader uses (`schema.rules.editing`, `.places`, `.results`), and list
the writes (`ops`): inserts, compare-and-set updates and deletes. A refused plan raises
`Refused` with its `Problem`s and writes nothing. **Apply** (`apply`): record the audit
entry as `pending` with the plan, run the ops, derive the cluster's label fields
(`schema.store.labels.refresh_cluster_labels`, the one function every writer calls),
then mark the entry `done` with the object as it now is.

No lost updates: an update or delete names the `version` it was planned on and matches
`{_id, version}`; a document that moved meanwhile fails with VERSION_CONFLICT. Every write
raises `version` by one and stamps `lastMutation` (`{key id}/{clientMutationId}`).

Idempotent retries: with a `clientMutationId`, the audit entry's `_id` is
`{key id}/{clientMutationId}`. A retry finding it `done` gets the recorded outcome back and
writes nothing; finding it `pending` (the first attempt stopped midway), it resumes the
recorded plan, each op recognising its own earlier write by `lastMutation`.

Nothing half-written: on a server that supports transactions (a replica set or a sharded
cluster) the entry, the ops and the derivation run in one transaction, so readers see all
or nothing. The embedded store (mongomock) has none: the ops run in an order chosen so that
what a reader can see in between is repaired by a retry or by the next write to the same
cluster. A label is written before the cluster that embeds it (a new cluster is inserted
after its first label; a label change is followed by `refresh_cluster_labels`, which any
later write to the cluster runs again, as does a write refused after its first op), a
removed label leaves the cluster before its document goes, and a pending audit entry is
never listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

from pymongo.errors import DuplicateKeyError

from schema.rules.editing import (
    Problem,
    ProblemCode,
)
from schema.rules.limits import MAX_CLIENT_MUTATION_ID_CHARS
from schema.store.audit import AUDIT, AuditDoc
from schema.store.documents import (
    CLUSTERS,
    INTERVIEWS,
    LABELS,
    Database,
)
from schema.store.generation import bump_generation
from schema.store.keys import KEYS
from schema.store.labels import refresh_cluster_labels

__all__ = [
    "Actor",
    "Doc",
    "Outcome",
    "Plan",
    "Refused",
    "apply",
    "read_object",
    "refuse",
    "supports_transactions",
]

Doc = dict[str, Any]
_COLLECTIONS = {"Cluster": CLUSTERS, "Label": LABELS, "Interview": INTERVIEWS, "ApiKey": KEYS}
# What an object's stored document shows in an audit entry: a key's hash never.
_SHOWN: dict[str, dict[str, int] | None] = {"ApiKey": {"hash": 0}}


class Refused(Exception):
    """A write the rules refuse; nothing was written."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in problems))


def refuse(path: tuple[str, ...], message: str, code: ProblemCode = "INVALID") -> Refused:
    return Refused(Problem(path, message, code))


@dataclass(frozen=True)
class Actor:
    """Who writes: the API key's id and name."""

    key_id: str
    key_name: str


@dataclass
class Plan:
    """What a mutation will write. `ops` are plain documents (stored with the pending audit
    entry, for a retry to resume): `{"op": "insert", "collection", "doc"}`,
    `{"op": "update", "collection", "id", "version", "set", "unset"}`,
    `{"op": "delete", "collection", "id", "version"}`. An op may carry the `conflict`
    message its VERSION_CONFLICT gives (one on another object than the input's)."""

    object_type: str  # "Cluster", "Label", "Interview" or "ApiKey"
    object_key: str
    before: Doc | None
    ops: list[Doc]
    # The cluster written or whose labels or interviews are: its label fields are derived
    # again afterwards, so any write to a cluster repairs one an interrupted write left.
    cluster: str | None = None
    # Where each op's failure shows in the input, by position.
    paths: list[tuple[str, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What `apply` returns: the object after the write (None once removed), or the
    problems that stopped it; `replayed` when a retry returned the recorded outcome."""

    object_type: str | None = None
    object_key: str | None = None
    after: Doc | None = None
    cluster: str | None = None
    problems: list[Problem] = field(default_factory=list)
    replayed: bool = False


def _now() -> datetime:
    """Now in naive UTC, to the millisecond: what a BSON date holds."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _version_filter(key: str, version: int) -> Doc:
    # A document loaded before versions existed has none: it reads as version 0.
    return {"_id": key, "version": {"$in": [0, None]} if version == 0 else version}


_TRANSACTIONS: dict[int, bool] = {}


async def supports_transactions(db: Database) -> bool:
    """Whether the server runs multi-document transactions (a replica set or mongos);
    asked once per client. The embedded mongomock store has none."""
    client = db.client
    known = _TRANSACTIONS.get(id(client))
    if known is not None:
        return known
    try:
        hello = await db.command("hello")
    except NotImplementedError:  # mongomock: no `hello`, no sessions, no transactions
        supported = False
    else:
        supported = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
    _TRANSACTIONS[id(client)] = supported
    return supported


# --- apply ---------------------------------------------------------------------------------


async def apply(
    db: Database,
    actor: Actor,
    mutation: str,
    client_mutation_id: str | None,
    plan: Callable[[], Awaitable[Plan]],
) -> Outcome:
    """Plan and apply one mutation for `actor`, once per `client_mutation_id`."""
    if client_mutation_id is not None and len(client_mutation_id) > MAX_CLIENT_MUTATION_ID_CHARS:
        message = f"longer than {MAX_CLIENT_MUTATION_ID_CHARS} characters"
        return Outcome(problems=[Problem(("clientMutationId",), message)])
    marker = f"{actor.key_id}/{client_mutation_id}" if client_mutation_id else None
    entry = cast(AuditDoc | None, await db[AUDIT].find_one({"_id": marker}) if marker else None)
    if entry is not None and entry["mutation"] != mutation:
        message = f"clientMutationId was already used for {entry['mutation']}"
        return Outcome(
            problems=[Problem(("clientMutationId",), message, "CLIENT_MUTATION_ID_REUSED")]
        )
    if entry is not None and entry["state"] == "done":
        return _outcome(entry, replayed=True)
    if entry is None:
        try:
            planned = await plan()
        except Refused as refused:
            return Outcome(problems=refused.problems)
        entry = {
            "_id": marker or f"{actor.key_id}/{uuid4().hex}",
            "state": "pending",
            "at": _now(),
            "keyId": actor.key_id,
            "keyName": actor.key_name,
            "mutation": mutation,
            "clientMutationId": client_mutation_id,
            "objectType": planned.object_type,
            "objectKey": planned.object_key,
            "before": planned.before,
            "after": None,
            "ops": planned.ops,
            "cluster": planned.cluster,
        }
        resuming = False
    else:
        resuming = True
    try:
        if await supports_transactions(db):
            done = await _in_transaction(db, entry, marker, resuming)
        else:
            done = await _run(db, entry, marker, resuming, None)
    except Refused as refused:
        return Outcome(problems=refused.problems)
    except DuplicateKeyError:
        if resuming or marker is None:
            raise
        # The same retry arrived twice at once and the other one recorded its entry first:
        # this one now finds it, and answers with its outcome (or resumes it).
        return await apply(db, actor, mutation, client_mutation_id, plan)
    finally:
        # Answers cached by the API (`api.response_cache`) are keyed on the generation:
        # after any write attempt (a part of an interrupted one may be stored) none of the
        # older ones is served again.
        await bump_generation(db)
    return _outcome(done, replayed=False)


def _outcome(entry: AuditDoc, *, replayed: bool) -> Outcome:
    return Outcome(
        object_type=entry["objectType"],
        object_key=entry["objectKey"],
        after=entry["after"],
        cluster=entry.get("cluster"),
        replayed=replayed,
    )


async def _in_transaction(
    db: Database, entry: AuditDoc, marker: str | None, resuming: bool
) -> AuditDoc:
    result: list[AuditDoc] = []

    async def body(session: Any) -> None:
        result[:] = [await _run(db, entry, marker, resuming, session)]

    async with await db.client.start_session() as session:
        await session.with_transaction(body)
    return result[0]


async def _run(
    db: Database, entry: AuditDoc, marker: str | None, resuming: bool, session: Any
) -> AuditDoc:
    if not resuming:
        await db[AUDIT].insert_one(dict(entry), session=session)
    cluster = entry.get("cluster")
    applied = 0
    try:
        for op in entry["ops"]:
            await _op(db, op, marker, resuming, session)
            applied += 1
    except Refused:
        if applied == 0 and not resuming and session is None:
            # Nothing was written: the entry records nothing that happened.
            await db[AUDIT].delete_one({"_id": entry["_id"], "state": "pending"})
        elif session is None and cluster is not None:
            # Refused after a first write (a transaction would roll it back): the cluster
            # shows again what its labels are.
            await refresh_cluster_labels(db, cluster)
        raise
    if cluster is not None:
        await refresh_cluster_labels(db, cluster, session=session)
    object_type = entry["objectType"]
    after = await db[_COLLECTIONS[object_type]].find_one(
        {"_id": entry["objectKey"]}, _SHOWN.get(object_type), session=session
    )
    await db[AUDIT].update_one(
        {"_id": entry["_id"]}, {"$set": {"state": "done", "after": after}}, session=session
    )
    return {**entry, "state": "done", "after": after}


async def _op(db: Database, op: Doc, marker: str | None, resuming: bool, session: Any) -> None:
    collection = db[op["collection"]]
    if op["op"] == "insert":
        doc = {**op["doc"], **({"lastMutation": marker} if marker else {})}
        try:
            await collection.insert_one(doc, session=session)
        except DuplicateKeyError:
            existing = await collection.find_one({"_id": doc["_id"]}, session=session)
            if marker and existing is not None and existing.get("lastMutation") == marker:
                return  # our own write, from the attempt this one resumes
            raise refuse(tuple(op["path"]), op["taken"], "ALREADY_EXISTS") from None
        return
    if op["op"] == "update":
        stamp = {"lastMutation": marker} if marker else {}
        change: Doc = {"$set": {**op["set"], **stamp}, "$inc": {"version": 1}}
        if op.get("unset"):
            change["$unset"] = dict.fromkeys(op["unset"], "")
        try:
            result = await collection.update_one(
                _version_filter(op["id"], op["version"]), change, session=session
            )
        except DuplicateKeyError:
            raise refuse(tuple(op["path"]), op["taken"], "ALREADY_EXISTS") from None
        if result.matched_count == 1:
            return
        existing = await collection.find_one({"_id": op["id"]}, session=session)
        if (
            marker
            and existing is not None
            and existing.get("lastMutation") == marker
            and existing.get("version", 0) == op["version"] + 1
        ):
            return
        raise _conflict(op, existing)
    deleted = await collection.delete_one(_version_filter(op["id"], op["version"]), session=session)
    if deleted.deleted_count == 1:
        return
    existing = await collection.find_one({"_id": op["id"]}, session=session)
    if existing is None and resuming:
        return
    raise _conflict(op, existing)


def _conflict(op: Doc, existing: Doc | None) -> Refused:
    now = "it was removed" if existing is None else f"it is at version {existing.get('version', 0)}"
    message = op.get("conflict") or (
        f"the object changed since version {op['version']}: {now}; read it again and retry"
    )
    return refuse(("expectedVersion",), message, "VERSION_CONFLICT")


async def read_object(db: Database, object_type: str, key: str) -> Doc | None:
    """The stored document of a `Cluster`, `Label`, `Interview` or `ApiKey` (without its
    hash), read afresh."""
    found: Doc | None = await db[_COLLECTIONS[object_type]].find_one(
        {"_id": key}, _SHOWN.get(object_type)
    )
    return found

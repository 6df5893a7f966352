"""A cluster's label fields, derived from its label history, in one place.

`derive_cluster_fields` is the one mapping from a label history to what a cluster document
embeds about it: the current `label` (the latest awarded) and the whole `history`, each
label with the last day it is in force (`schema.store.documents.embedded_labels`), every
entry carrying its label document's `version`. The loader builds its
cluster documents with it, and `refresh_cluster_labels`, which every mutation calls after
touching a cluster or its labels, reads the cluster's labels, recomputes their inferred
award dates (`infer_awards`) and `$set`s its result, raising the cluster's `version` when
that changes what the cluster shows (a client holding the older version then gets
VERSION_CONFLICT on an update of the cluster). Calling it again changes nothing, so
it repairs a cluster left stale by a write interrupted between the labels and the
cluster: the next write to the cluster, or a retry, converges. A change to what a cluster
embeds about its labels belongs in `derive_cluster_fields` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from schema.rules.labels import in_force_order, inferred_award_date
from schema.store.documents import (
    CLUSTERS,
    LABELS,
    CurrentLabel,
    Database,
    HistoryLabel,
    LabelDoc,
    award,
    embedded_labels,
    to_stored,
)

__all__ = [
    "derive_cluster_fields",
    "infer_awards",
    "refresh_cluster_labels",
]

# Rounds of "derive, write, check" before giving up on a history that keeps changing.
_ROUNDS = 3


def infer_awards(docs: Iterable[LabelDoc]) -> list[LabelDoc]:
    """The history, oldest end first, with each inferred award date recomputed from the
    labels before it (a Bronze label after an earlier Bronze one is a renewal). Published
    award dates (`awardedOnInferred` false, e.g. given by an editor) are kept."""
    ordered = sorted(docs, key=lambda doc: doc["validUntil"])
    result: list[LabelDoc] = []
    for doc in ordered:
        if doc["awardedOnInferred"]:
            end = doc["validUntil"].date()
            renewal = any(
                earlier["level"] == "BRONZE" and earlier["validUntil"] < doc["validUntil"]
                for earlier in ordered
            )
            award = inferred_award_date(doc["level"], end, renewal=renewal)
            doc = {**doc, "awardedOn": to_stored(award)}
        result.append(doc)
    return result


def derive_cluster_fields(docs: Sequence[LabelDoc]) -> dict[str, Any]:
    """The fields a cluster document derives from its label history (award dates already
    inferred): `label` and `history` as `embedded_labels` makes them, each with its label's
    `version`; empty for no history. A new derived field is added here, and nowhere else."""
    if not docs:
        return {}
    label, history = embedded_labels(docs)
    # embedded_labels orders the history by `in_force_order` with a stable sort: the same
    # order as here, so entries and documents pair up.
    ordered = sorted(docs, key=lambda doc: in_force_order(award(doc)))
    versioned: list[HistoryLabel] = [
        {**entry, "version": doc.get("version", 0)}
        for entry, doc in zip(history, ordered, strict=True)
    ]
    current: CurrentLabel = {**label, "version": ordered[-1].get("version", 0)}
    return {"label": current, "history": versioned}


async def refresh_cluster_labels(db: Database, cluster: str, *, session: Any = None) -> None:
    """Recompute `cluster`'s inferred award dates and its derived label fields from the
    labels collection, writing only what differs; a change of the cluster's fields raises
    its `version` by one. A cluster without labels keeps its fields (a write never removes
    a cluster's last label)."""
    for _ in range(_ROUNDS):
        stored = [doc async for doc in db[LABELS].find({"cluster": cluster}, session=session)]
        derived = infer_awards(stored)
        by_id = {doc["_id"]: doc for doc in stored}
        for doc in derived:
            if doc != by_id[doc["_id"]]:
                await db[LABELS].update_one(
                    {"_id": doc["_id"]}, {"$set": {"awardedOn": doc["awardedOn"]}}, session=session
                )
        fields = derive_cluster_fields(derived)
        if not fields:
            return
        shown = await db[CLUSTERS].find_one(
            {"_id": cluster}, dict.fromkeys(fields, 1), session=session
        )
        if shown is not None and any(shown.get(name) != value for name, value in fields.items()):
            await db[CLUSTERS].update_one(
                {"_id": cluster}, {"$set": fields, "$inc": {"version": 1}}, session=session
            )
        # Another writer may have changed the history meanwhile: derive again until stable.
        again = [doc async for doc in db[LABELS].find({"cluster": cluster}, session=session)]
        if sorted(map(_key, again)) == sorted(map(_key, derived)):
            return


def _key(doc: LabelDoc) -> tuple[str, int, Any]:
    return doc["_id"], doc.get("version", 0), doc["awardedOn"]

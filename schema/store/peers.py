"""Peer groups for `Cluster.benchmark`: the latest interviews of a portfolio (or of every
cluster), read for the maths of `schema.rules.ratings`.

`load_peer_groups` is a DataLoader batch function: the catalogue and one pipeline per
sample setting, whatever the number of clusters and peer groups asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from schema.rules.ratings import LatestResults, Peers
from schema.store.documents import Database
from schema.store.indicators import list_indicators
from schema.store.interviews import latest_interviews

__all__ = ["ALL", "PeerKey", "load_peer_groups"]

ALL = "ALL"

# A peer group: ("ALL", None) or ("PORTFOLIO", slug); plus whether sample interviews count.
PeerKey = tuple[str, str | None, bool]


async def load_peer_groups(db: Database, keys: Sequence[PeerKey]) -> list[Peers]:
    """DataLoader batch function: every requested peer group in at most three round trips.

    One pipeline fetches the latest interviews of every cluster in any requested portfolio
    (or of all clusters when ALL is asked), per sample setting; the catalogue is the other.
    """
    catalogue = {(doc["catalogueVersion"], doc["code"]): doc for doc in await list_indicators(db)}
    fetched: dict[bool, list[LatestResults]] = {}
    for include_sample in sorted({key[2] for key in keys}):
        wanted = [key for key in keys if key[2] == include_sample]
        slugs = sorted({slug for kind, slug, _ in wanted if kind != ALL and slug is not None})
        match = {} if any(kind == ALL for kind, _, _ in wanted) else {"portfolio": {"$in": slugs}}
        fetched[include_sample] = await latest_interviews(db, match, include_sample=include_sample)
    groups = []
    for kind, slug, include_sample in keys:
        members = {
            m.cluster: m for m in fetched[include_sample] if kind == ALL or m.portfolio == slug
        }
        groups.append(Peers(members=members, catalogue=catalogue))
    return groups

"""Opaque global IDs: base64 of `Type:key`. Clients must never parse them.

Decoding never raises: an ID that is not ours, or names a type that is not a node, reads
as "no such object" (null), exactly like a well-formed ID whose object does not exist.
"""

from __future__ import annotations

import base64
import binascii

from schema.rules.limits import MAX_GLOBAL_ID_LENGTH

__all__ = ["AUDITED_TYPES", "NODE_TYPES", "from_global_id", "to_global_id"]

NODE_TYPES = frozenset({"Cluster", "Portfolio", "Label", "Indicator", "Interview"})
# What an audit entry's `objectId` may name: the nodes a mutation writes, and API keys
# (`revokeApiKey`), which are no nodes.
AUDITED_TYPES = frozenset({"Cluster", "Label", "Interview", "ApiKey"})


def to_global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def from_global_id(global_id: str, types: frozenset[str] = NODE_TYPES) -> tuple[str, str] | None:
    """`(type, key)` of an ID, or None when it is not a well-formed ID of one of `types`
    (the node types unless said otherwise)."""
    if len(global_id) > MAX_GLOBAL_ID_LENGTH:
        return None
    try:
        text = base64.b64decode(global_id, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, key = text.partition(":")
    if not sep or not key or type_name not in types:
        return None
    return type_name, key

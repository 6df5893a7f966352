"""API keys and their scopes: the key format, its hash, and what a caller may do.

A key is `ecei_<id>_<secret>`: `id` (12 hex digits) names the key in lists, logs and the
audit trail; `secret` is 32 random bytes (43 URL-safe base64 characters). Only the SHA-256
of the whole key is stored: the key has 256 bits of entropy, so a plain hash cannot be
reversed by guessing, and a stolen `keys` collection gives no usable key. Hashes are
compared with `hmac.compare_digest` (constant time).

| scope              | lets the caller                                                  |
|--------------------|------------------------------------------------------------------|
| `results:read`     | read the individual results of real (confidential) interviews   |
| `directory:write`  | create and edit clusters, award, correct and remove labels       |
| `interviews:write` | record and remove interviews                                     |
| `audit:read`       | read the audit trail (`auditLog`)                                |
| `keys:admin`       | list and revoke API keys (`apiKeys`, `revokeApiKey`)             |
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "KEY_PREFIX",
    "SCOPES",
    "Principal",
    "Scope",
    "hash_key",
    "key_id_of",
    "new_key",
    "same_hash",
]

Scope = Literal["results:read", "directory:write", "interviews:write", "audit:read", "keys:admin"]
SCOPES: tuple[Scope, ...] = (
    "results:read",
    "directory:write",
    "interviews:write",
    "audit:read",
    "keys:admin",
)
KEY_PREFIX = "ecei"
_KEY = re.compile(rf"{KEY_PREFIX}_(?P<id>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{43}})")


@dataclass(frozen=True)
class Principal:
    """The caller behind a valid key: the key's id and name, and its scopes."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def may(self, scope: Scope) -> bool:
        return scope in self.scopes


def new_key() -> tuple[str, str]:
    """A fresh `(key id, whole key)`; the key is shown once and never stored."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """The id of a well-formed key, or None (the text is never echoed anywhere)."""
    found = _KEY.fullmatch(key)
    return found["id"] if found else None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def same_hash(key: str, stored_hash: str) -> bool:
    """Whether `key` hashes to `stored_hash`, compared in constant time."""
    return hmac.compare_digest(hash_key(key).encode("ascii"), stored_hash.encode("ascii"))

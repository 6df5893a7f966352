"""Automatic persisted queries, the Apollo "APQ" protocol, so that clients can send a hash
instead of the whole document and run queries over cacheable GET requests.

A request whose `extensions` carry `{"persistedQuery": {"version": 1, "sha256Hash": H}}`:

- with a `query`: the query must hash to H (else 400); it is remembered under H and run;
- without one: the query remembered under H is run, or, when none is, the response is
  the GraphQL error `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND, HTTP 200),
  on which a client sends the query once more with its hash.

Queries are remembered in this process only, the least recently used dropped beyond
`PersistedQueries.max_entries`: a restart or another replica simply costs each client one
more round with the full query.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import replace

from cross_web import HTTPException
from strawberry.http import GraphQLRequestData

from api.metrics import PERSISTED_QUERIES

__all__ = ["NOT_FOUND", "PersistedQueries", "PersistedQueryNotFound"]

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(Exception):
    """The hash names no query this process remembers; the client should send it."""


class PersistedQueries:
    def __init__(self, max_entries: int = 1000) -> None:
        self.max_entries = max_entries
        self._queries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._queries)

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """`request` with its query filled in from, or remembered in, the store.

        Raises `PersistedQueryNotFound`, or `HTTPException(400)` for a malformed
        extension or a query that does not match its hash.
        """
        extension = (request.extensions or {}).get("persistedQuery")
        if extension is None:
            return request
        if not isinstance(extension, dict) or extension.get("version") != 1:
            raise HTTPException(400, "persistedQuery: only version 1 is supported")
        digest = extension.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise HTTPException(400, "persistedQuery: sha256Hash must be 64 lowercase hex digits")
        if request.query is not None:
            if hashlib.sha256(request.query.encode("utf-8")).hexdigest() != digest:
                raise HTTPException(400, "persistedQuery: sha256Hash does not match the query")
            self._remember(digest, request.query)
            PERSISTED_QUERIES.labels("registered").inc()
            return request
        query = self._queries.get(digest)
        if query is None:
            PERSISTED_QUERIES.labels("miss").inc()
            raise PersistedQueryNotFound
        PERSISTED_QUERIES.labels("hit").inc()
        self._queries.move_to_end(digest)
        return replace(request, query=query)

    def known(self, extension: object) -> str | None:
        """The query remembered for a well-formed `{"persistedQuery": …}` extension, or None.
        Raises nothing: `resolve` reports what is wrong."""
        entry = extension.get("persistedQuery") if isinstance(extension, dict) else None
        if not isinstance(entry, dict) or entry.get("version") != 1:
            return None
        digest = entry.get("sha256Hash")
        return self._queries.get(digest) if isinstance(digest, str) else None

    def _remember(self, digest: str, query: str) -> None:
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        while len(self._queries) > self.max_entries:
            self._queries.popitem(last=False)

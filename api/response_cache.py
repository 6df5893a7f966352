"""The response cache: whole answers of repeated queries, never stale.

The data changes a few times a year (a load, an edit) while front-ends ask the same
questions all day, so the answer to a query is kept and served again as long as nothing it
depends on has changed. An answer is stored under a key made of

- the normalised document (parsed and printed again: spacing, commas and comments do not
  matter),
- the variables, the operation name,
- the server's "today" (the default `asOf` of every date-dependent field),
- the caller's access scope (`PUBLIC_SCOPE`, for a request without credentials: a request
  with an `Authorization` header is not cached at all until access scopes exist),
- and the data's generation (`schema.store.generation`), which every writer increases.

Identical requests that arrive while the first of them runs wait for its answer instead
of running the operation again (a burst after a write runs it once).

A write therefore makes every older key unreachable: the cache is emptied when the
generation moves. A process reads the generation at most once every `check_seconds`
(`ECEI_CACHE_CHECK_SECONDS`), which bounds how long it may serve an answer from before
another process's write; a write made by this process (`local_bumps`) is seen at once.

Only successful queries are stored: never an answer with an error (a refused or
over-budget operation included), a mutation, a subscription, or an introspection query.
Entries are bounded by their bytes (`ECEI_RESPONSE_CACHE_BYTES`), the least recently used
dropped first; 0 bytes turns the cache off.

`extensions.cache` tells a client which: `HIT` (served from the cache), `MISS` (run, and
stored: the next identical request hits) or `BYPASS` (run, and not stored: an answer with
an error, a mutation, a request with credentials, an answer reading `rateLimit`...).

`CacheKey.etag` is an entity tag for the answer a key names (weak: a hit and a miss differ
in `extensions.cache`), known before the operation runs. It is the ETag of a MISS and of
every HIT after it (`api.view`), so a client holding the first one revalidates against the
stored answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    print_ast,
    visit,
)

from schema.guards.documents import THREADED_DOCUMENT_CHARS, parse_document
from schema.offload import offload
from schema.rules.limits import MAX_TOKENS
from schema.store.documents import Database
from schema.store.generation import local_bumps, read_generation
from schema.types.context import today_utc

__all__ = ["PUBLIC_SCOPE", "CacheKey", "Generation", "ResponseCache"]

PUBLIC_SCOPE = "public"
# Counted against the byte budget for each entry besides its body: key, list links.
_ENTRY_OVERHEAD = 256
# Distinct query texts whose normal form is remembered; each costs one parse.
_NORMAL_FORMS = 2048


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Where the answer to one request is stored; `today` is the date its key assumed,
    which the request must then use as its default `asOf`."""

    digest: str
    generation: int
    today: date

    @property
    def etag(self) -> str:
        return f'W/"{self.digest[:32]}"'


class Generation:
    """The data's generation as this process knows it, read from the database at most twice
    per `check_seconds` (and at once after a write of this process). Concurrent requests
    share one read.

    A value is used for `check_seconds` from the moment its read started. Past half of
    that, the next request starts the next read in the background and is answered with the
    value still valid, so that under steady traffic no request waits for the read; only a
    request arriving when no valid value is left waits.

    `private`: no other process writes to this database (the embedded store, which lives
    in this process): a value read stays valid until this process writes, however old.
    Otherwise, behind a burst of slow store calls (eight CSV exports filtering on long `or`
    lists), the timed read queued behind them and every cached answer waited for it, over
    a second."""

    def __init__(
        self,
        check_seconds: float,
        *,
        private: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_seconds = math.inf if private else check_seconds
        self.clock = clock
        self.reads = 0
        self._value: int | None = None
        self._checked = 0.0
        self._bumps = -1
        self._pending: asyncio.Future[int] | None = None

    async def current(self, db: Database) -> int:
        age = self.clock() - self._checked
        valid = (
            self._value is not None and self._bumps == local_bumps() and age < self.check_seconds
        )
        if self._pending is None and (not valid or age >= self.check_seconds / 2):
            self._pending = asyncio.ensure_future(self._read(db))
            self._pending.add_done_callback(_retrieve)  # a failure is reported when awaited
        if valid:
            assert self._value is not None
            return self._value
        assert self._pending is not None
        return await asyncio.shield(self._pending)

    async def _read(self, db: Database) -> int:
        # Taken before the read: a write during it is seen by the next request.
        bumps, now = local_bumps(), self.clock()
        try:
            value = await read_generation(db)
        finally:
            self._pending = None
        self.reads += 1
        self._value, self._checked, self._bumps = value, now, bumps
        return value


def _retrieve(read: asyncio.Future[int]) -> None:
    """Marks a read's failure as seen: a read started in the background may have nobody
    awaiting it, and its error is met again by the next read that a request waits for."""
    if not read.cancelled():
        read.exception()


def _text_key(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class _Normal:
    """A query text's normal form, and whether answers to it may be stored."""

    digest: bytes
    cacheable: bool


class _Uncacheable(Visitor):
    """Finds what makes a document's answers unfit to store."""

    found = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        if node.operation is not OperationType.QUERY:
            self.found = True

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.found = True


def _normal_form(query: str, parsed: DocumentNode | GraphQLError | None = None) -> _Normal | None:
    """The normal form of `query` (`parsed` when the caller parsed it already), or None
    when it does not parse (never stored)."""
    if isinstance(parsed, GraphQLError):
        return None
    document = parsed
    if document is None:
        try:
            document = parse_document(query, no_location=True, max_tokens=MAX_TOKENS)
        except GraphQLError:
            return None
    finder = _Uncacheable()
    visit(document, finder)
    printed = print_ast(document).encode("utf-8")
    return _Normal(hashlib.sha256(printed).digest(), cacheable=not finder.found)


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes  # the whole answer of a hit, `extensions.cache` saying HIT
    cost: int | None  # its `extensions.cost.requestedNodes`, for the request log


class ResponseCache:
    """Whole answers by `CacheKey`, bounded by `max_bytes` (see the module docstring)."""

    def __init__(
        self,
        max_bytes: int,
        generation: Generation,
        *,
        today: Callable[[], date] = today_utc,
    ) -> None:
        self.max_bytes = max_bytes
        self.generation = generation
        self.today = today
        self.hits = 0
        self.misses = 0
        self.size = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation: int | None = None
        self._normal: OrderedDict[str, _Normal | None] = OrderedDict()
        self._running: dict[str, asyncio.Event] = {}

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    async def key(
        self,
        db: Database,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        *,
        scope: str = PUBLIC_SCOPE,
        parsed: DocumentNode | GraphQLError | None = None,
    ) -> CacheKey | None:
        """The key of a request, or None when its answer must not be stored. `parsed`: the
        query's document (or syntax error) when the caller has it, to save a parse."""
        if not self.enabled:
            return None
        normal = await self._normal_of(query, parsed)
        if normal is None or not normal.cacheable:
            return None
        try:
            encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # not plain JSON: cannot be told apart reliably
            return None
        generation = await self.generation.current(db)
        if generation != self._generation:
            self._clear()
            self._generation = generation
        today = self.today()
        digest = hashlib.sha256(normal.digest)
        for part in (encoded, (operation_name or "").encode(), today.isoformat().encode()):
            digest.update(b"\0")
            digest.update(part)
        digest.update(b"\0" + scope.encode() + b"\0" + str(generation).encode())
        return CacheKey(digest.hexdigest(), generation, today)

    def get(self, key: CacheKey) -> bytes | None:
        """The stored answer for `key` (counted as a hit), or None (counted as a miss)."""
        entry = self._entries.get(key.digest)
        if entry is None or key.generation != self._generation:
            self.misses += 1
            return None
        self._entries.move_to_end(key.digest)
        self.hits += 1
        return entry.body

    async def fetch(self, key: CacheKey) -> tuple[bytes | None, bool]:
        """The stored answer for `key`, and whether the caller must `finish` the key.

        When an identical request is running, waits for it and takes its answer, so that
        a burst of the same query after a write runs the operation once. Otherwise a miss
        makes the caller the one running it: it must call `finish(key)` when done,
        whether or not it stored an answer.
        """
        running = self._running.get(key.digest)
        if running is not None and key.digest not in self._entries:
            await running.wait()
            return self.get(key), False
        body = self.get(key)
        if body is not None:
            return body, False
        self._running[key.digest] = asyncio.Event()
        return None, True

    def finish(self, key: CacheKey) -> None:
        """Wake the requests waiting for the answer to `key` (see `fetch`)."""
        running = self._running.pop(key.digest, None)
        if running is not None:
            running.set()

    def cost_of(self, key: CacheKey) -> int | None:
        """The cost recorded with the answer stored for `key`, if any."""
        entry = self._entries.get(key.digest)
        return entry.cost if entry is not None else None

    def put(self, key: CacheKey, data: object, extensions: Mapping[str, Any]) -> bool:
        """Store the successful answer `{"data": data, "extensions": extensions}`; whether
        the cache now holds an answer for `key` (False: written meanwhile, or too large)."""
        if key.digest in self._entries and key.generation == self._generation:
            return True
        if key.generation != self._generation:
            return False  # written meanwhile: the answer may be older than the data
        body = orjson.dumps({"data": data, "extensions": {**extensions, "cache": "HIT"}})
        cost = len(body) + _ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return False
        requested = (extensions.get("cost") or {}).get("requestedNodes")
        self._entries[key.digest] = _Entry(body, requested if isinstance(requested, int) else None)
        self.size += cost
        while self.size > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped.body) + _ENTRY_OVERHEAD
        return True

    def _clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def knows(self, query: str) -> bool:
        """Whether `query`'s normal form is at hand (no parse needed to key it)."""
        return _text_key(query) in self._normal

    async def _normal_of(
        self, query: str, parsed: DocumentNode | GraphQLError | None
    ) -> _Normal | None:
        text_key = _text_key(query)
        if text_key in self._normal:
            self._normal.move_to_end(text_key)
            return self._normal[text_key]
        if len(query) >= THREADED_DOCUMENT_CHARS:  # the work would hold the event loop
            normal = await offload(_normal_form, query, parsed)
        else:
            normal = _normal_form(query, parsed)
        self._normal[text_key] = normal
        if len(self._normal) > _NORMAL_FORMS:
            self._normal.popitem(last=False)
        return normal

"""HTTP caching of GraphQL answers, for CDNs and browsers.

A query sent with GET (`?query=…`, or a persisted query's hash) names its whole answer in
the URL, so a shared cache can keep it. What each answer of `/graphql` says:

| answer | `Cache-Control` | `ETag`, 304 |
|---|---|---|
| GET, 200, no error, no credentials | `public, max-age=N` (`ECEI_CACHE_MAX_AGE`) | yes |
| the GraphiQL page | `no-cache` (kept, revalidated on each use) | yes |
| anything with an error (PERSISTED_QUERY_NOT_FOUND included) | `no-store` | no |
| a request carrying credentials (`Authorization`, cookies), whatever it asks | `no-store` | no |
| an answer with one client's figures (the `rateLimit` field) | `no-store` | no |
| POST | `no-store` | no |

The ETag of an answer the response cache holds (a MISS it stored, a HIT) is the weak
`CacheKey.etag` of the request (`api.response_cache`), the same for the MISS and every HIT
after it, whose bodies differ only in `extensions.cache`; any other is strong, a hash of the
exact body bytes (the same query gives byte-identical JSON). A matching `If-None-Match`
gets `304 Not Modified` with no body: the operation still runs (unless the cache answers
it), the answer is not sent again. Every answer varies on `Accept` (it picks the media type,
or GraphiQL) and on `Authorization` (an answer for one key is never served for another).
A shareable answer carries no `extensions.rateLimit`: those are the figures of one client.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers
from starlette.responses import Response

__all__ = [
    "VARY",
    "carries_credentials",
    "etag_of",
    "matches",
    "public",
    "revalidated",
]

VARY = "Accept, Authorization"


def public(max_age: int) -> str:
    return f"public, max-age={max_age}"


def carries_credentials(headers: Headers) -> bool:
    """True when the request may be answered for one client only: it sends an
    `Authorization` header or cookies."""
    return "authorization" in headers or "cookie" in headers


def etag_of(body: bytes) -> str:
    """A strong entity tag: the first 128 bits of the body's SHA-256, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header matches `etag`: `*`, or one of its comma-separated
    tags compared weakly (a `W/` prefix ignored on either side), as RFC 9110 asks for this
    header."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    opaque = etag.removeprefix("W/")
    return "*" in tags or opaque in (t.removeprefix("W/") for t in tags)


def revalidated(
    request_headers: Headers, response: Response, cache_control: str, etag: str | None = None
) -> Response:
    """`response` with `cache_control` and its ETag (`etag`, else the hash of its body), or a
    304 when the client already has that answer."""
    etag = etag or etag_of(bytes(response.body))
    if matches(request_headers.get("if-none-match"), etag):
        headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": VARY}
        return Response(status_code=304, headers=headers)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    return response

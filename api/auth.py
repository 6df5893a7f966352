"""Who is calling: the API key of `Authorization: Bearer <key>`, checked on every request.

No `Authorization` header: an anonymous caller, with today's public read access. A header
that is not `Bearer <key>`, or a key that is unknown, revoked or malformed: HTTP 401 with
code UNAUTHENTICATED, before any GraphQL runs; the answer never says which of these it was,
and neither the key nor its hash is logged or echoed. The key is checked against its
stored hash in constant time (`schema.rules.access.same_hash`).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from api.http_errors import HTTPError
from schema.rules.access import Principal
from schema.store.documents import Database
from schema.store.keys import authenticate

__all__ = ["caller", "client_of"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ecei"'}
_REFUSED = "the API key is not valid: send an active key as `Authorization: Bearer <key>`"


async def caller(request: HTTPConnection, db: Database) -> Principal | None:
    """The principal of the request's API key, None without one; HTTP 401 for a bad one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPError(401, _REFUSED, _CHALLENGE)
    principal = await authenticate(db, key.strip())
    if principal is None:
        raise HTTPError(401, _REFUSED, _CHALLENGE)
    return principal


def client_of(request: HTTPConnection, principal: Principal | None) -> str:
    """Whose budget a request spends: its key's, else its client address's. Behind a proxy
    every anonymous client shares the proxy's address (uvicorn runs without proxy headers)."""
    if principal is not None:
        return f"key:{principal.key_id}"
    host = request.client.host if request.client else "unknown"
    return f"ip:{host}"

"""The JSON body of a request refused before GraphQL runs (bad JSON, bad method, too
large, too slow): `{"errors": [{"message", "extensions": {"code"}}]}`, the shape of a
GraphQL error, so that a client parses every answer the same way."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.responses import JSONResponse, Response

__all__ = ["HTTP_ERROR_CODES", "HTTPError", "json_error"]

# Codes of the errors raised before GraphQL runs, by HTTP status.
HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A response with `status` whose one error carries `message` and the status's code
    (BAD_REQUEST for a status not listed)."""
    code = HTTP_ERROR_CODES.get(status, "BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


class HTTPError(HTTPException):
    """An HTTP refusal raised inside Strawberry's view that carries response headers
    (`WWW-Authenticate` on 401, `Retry-After` on 429)."""

    def __init__(self, status_code: int, reason: str, headers: dict[str, str]) -> None:
        super().__init__(status_code, reason)
        self.headers = headers

"""The JSON body of a request refused before GraphQL runs (bad JSON, bad method, too
large, too slow): `{"errors": [{"message", "extensions": {"code"}}]}`, the shape of a
GraphQL error, so that a client parses every answer the same way."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

__all__ = ["HTTP_ERROR_CODES", "json_error"]

# Codes of the errors raised before GraphQL runs, by HTTP status.
HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
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

"""A minimal HTTP/1.1 client for the load and attack scripts: keep-alive connections that
send prepared request bytes and read each response by its Content-Length (or chunks).

A general-purpose client such as httpx costs more CPU a request than the server's cached
answers; on a small machine shared with the server, the scripts would measure their own
client. This one spends a fraction of a millisecond a request.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Connection", "post"]


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for the
    scripts: a request written from prepared bytes, a response read by its Content-Length
    (or chunks)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, payload: bytes, timeout: float) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(payload)
            status, body, keep_alive = await asyncio.wait_for(self._response(self.reader), timeout)
        except BaseException:
            self.close()
            raise
        if not keep_alive:  # the server said `Connection: close` (it is shutting down, say)
            self.close()
        return status, body

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = headers.get("connection", "").lower() != "close"
        if "content-length" in headers:
            length = int(headers["content-length"])
            return status, await reader.readexactly(length), keep_alive
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += await reader.readexactly(size)
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            return status, bytes(body), keep_alive
        raise ConnectionError(f"a response without a length: {lines[0]}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def post(url: str, query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The bytes of a POST /graphql carrying `query` (and `variables`)."""
    parts = urlsplit(url)
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    body = json.dumps(payload).encode()
    return (
        f"POST {parts.path.rstrip('/')}/graphql HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

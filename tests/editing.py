"""What the tests of the editing API share: an app on the embedded store whose keys file
holds one key per role, and a client that sends them as bearer tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx

from api.keys import create_key
from api.settings import Settings
from schema.store.documents import Database
from tests.support import Api, serve

__all__ = ["ROLES", "Editors", "serve_editors"]

# A key per role: its scopes. "nobody" is a valid key without any scope.
ROLES: dict[str, list[str]] = {
    "editor": ["directory:write"],
    "interviewer": ["interviews:write"],
    "reader": ["results:read"],
    "auditor": ["audit:read"],
    "admin": ["keys:admin"],
    "nobody": [],
    "all": [
        "results:read",
        "directory:write",
        "interviews:write",
        "audit:read",
        "keys:admin",
    ],
}


@dataclass
class Editors:
    api: Api
    keys: dict[str, str]  # role -> the whole key
    ids: dict[str, str]  # role -> key id

    @property
    def db(self) -> Database:
        return cast(Database, self.api.app.state.connection.db)

    async def send(self, query: str, as_: str | None = None, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[as_]}"} if as_ else {}
        return await self.api.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def post(self, query: str, as_: str | None = None, **variables: Any) -> dict[str, Any]:
        response = await self.send(query, as_, **variables)
        assert response.status_code == 200, response.text
        return cast(dict[str, Any], response.json())

    async def data(self, query: str, as_: str | None = None, **variables: Any) -> dict[str, Any]:
        body = await self.post(query, as_, **variables)
        assert "errors" not in body, body["errors"]
        return cast(dict[str, Any], body["data"])


@asynccontextmanager
async def serve_editors(tmp_path: Path, **settings: Any) -> AsyncIterator[Editors]:
    keys: dict[str, str] = {}
    ids: dict[str, str] = {}
    lines = []
    for role, scopes in ROLES.items():
        key, doc = create_key(role, scopes)
        keys[role], ids[role] = key, doc["_id"]
        entry = {"id": doc["_id"], "name": role, "hash": doc["hash"], "scopes": scopes}
        lines.append(json.dumps(entry))
    path = tmp_path / "keys.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    async with serve(Settings(keys_file=str(path), **settings)) as api:
        yield Editors(api, keys, ids)

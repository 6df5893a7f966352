"""`ecei keys` and keys files: a key is printed once and only its hash is kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from api import database
from api.cli import main
from api.database import Connection
from api.keys import (
    COMMAND_LINE_KEY_ID,
    KeysFileError,
    create_key,
    provision_from_file,
    read_keys_file,
)
from schema.rules.access import hash_key, key_id_of, same_hash
from schema.store.audit import AUDIT
from schema.store.documents import Database
from schema.store.keys import insert_key
from tests.editing import serve_editors

pytestmark = pytest.mark.anyio


def test_create_prints_the_key_once_and_stores_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys.jsonl"
    code = main(
        [
            "keys",
            "create",
            "--name",
            "ci",
            "--scopes",
            "audit:read",
            "results:read",
            "--file",
            str(path),
        ]
    )
    assert code == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key_id_of(key) is not None
    assert "shown this once" in out.err
    text = path.read_text(encoding="utf-8")
    assert key not in text
    assert key.rsplit("_", 1)[1] not in text
    entry = json.loads(text)
    assert entry["hash"] == hash_key(key)
    assert same_hash(key, entry["hash"])
    assert entry["scopes"] == ["audit:read", "results:read"]
    assert main(["keys", "list", "--file", str(path)]) == 0
    listed = capsys.readouterr().out
    assert "active" in listed
    assert "ci" in listed
    assert entry["hash"] not in listed


async def test_a_key_revoked_in_the_file_is_refused_after_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys.jsonl"
    assert (
        main(["keys", "create", "--name", "ci", "--scopes", "audit:read", "--file", str(path)]) == 0
    )
    key = capsys.readouterr().out.strip()
    key_id = key_id_of(key)
    assert key_id is not None
    assert main(["keys", "revoke", key_id, "--file", str(path)]) == 0
    assert main(["keys", "revoke", key_id, "--file", str(path)]) == 1
    assert read_keys_file(path)[0].get("revokedAt") is not None
    async with serve_editors(tmp_path) as editors:
        await provision_from_file(editors.db, path)
        response = await editors.api.http.post(
            "/graphql",
            json={"query": "{ rateLimit { cost } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 401


def test_a_revocation_in_the_database_leaves_an_audit_entry(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client: Any = AsyncMongoMockClient(tz_aware=False)
    db: Database = client["ecei"]
    key, doc = create_key("ci", ["audit:read"])
    asyncio.run(insert_key(db, doc))
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.invalid:27017")
    monkeypatch.setattr(
        database, "connect", lambda settings: Connection(client=client, db=db, embedded=False)
    )
    assert main(["keys", "revoke", doc["_id"]]) == 0
    assert main(["keys", "revoke", doc["_id"]]) == 1  # no longer active: nothing written
    assert "revoked" in capsys.readouterr().err

    async def entries() -> list[dict[str, Any]]:
        return [entry async for entry in db[AUDIT].find({})]

    [entry] = asyncio.run(entries())
    assert entry["state"] == "done"
    assert (entry["keyId"], entry["mutation"], entry["objectKey"]) == (
        COMMAND_LINE_KEY_ID,
        "revokeApiKey",
        doc["_id"],
    )
    assert entry["keyName"].startswith("ecei keys, run by ")
    assert entry["before"].get("revokedAt") is None
    assert entry["after"]["revokedAt"] is not None
    assert doc["hash"] not in str(entry)
    assert key not in str(entry)


def test_keys_need_a_file_or_a_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "list"]) == 2
    assert "MONGODB_URI is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param("{", "keys.jsonl:1: not a key entry", id="json"),
        pytest.param('{"id": "x", "hash": "y", "name": "n", "scopes": []}', "hex digits", id="id"),
        pytest.param(
            '{"id": "0123456789ab", "hash": "%s", "name": "n", "scopes": ["root"]}' % ("0" * 64),
            "scopes must be",
            id="scope",
        ),
    ],
)
def test_a_bad_keys_file_names_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "keys.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(KeysFileError, match=message):
        read_keys_file(path)


def test_serve_refuses_a_bad_keys_file_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    monkeypatch.setenv("ECEI_KEYS_FILE", str(path))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecei: ECEI_KEYS_FILE: keys.jsonl:1: not a key entry")
    assert len(err.strip().splitlines()) == 1

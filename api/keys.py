"""API keys from the command line (`ecei keys create|list|revoke`) and from a keys file.

`ecei keys create --name N --scopes S...` prints a new key once, on stdout; only its hash
is kept: in the `keys` collection of `MONGODB_URI`, or, with `--file F`, appended to a
JSON-lines file, one `{"id", "name", "hash", "scopes", "createdAt"}` per line. The
embedded store lives inside `ecei serve` and no command can reach it, so the server adds
the keys of the file named by `ECEI_KEYS_FILE` at start-up (`provision_from_file`), which
is also how tests and a one-process deployment get keys. `ecei keys revoke ID --file F`
marks the key revoked in the file (`revokedAt`); a revocation in the file reaches the
database at the next start-up, one in the database (`ecei keys revoke ID`, or the
`revokeApiKey` mutation) at once. A revocation in the database leaves an audit entry like
any mutation (`ecei keys revoke` as the key id `command-line`, named after the account that
ran it); one in the file does not, there being no database to hold it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.settings import Settings
from schema.rules.access import SCOPES, hash_key, new_key
from schema.store.documents import Database
from schema.store.edits import plan_revoke_key
from schema.store.keys import KEYS, KeyDoc, insert_key, list_keys, provision_keys
from schema.store.writes import Actor, Plan, apply

__all__ = [
    "COMMAND_LINE_KEY_ID",
    "KeysFileError",
    "add_keys_parser",
    "create_key",
    "keys_file_problem",
    "provision_from_file",
    "read_keys_file",
    "revoke_in_database",
    "run_keys",
]

_ID = re.compile(r"[0-9a-f]{12}")
# The audit entries of `ecei keys revoke` name this instead of an API key's id.
COMMAND_LINE_KEY_ID = "command-line"
_HASH = re.compile(r"[0-9a-f]{64}")


class KeysFileError(ValueError):
    """A keys file that cannot be used; the message names the file's line."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def create_key(name: str, scopes: list[str]) -> tuple[str, KeyDoc]:
    """A new key and the document that stores its hash; raises ValueError for a bad
    name or scope."""
    if not name.strip():
        raise ValueError("a key needs a name")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r}; known: {', '.join(SCOPES)}")
    key_id, key = new_key()
    doc: KeyDoc = {
        "_id": key_id,
        "name": name,
        "hash": hash_key(key),
        "scopes": sorted(set(scopes)),
        "createdAt": _now(),
    }
    return key, doc


def _line(doc: KeyDoc) -> str:
    entry: dict[str, Any] = {
        "id": doc["_id"],
        "name": doc["name"],
        "hash": doc["hash"],
        "scopes": doc["scopes"],
        "createdAt": doc["createdAt"].isoformat(),
    }
    revoked = doc.get("revokedAt")
    if revoked is not None:
        entry["revokedAt"] = revoked.isoformat()
    return json.dumps(entry, ensure_ascii=False)


def read_keys_file(path: str | Path) -> list[KeyDoc]:
    """The keys of a JSON-lines keys file (blank lines skipped)."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KeysFileError(f"{name}: cannot be read ({exc.strerror})") from None
    docs: list[KeyDoc] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            docs.append(_parse(json.loads(raw)))
        except (ValueError, TypeError, KeyError) as exc:
            raise KeysFileError(f"{name}:{number}: not a key entry ({exc})") from None
    return docs


def _parse(entry: Any) -> KeyDoc:
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    if not _ID.fullmatch(str(entry["id"])) or not _HASH.fullmatch(str(entry["hash"])):
        raise ValueError("id must be 12 and hash 64 lowercase hex digits")
    scopes = entry["scopes"]
    if not isinstance(scopes, list) or any(scope not in SCOPES for scope in scopes):
        raise ValueError(f"scopes must be a list of {', '.join(SCOPES)}")
    if not isinstance(entry["name"], str) or not entry["name"].strip():
        raise ValueError("name must be a non-empty string")
    doc: KeyDoc = {
        "_id": entry["id"],
        "name": entry["name"],
        "hash": entry["hash"],
        "scopes": list(scopes),
        "createdAt": datetime.fromisoformat(entry.get("createdAt") or "1970-01-01T00:00:00"),
    }
    if entry.get("revokedAt"):
        doc["revokedAt"] = datetime.fromisoformat(entry["revokedAt"])
    return doc


def keys_file_problem(settings: Settings) -> str | None:
    """Why the server could not use its `ECEI_KEYS_FILE`, or None; checked before serving
    so that a bad file stops `ecei serve` with one line."""
    if settings.keys_file is None:
        return None
    try:
        read_keys_file(settings.keys_file)
    except KeysFileError as exc:
        return f"ECEI_KEYS_FILE: {exc}"
    return None


async def provision_from_file(db: Database, path: str | Path) -> int:
    """Add the file's keys that the database lacks, and apply the file's revocations (a
    key revoked in the database is never revived). Returns the number added."""
    docs = read_keys_file(path)
    added = await provision_keys(db, docs)
    for doc in docs:
        revoked = doc.get("revokedAt")
        if revoked is not None:
            await db[KEYS].update_one(
                {"_id": doc["_id"], "revokedAt": None}, {"$set": {"revokedAt": revoked}}
            )
    return added


# --- the `ecei keys` command ---------------------------------------------------------------


def add_keys_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    file_help = (
        "a JSON-lines keys file (ECEI_KEYS_FILE of the server) instead of the database "
        "of MONGODB_URI"
    )
    create = actions.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument(
        "--scopes",
        nargs="+",
        required=True,
        choices=SCOPES,
        metavar="SCOPE",
        help=f"what the key allows: {', '.join(SCOPES)}",
    )
    create.add_argument("--file", type=Path, help=file_help)
    listing = actions.add_parser("list", help="list the keys (never their secrets)")
    listing.add_argument("--file", type=Path, help=file_help)
    revoke = actions.add_parser("revoke", help="revoke a key by its ID")
    revoke.add_argument("id", help="the key's ID (the part after `ecei_`)")
    revoke.add_argument("--file", type=Path, help=file_help)


def run_keys(settings: Settings, args: argparse.Namespace) -> int:
    """`ecei keys ...`; 0 on success, 1 when the key to revoke is not active, 2 on bad
    input or when neither --file nor MONGODB_URI is given."""
    path: Path | None = args.file
    try:
        if path is not None:
            return _with_file(args, path)
    except (KeysFileError, ValueError) as exc:
        print(f"ecei: {exc}", file=sys.stderr)
        return 2
    if settings.embedded:
        print(
            "ecei: MONGODB_URI is not set: give --file (the server's ECEI_KEYS_FILE) to "
            "manage the keys of the embedded store",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_with_database(settings, args))


def _with_file(args: argparse.Namespace, path: Path) -> int:
    if args.action == "create":
        key, doc = create_key(args.name, args.scopes)
        with path.open("a", encoding="utf-8") as out:
            out.write(_line(doc) + "\n")
        return _created(key, doc)
    docs = read_keys_file(path) if path.exists() else []
    if args.action == "list":
        _print_list(docs)
        return 0
    target = next((d for d in docs if d["_id"] == args.id and not d.get("revokedAt")), None)
    if target is None:
        print(f"ecei: no active key {args.id!r} in {path.name}", file=sys.stderr)
        return 1
    target["revokedAt"] = _now()
    path.write_text("".join(_line(doc) + "\n" for doc in docs), encoding="utf-8")
    print(f"revoked {args.id}", file=sys.stderr)
    return 0


async def _with_database(settings: Settings, args: argparse.Namespace) -> int:
    from api.database import connect

    connection = connect(settings)
    try:
        db = connection.db
        if args.action == "create":
            try:
                key, doc = create_key(args.name, args.scopes)
            except ValueError as exc:
                print(f"ecei: {exc}", file=sys.stderr)
                return 2
            await insert_key(db, doc)
            return _created(key, doc)
        if args.action == "list":
            _print_list(await list_keys(db))
            return 0
        if await revoke_in_database(db, args.id):
            print(f"revoked {args.id}", file=sys.stderr)
            return 0
        print(f"ecei: no active key {args.id!r}", file=sys.stderr)
        return 1
    finally:
        connection.close()


def command_line_actor() -> Actor:
    """Who revokes from the command line, for the audit entry: no API key, the account
    that ran `ecei keys`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = "unknown user"
    return Actor(key_id=COMMAND_LINE_KEY_ID, key_name=f"ecei keys, run by {user}")


async def revoke_in_database(db: Database, key_id: str) -> bool:
    """Revoke `key_id` as `revokeApiKey` does, with its audit entry; False when no such key
    is active."""

    async def plan() -> Plan:
        return await plan_revoke_key(db, key_id)

    outcome = await apply(db, command_line_actor(), "revokeApiKey", None, plan)
    return not outcome.problems


def _created(key: str, doc: KeyDoc) -> int:
    print(key)
    print(
        f"created key {doc['_id']} ({doc['name']}; {' '.join(doc['scopes'])}): it is shown "
        "this once, only its hash is kept",
        file=sys.stderr,
    )
    return 0


def _print_list(docs: list[KeyDoc]) -> None:
    for doc in docs:
        revoked = doc.get("revokedAt")
        state = f"revoked {revoked:%Y-%m-%d}" if revoked else "active"
        print(f"{doc['_id']}  {state:<18}  {' '.join(doc['scopes']):<40}  {doc['name']}")

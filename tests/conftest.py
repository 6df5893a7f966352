"""Shared fixtures. Async tests use AnyIO's pytest plugin (`@pytest.mark.anyio`) on asyncio.
The backend is session-scoped so that the seeded app (`api`) can be built once per run.

Tests marked `mongodb` need a real server and run only when MONGODB_URI is set; each uses
a throw-away database that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo.errors import PyMongoError

from api.embedded import embedded_client, guarded
from api.settings import Settings
from schema.store.documents import Database
from tests.support import Api, serve


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MONGODB_URI"):
        return
    skip = pytest.mark.skip(reason="needs a real MongoDB: set MONGODB_URI to run")
    for item in items:
        if "mongodb" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db() -> Database:
    """A fresh, empty in-process database: mongomock-motor behind the embedded store's guard,
    which refuses any command over MongoDB's 16 MiB BSON limit (see `api.embedded`)."""
    database: Database = guarded(embedded_client()[f"test_{uuid.uuid4().hex[:8]}"])
    return database


@pytest.fixture(scope="session")
async def api() -> AsyncIterator[Api]:
    """The app with default settings on the embedded store, seeded once for the session and
    shared by every test that only reads. A test that writes must undo it. Its anonymous
    budget is large enough for the whole suite's requests.

    The shared apps run without the response cache: tests count each request's database
    round trips, and some write to the database directly, which the cache is not told of.
    tests/test_api_response_cache.py tests the cache on apps of its own."""
    async with serve(
        Settings(anonymous_budget_per_hour=1_000_000, response_cache_bytes=0)
    ) as served:
        yield served


@pytest.fixture(scope="module")
async def production() -> AsyncIterator[Api]:
    """The app with `ECEI_ENV=production`, built once per test module."""
    async with serve(Settings(environment="production", response_cache_bytes=0)) as served:
        yield served


@pytest.fixture
async def mongodb() -> AsyncIterator[Database]:
    """A fresh database on the real server at MONGODB_URI, dropped after the test."""
    from motor.motor_asyncio import AsyncIOMotorClient

    client: AsyncIOMotorClient[dict[str, object]] = AsyncIOMotorClient(
        os.environ["MONGODB_URI"], serverSelectionTimeoutMS=5000, tz_aware=False
    )
    try:
        await client.admin.command("ping")
    except PyMongoError as exc:
        client.close()
        pytest.fail(f"MONGODB_URI is set but the server does not answer ({type(exc).__name__})")
    name = f"ecei_test_{uuid.uuid4().hex[:8]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        client.close()

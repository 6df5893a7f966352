"""Batched reads and writes, and the embedded store's 16 MiB guard that holds them to
MongoDB's BSON limit; the 100,000-cluster load runs under `make test-slow`."""

from __future__ import annotations

from typing import Any

import bson
import pytest
from pymongo import InsertOne
from pymongo.errors import DocumentTooLarge

from api.embedded import MAX_COMMAND_BYTES, embedded_client, guarded
from schema.store.documents import CLUSTERS, INTERVIEWS, LABELS, Database
from seed import bulk
from seed.bulk import batches, encoded_size, find_in, write
from seed.generate import generate_rows, generated_input
from seed.loader import load

pytestmark = pytest.mark.anyio


def test_batches_are_bounded_by_count_and_by_size() -> None:
    items = [f"{i:04d}" for i in range(10)]
    assert [len(b) for b in batches(items, max_count=4)] == [4, 4, 2]
    size = encoded_size("0000")
    assert [len(b) for b in batches(items, max_bytes=3 * size)] == [3, 3, 3, 1]
    assert [x for b in batches(items, max_count=3) for x in b] == items


def test_encoded_size_of_a_string_is_never_underestimated() -> None:
    for text in ("", "pole-emc2", "Pôle EMC²" * 50):
        # The element at index 9,999,999 of an array: the longest key a batch can give it.
        assert encoded_size(text) >= len(bson.encode({"9999999": text})) - 5


async def test_the_guard_refuses_a_command_over_16_mib(db: Database) -> None:
    # What the loader used to send for 100,000 new clusters: 10 candidate slugs each.
    wanted = [f"cluster-{n}-{k}" for n in range(100_000) for k in range(10)]
    with pytest.raises(DocumentTooLarge, match="over the 16,777,216-byte BSON limit"):
        await db[CLUSTERS].find({"_id": {"$in": wanted}}).to_list(None)
    big = [{"_id": str(i), "pad": "x" * 1000} for i in range(17_000)]
    with pytest.raises(DocumentTooLarge):
        await db[CLUSTERS].insert_many(big)
    assert await db[CLUSTERS].count_documents({}) == 0  # refused before anything ran


async def test_batched_reads_and_writes_stay_under_the_guard(db: Database) -> None:
    docs = [{"_id": f"c{i:04d}", "pad": "x" * 9000} for i in range(2000)]  # ~18 MiB
    written = await write(db, CLUSTERS, [InsertOne(d) for d in docs])
    assert (written.inserted, written.conflicts) == (2000, 0)
    # Few documents to scan (mongomock tests `$in` one document at a time), a long list.
    await db[CLUSTERS].delete_many({"_id": {"$gte": "c0100"}})
    wanted = [f"c{i:04d}" for i in range(2000)] + [f"{'y' * 900}-{i}" for i in range(20_000)]
    assert encoded_size(wanted) > MAX_COMMAND_BYTES
    found = await find_in(db, CLUSTERS, "_id", wanted, projection={"_id": 1})
    assert len(found) == 100


async def test_a_conflicting_insert_is_counted_and_the_others_go_on(db: Database) -> None:
    await db[CLUSTERS].insert_one({"_id": "b"})
    written = await write(db, CLUSTERS, [InsertOne({"_id": k}) for k in "abc"])
    assert (written.inserted, written.conflicts) == (2, 1)


async def test_a_load_cut_into_small_batches_equals_one_in_large_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = generated_input(150)
    whole: Database = guarded(embedded_client()["whole"])
    await load(whole, data)
    monkeypatch.setattr(bulk, "MAX_BATCH_COUNT", 7)
    monkeypatch.setattr(bulk, "MAX_BATCH_BYTES", 20_000)
    cut: Database = guarded(embedded_client()["cut"])
    await load(cut, data)
    for name in (CLUSTERS, LABELS, INTERVIEWS):
        assert await _dump(cut, name) == await _dump(whole, name), name


async def _dump(db: Database, name: str) -> list[dict[str, Any]]:
    return await db[name].find({}).sort("_id", 1).to_list(None)


def test_the_generator_is_deterministic_and_a_prefix_of_larger_runs() -> None:
    small, large = generate_rows(200), generate_rows(400)
    assert small == generate_rows(200)
    assert large[: len(small)] == small
    keys = {(r.name, r.country) for r in large}
    assert len(keys) == 400  # one natural key per cluster, renewals aside
    assert {r.level for r in large} == {"BRONZE", "SILVER", "GOLD"}
    assert len({r.country for r in large}) > 10


@pytest.mark.slow
async def test_100000_clusters_load_without_a_command_over_16_mib() -> None:
    """Every read and write of a 100,000-cluster load (with a sample interview each) goes
    through the guard, which raises on any command over 16 MiB: the load completing is the
    proof. Unbatched, the candidate slugs alone made a 41 MiB `find`."""
    data = generated_input(100_000)
    db: Database = guarded(embedded_client()["scale"])
    report = await load(db, data, bulk=True)
    assert (report.clusters, report.interviews) == (100_000, 100_000)
    assert await db[CLUSTERS].estimated_document_count() == 100_000
    assert await db[INTERVIEWS].estimated_document_count() == 100_000

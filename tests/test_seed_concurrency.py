"""Two loads at once: upserts, compare-and-set and planning again leave what the two loads
leave one after the other. The interleaving is forced: each read and each bulk write of
either load first yields to the event loop (or, in the randomised test, sleeps a random
0 to 2 ms), and batches are cut small."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any, cast

import pytest

from api.embedded import embedded_client, guarded
from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS, Database
from seed import bulk
from seed.generate import generate_rows, generated_input
from seed.loader import LoadInput, load

pytestmark = pytest.mark.anyio

COLLECTIONS = (PORTFOLIOS, INDICATORS, CLUSTERS, LABELS, INTERVIEWS)


class _Pause:
    """What each read and bulk write waits first: a yield, or a random 0 to 2 ms."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng

    async def __call__(self) -> None:
        await asyncio.sleep(0 if self.rng is None else self.rng.uniform(0, 0.002))


class _Cursor:
    def __init__(self, inner: Any, pause: _Pause) -> None:
        self._inner, self._pause = inner, pause

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name in ("sort", "limit"):
            return lambda *args, **kwargs: _Cursor(attribute(*args, **kwargs), self._pause)
        return attribute

    async def to_list(self, length: int | None = None) -> list[Any]:
        await self._pause()
        return list(await self._inner.to_list(length))


class _Collection:
    def __init__(self, inner: Any, pause: _Pause) -> None:
        self._inner, self._pause = inner, pause

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def find(self, *args: Any, **kwargs: Any) -> _Cursor:
        return _Cursor(self._inner.find(*args, **kwargs), self._pause)

    async def bulk_write(self, *args: Any, **kwargs: Any) -> Any:
        await self._pause()
        return await self._inner.bulk_write(*args, **kwargs)


class Yielding:
    """A database on which every read and bulk write lets the other load run first (or,
    given `rng`, waits a random 0 to 2 ms)."""

    def __init__(self, inner: Any, rng: random.Random | None = None) -> None:
        self._inner, self._pause = inner, _Pause(rng)

    def __getitem__(self, name: str) -> _Collection:
        return _Collection(self._inner[name], self._pause)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _database(name: str) -> Any:
    return guarded(embedded_client()[name])


async def _dump(db: Any) -> dict[str, list[dict[str, Any]]]:
    """Every document, without `version`: it counts the writes a document went through,
    and two loads at once may rewrite a cluster that one load writes once."""

    def content(doc: dict[str, Any]) -> dict[str, Any]:
        doc.pop("version", None)
        for entry in doc.get("history") or ():
            entry.pop("version", None)
        return doc

    return {
        name: [content(doc) for doc in await db[name].find({}).sort("_id", 1).to_list(None)]
        for name in COLLECTIONS
    }


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_BATCH_COUNT", 5)


async def test_two_identical_loads_at_once_equal_one_load() -> None:
    data = generated_input(40)
    once: Database = _database("once")
    await load(once, data)
    shared = _database("shared")
    both: Database = cast(Database, Yielding(shared))
    first, second = await asyncio.gather(load(both, data), load(both, data))
    assert await _dump(shared) == await _dump(once)
    # Both loads report the whole input; between them, each document was inserted once.
    assert first.clusters == second.clusters == 40
    assert first.writes[CLUSTERS].inserted + second.writes[CLUSTERS].inserted >= 40


def _split(rows: list[Any]) -> tuple[list[Any], list[Any]]:
    """Every cluster's first row and all of the first 20 clusters; then every other row
    (the renewals of the rest), and again the first 20 clusters."""
    seen: set[tuple[str, str]] = set()
    a, b = [], []
    for index, row in enumerate(rows):
        key = (row.name, row.country)
        overlap = index < 23
        if key not in seen or overlap:
            a.append(row)
        if key in seen or overlap:
            b.append(row)
        seen.add(key)
    return a, b


@pytest.mark.parametrize("seed", range(8))
async def test_two_loads_at_random_times_equal_the_two_one_after_the_other(seed: int) -> None:
    """With random pauses, which load creates a cluster first (and so which of two
    clusters of one name in two countries gets which slug) varies: the result is the one
    of the two loads run in one order or the other, never a mix, a partial load or a lost
    label."""
    rows = generate_rows(60)
    catalogue = generated_input(0).catalogue
    a, b = _split(rows)
    orders = []
    for first, second in ((a, b), (b, a)):
        serial = _database("serial")
        await load(serial, LoadInput(rows=first, catalogue=catalogue))
        await load(serial, LoadInput(rows=second, catalogue=catalogue))
        orders.append(await _dump(serial))
    shared = _database("shared")
    both: Database = cast(Database, Yielding(shared, random.Random(seed)))
    await asyncio.gather(
        load(both, LoadInput(rows=a, catalogue=catalogue)),
        load(both, LoadInput(rows=b, catalogue=catalogue)),
    )
    assert await _dump(shared) in orders


async def test_two_overlapping_loads_at_once_equal_one_load_of_both() -> None:
    """Renewals split across the two loads: each load's clusters, current labels and
    inferred award dates must account for the labels the other wrote meanwhile."""
    rows = generate_rows(60)
    catalogue = generated_input(0).catalogue
    assert Counter((r.name, r.country) for r in rows).most_common(1)[0][1] > 1  # renewals
    a, b = _split(rows)
    assert len(b) > 23  # some renewals arrive with the second load only
    once = _database("once")
    await load(once, LoadInput(rows=rows, catalogue=catalogue))
    shared = _database("shared")
    both: Database = cast(Database, Yielding(shared))
    await asyncio.gather(
        load(both, LoadInput(rows=a, catalogue=catalogue)),
        load(both, LoadInput(rows=b, catalogue=catalogue)),
    )
    assert await _dump(shared) == await _dump(once)

"""The loader: all-or-nothing validation, duplicates, idempotent upserts, label history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest

from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS, Database
from schema.store.generation import read_generation
from seed.catalogue import load_catalogue
from seed.errors import ValidationFailed
from seed.interviews import parse_interviews
from seed.listing import parse_listing
from seed.loader import LoadInput, _write_concern, load
from seed.shipped import SHIPPED_LISTING, load_shipped
from seed.tabular import parse_csv

COLLECTIONS = (PORTFOLIOS, INDICATORS, CLUSTERS, LABELS, INTERVIEWS)
CSV_HEADER = "name,portfolio,website,label_level,valid_until,country\n"
CATALOGUE, _ = load_catalogue()


async def dump(db: Database) -> dict[str, list[dict[str, Any]]]:
    return {name: [doc async for doc in db[name].find({}).sort("_id", 1)] for name in COLLECTIONS}


def csv_input(tmp_path: Path, text: str, name: str = "listing.csv") -> LoadInput:
    path = tmp_path / name
    path.write_text(CSV_HEADER + text, encoding="utf-8")
    parsed = parse_csv(path)
    return LoadInput(rows=parsed.rows, catalogue=CATALOGUE, errors=parsed.errors)


@pytest.mark.anyio
async def test_load_shipped_counts_and_documents(db: Database) -> None:
    report = await load_shipped(db)
    assert (report.clusters, report.labels, report.portfolios) == (88, 88, 14)
    assert (report.indicators, report.interviews) == (36, 88)
    assert report.writes[CLUSTERS].inserted == 88
    assert len(report.warnings) == 2
    cluster = await db[CLUSTERS].find_one({"_id": "pole-emc2"})
    assert cluster is not None
    assert cluster["name"] == "Pôle EMC²"
    assert cluster["portfolio"] == "production-and-engineering"
    assert cluster["label"] == {
        "level": "BRONZE",
        "levelRank": 1,
        "validUntil": datetime(2014, 2, 1),
        "awardedOn": datetime(2012, 2, 1),
        "awardedOnInferred": True,
        "version": 0,
    }
    assert cluster["history"] == [{**cluster["label"], "inForceUntil": datetime(9999, 12, 31)}]
    nuclear = await db[CLUSTERS].find_one({"name": "Pôle Nucléaire Bourgogne"})
    assert nuclear is not None
    assert nuclear["website"] == "http://www.polenucleairebourgogne.fe"
    assert "probably truncated" in nuclear["warnings"][0]
    interview = await db[INTERVIEWS].find_one({"cluster": "pole-emc2"})
    assert interview is not None
    assert interview["_id"] == "pole-emc2/2012-02-01"
    assert await db[INTERVIEWS].count_documents({"isSample": False}) == 0


@pytest.mark.anyio
async def test_second_load_writes_nothing(db: Database) -> None:
    await load_shipped(db)
    before = await dump(db)
    report = await load_shipped(db)
    assert report.inserted == 0
    assert report.updated == 0
    assert report.writes[CLUSTERS].unchanged == 88
    assert report.writes[INTERVIEWS].unchanged == 88
    assert await dump(db) == before


@pytest.mark.anyio
async def test_one_bad_row_writes_nothing(db: Database, tmp_path: Path) -> None:
    data = csv_input(
        tmp_path,
        "Good,ICT,,BRONZE,2016-01-01,FR\nBad,Energie,,BRONZE,2016-01-01,FR\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        await load(db, data)
    [error] = caught.value.errors
    assert str(error).startswith("listing.csv:3: portfolio 'Energie': unknown portfolio; known:")
    for name in COLLECTIONS:
        assert await db[name].count_documents({}) == 0, name


@pytest.mark.anyio
async def test_skip_invalid_writes_the_rest_and_reports_each(db: Database, tmp_path: Path) -> None:
    data = csv_input(
        tmp_path,
        "Good,ICT,,BRONZE,2016-01-01,FR\n"
        "Bad,Energie,,BRONZE,2016-01-01,FR\n"
        "Worse,ICT,,BRONZE,2016-13-01,FR\n",
    )
    report = await load(db, data, skip_invalid=True)
    assert [(e.line, e.field) for e in report.rejected] == [(3, "portfolio"), (4, "valid_until")]
    assert await db[CLUSTERS].distinct("_id") == ["good"]
    assert report.writes[LABELS].inserted == 1


@pytest.mark.anyio
async def test_duplicates_and_conflicts_are_rejected_not_merged(
    db: Database, tmp_path: Path
) -> None:
    data = csv_input(
        tmp_path,
        "Pôle Foo,ICT,,BRONZE,2016-01-01,FR\n"
        "POLE FOO,ICT,,BRONZE,2016-01-01,FR\n"
        "Pole Foo,Construction,,BRONZE,2017-01-01,FR\n"
        "Pôle Foo,ICT,,BRONZE,2016-01-01,BE\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        await load(db, data)
    reasons = [(e.line, e.reason) for e in caught.value.errors]
    assert reasons[0] == (3, "duplicate of line 2")
    assert reasons[1][0] == 4
    assert "conflicts with portfolio 'ICT'" in reasons[1][1]
    assert len(reasons) == 2  # the Belgian namesake is another cluster
    assert await db[CLUSTERS].count_documents({}) == 0


@pytest.mark.anyio
async def test_duplicate_across_files_names_the_file(tmp_path: Path) -> None:
    first = csv_input(tmp_path, "Foo,ICT,,BRONZE,2016-01-01,FR\n", "a.csv")
    second = csv_input(tmp_path, "Foo,ICT,,BRONZE,2016-01-01,FR\n", "b.csv")
    data = LoadInput(rows=first.rows + second.rows, catalogue=CATALOGUE)
    with pytest.raises(ValidationFailed) as caught:
        await load(None, data)
    assert [str(e) for e in caught.value.errors] == ["b.csv:2: name 'Foo': duplicate of a.csv:2"]


@pytest.mark.anyio
async def test_renewal_adds_label_history(db: Database, tmp_path: Path) -> None:
    await load_shipped(db, sample_interviews=False)
    first = await db[LABELS].find_one({"cluster": "pole-emc2"})
    data = csv_input(tmp_path, "Pôle EMC²,Production and engineering,,BRONZE,2017-02-01,FR\n")
    report = await load(db, data)
    assert report.writes[LABELS].inserted == 1
    assert report.writes[CLUSTERS].updated == 1
    history = [doc async for doc in db[LABELS].find({"cluster": "pole-emc2"}).sort("validUntil")]
    assert len(history) == 2
    assert history[0] == first
    assert history[1]["_id"] == "pole-emc2/BRONZE/2017-02-01"
    # A Bronze renewal extends the previous end by three years.
    assert history[1]["awardedOn"] == datetime(2014, 2, 1)
    cluster = await db[CLUSTERS].find_one({"_id": "pole-emc2"})
    assert cluster is not None
    assert cluster["label"]["validUntil"] == datetime(2017, 2, 1)
    # The embedded history, in award order: the first label is in force until the day
    # before the renewal's award, the renewal from then on.
    assert [(h["awardedOn"], h["validUntil"], h["inForceUntil"]) for h in cluster["history"]] == [
        (datetime(2012, 2, 1), datetime(2014, 2, 1), datetime(2014, 1, 31)),
        (datetime(2014, 2, 1), datetime(2017, 2, 1), datetime(9999, 12, 31)),
    ]
    assert cluster["source"] == {"file": "listing.csv", "line": 2}
    assert await db[CLUSTERS].count_documents({}) == 88


@pytest.mark.anyio
async def test_older_listing_does_not_replace_the_current_label(
    db: Database, tmp_path: Path
) -> None:
    await load(db, csv_input(tmp_path, "Foo,ICT,https://foo.example.org,GOLD,2018-01-01,DE\n"))
    await load(db, csv_input(tmp_path, "Foo,ICT,,BRONZE,2014-01-01,DE\n", "old.csv"))
    cluster = await db[CLUSTERS].find_one({"_id": "foo"})
    assert cluster is not None
    assert cluster["label"]["level"] == "GOLD"
    assert cluster["website"] == "https://foo.example.org"
    assert await db[LABELS].count_documents({"cluster": "foo"}) == 2


@pytest.mark.anyio
async def test_slug_collision_gets_country_then_number(db: Database, tmp_path: Path) -> None:
    await load(db, csv_input(tmp_path, "Foo,ICT,,BRONZE,2016-01-01,FR\n"))
    data = csv_input(
        tmp_path,
        "Foo,ICT,,BRONZE,2016-01-01,BE\nFoo!,ICT,,BRONZE,2016-01-01,BE\n"
        "Foo,ICT,,BRONZE,2016-01-01,FR\n",
        "more.csv",
    )
    with pytest.raises(ValidationFailed):
        await load(db, data)  # "Foo!" is the same cluster as "Foo" in BE: a duplicate
    data = csv_input(
        tmp_path,
        "Foo,ICT,,BRONZE,2016-01-01,BE\nFoo,ICT,,BRONZE,2016-01-01,DE\n"
        "Foo,ICT,,BRONZE,2016-01-01,FR\n",
        "more.csv",
    )
    report = await load(db, data)
    assert sorted(await db[CLUSTERS].distinct("_id")) == ["foo", "foo-be", "foo-de"]
    assert report.writes[CLUSTERS].unchanged == 1


@pytest.mark.anyio
async def test_real_interviews_resolve_clusters_and_replace_no_sample(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "interviews.json"
    path.write_text(
        '{"catalogueVersion": "bronze-36-2010", "interviews": [\n'
        '  {"cluster": "Pôle EMC²", "conductedOn": "2012-02-01",'
        ' "results": [{"code": "participants", "value": 120, "rating": "GREEN"}]},\n'
        '  {"cluster": "Nowhere", "conductedOn": "2012-02-01", "results": []}\n'
        "]}\n",
        encoding="utf-8",
    )
    interviews, errors = parse_interviews(path, CATALOGUE)
    listing = parse_listing(SHIPPED_LISTING)
    data = LoadInput(
        rows=listing.rows,
        catalogue=CATALOGUE,
        interviews=interviews,
        errors=errors,
        sample_interviews=True,
    )
    with pytest.raises(ValidationFailed) as caught:
        await load(db, data)
    assert [str(e) for e in caught.value.errors] == [
        "interviews.json:3: cluster 'Nowhere': unknown cluster: not in this load nor in the "
        "database"
    ]
    data.interviews = interviews[:1]
    report = await load(db, data)
    assert report.interviews == 88
    real = await db[INTERVIEWS].find_one({"_id": "pole-emc2/2012-02-01"})
    assert real is not None
    assert real["isSample"] is False
    assert real["results"] == [{"code": "participants", "value": 120.0, "rating": "GREEN"}]
    assert await db[INTERVIEWS].count_documents({"isSample": True}) == 87


@pytest.mark.anyio
async def test_progress_is_called_per_batch(db: Database) -> None:
    calls: list[tuple[int, int]] = []
    listing = parse_listing(SHIPPED_LISTING)
    await load(
        db,
        LoadInput(rows=listing.rows, catalogue=CATALOGUE),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (14 + 36 + 88 + 88, 14 + 36 + 88 + 88)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.mongodb
@pytest.mark.anyio
async def test_load_shipped_twice_on_a_real_server(mongodb: Database) -> None:
    first = await load_shipped(mongodb)
    assert first.writes[CLUSTERS].inserted == 88
    assert first.writes[INTERVIEWS].inserted == 88
    before = await dump(mongodb)
    second = await load_shipped(mongodb)
    assert (second.inserted, second.updated) == (0, 0)
    assert await dump(mongodb) == before
    assert await mongodb[LABELS].count_documents({}) == 88


@pytest.mark.anyio
async def test_a_load_that_writes_bumps_the_generation_once(db: Database) -> None:
    assert await read_generation(db) == 0
    await load_shipped(db)
    assert await read_generation(db) == 1
    await load_shipped(db)  # writes nothing: answers cached before stay right
    assert await read_generation(db) == 1


class _Server:
    """A database handle that only answers `hello`, as a server of the given kind."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply

    async def command(self, name: str) -> dict[str, Any]:
        assert name == "hello"
        return self.reply


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "majority"),
    [
        pytest.param({"isWritablePrimary": True, "setName": "rs0"}, True, id="replica-set"),
        pytest.param({"isWritablePrimary": True}, False, id="standalone"),
    ],
)
async def test_writes_wait_for_a_majority_on_a_replica_set(
    reply: dict[str, Any], majority: bool
) -> None:
    concern = await _write_concern(cast(Database, _Server(reply)))
    assert (concern is not None and concern.document == {"w": "majority"}) is majority


@pytest.mark.anyio
async def test_the_embedded_store_has_no_write_concern(db: Database) -> None:
    assert await _write_concern(db) is None


@pytest.mark.anyio
@pytest.mark.parametrize("skip_invalid", [False, True])
async def test_a_cluster_with_too_many_labels_is_refused(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skip_invalid: bool
) -> None:
    """A cluster's document embeds its label history: the count is bounded so that no
    document nears MongoDB's 16 MiB limit (`MAX_LABELS_PER_CLUSTER`, 1,000; 3 here)."""
    import seed.loader

    monkeypatch.setattr(seed.loader, "MAX_LABELS_PER_CLUSTER", 3)
    rows = "".join(f"Busy,ICT,,BRONZE,20{10 + i}-01-01,FR\n" for i in range(4))
    data = csv_input(tmp_path, "Calm,ICT,,BRONZE,2016-01-01,FR\n" + rows)
    if not skip_invalid:
        with pytest.raises(ValidationFailed) as caught:
            await load(db, data)
        [error] = caught.value.errors
        assert str(error) == (
            "listing.csv:6: name 'Busy': 4 labels for this cluster (the listing's and the "
            "database's); at most 3"
        )
        for name in COLLECTIONS:
            assert await db[name].count_documents({}) == 0, name
        return
    report = await load(db, data, skip_invalid=True)
    assert [(e.line, e.field) for e in report.rejected] == [(6, "name")]
    assert await db[CLUSTERS].distinct("_id") == ["calm"]
    assert await db[LABELS].distinct("cluster") == ["calm"]
    assert report.labels == 1


@pytest.mark.anyio
async def test_a_cluster_at_the_label_limit_is_loaded(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seed.loader

    monkeypatch.setattr(seed.loader, "MAX_LABELS_PER_CLUSTER", 3)
    rows = "".join(f"Busy,ICT,,BRONZE,20{10 + i}-01-01,FR\n" for i in range(3))
    await load(db, csv_input(tmp_path, rows))
    assert await db[LABELS].count_documents({"cluster": "busy"}) == 3

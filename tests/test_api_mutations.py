"""The mutations through HTTP: what each writes, every userErrors case, version conflicts,
idempotent retries and the audit entry each applied mutation leaves."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest

import schema.store.edits as edits
from schema.store.audit import AUDIT
from schema.store.documents import CLUSTERS, INTERVIEWS, LABELS
from schema.types.ids import to_global_id
from tests.editing import Editors, serve_editors

pytestmark = pytest.mark.anyio

CLUSTER = "pole-emc2"  # one Bronze label, valid until 2014-02-01
CLUSTER_ID = to_global_id("Cluster", CLUSTER)
LABEL_ID = to_global_id("Label", f"{CLUSTER}/BRONZE/2014-02-01")

CREATE = """mutation($input: CreateClusterInput!) { createCluster(input: $input) {
  clientMutationId cluster { id slug name country website warnings version
    portfolio { slug } label { level validUntil awardedOn awardedOnInferred } }
  userErrors { field message code } } }"""
UPDATE = """mutation($input: UpdateClusterInput!) { updateCluster(input: $input) {
  clientMutationId cluster { slug name country website version portfolio { slug } }
  userErrors { field message code } } }"""
AWARD = """mutation($input: AwardLabelInput!) { awardLabel(input: $input) {
  clientMutationId label { id level validUntil awardedOn awardedOnInferred version }
  cluster { version label { level validUntil awardedOn } labels { validUntil } }
  userErrors { field message code } } }"""
UPDATE_LABEL = """mutation($input: UpdateLabelInput!) { updateLabel(input: $input) {
  label { id level validUntil awardedOn awardedOnInferred version }
  cluster { label { validUntil } labels { id } } userErrors { field message code } } }"""
REMOVE_LABEL = """mutation($input: RemoveLabelInput!) { removeLabel(input: $input) {
  removedLabelId cluster { label { validUntil } labels { validUntil } }
  userErrors { field message code } } }"""
RECORD = """mutation($input: RecordInterviewInput!) { recordInterview(input: $input) {
  interview { id isSample conductedOn version results { code value flag text rating } }
  userErrors { field message code } } }"""
REMOVE_INTERVIEW = """mutation($input: RemoveInterviewInput!) { removeInterview(input: $input) {
  removedInterviewId userErrors { field message code } } }"""
AUDIT_LOG = """query($objectId: ID, $first: Int, $after: String) {
  auditLog(objectId: $objectId, first: $first, after: $after) {
    nodes { at keyId keyName mutation clientMutationId objectId before after }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def editors(tmp_path: Path) -> AsyncIterator[Editors]:
    async with serve_editors(tmp_path) as served:
        yield served


async def _mutate(editors: Editors, query: str, as_: str = "all", **input: Any) -> Any:
    data = await editors.data(query, as_, input=input)
    return next(iter(data.values()))


def _codes(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


# --- createCluster / updateCluster ---------------------------------------------------------


async def test_create_cluster_writes_the_cluster_and_its_first_label(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        CREATE,
        name="Pôle Éolien²",
        country="FR",
        portfolio="energy-and-environment",
        website="http://www.eolien.fr",
        level="SILVER",
        validUntil="2027-06-30",
        awardedOn="2025-06-30",
        clientMutationId="c1",
    )
    assert payload["userErrors"] == []
    assert payload["clientMutationId"] == "c1"
    cluster = payload["cluster"]
    assert (cluster["slug"], cluster["name"], cluster["version"]) == (
        "pole-eolien2",
        "Pôle Éolien²",
        1,
    )
    assert cluster["portfolio"] == {"slug": "energy-and-environment"}
    assert cluster["label"] == {
        "level": "SILVER",
        "validUntil": "2027-06-30",
        "awardedOn": "2025-06-30",
        "awardedOnInferred": False,  # given by the editor: published, not inferred
    }
    assert await editors.db[LABELS].count_documents({"cluster": "pole-eolien2"}) == 1


async def test_a_created_cluster_without_award_date_has_it_inferred(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        CREATE,
        name="New Cluster",
        country="DE",
        portfolio="ict",
        level="BRONZE",
        validUntil="2027-01-31",
    )
    assert payload["cluster"]["label"]["awardedOn"] == "2025-01-31"
    assert payload["cluster"]["label"]["awardedOnInferred"] is True


async def test_a_taken_slug_gets_the_country_suffix(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        CREATE,
        name="Pôle EMC²",
        country="DE",
        portfolio="ict",
        level="BRONZE",
        validUntil="2027-01-31",
    )
    assert payload["cluster"]["slug"] == "pole-emc2-de"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"name": "  "}, [(["name"], "INVALID")], id="blank-name"),
        pytest.param({"name": "x" * 301}, [(["name"], "INVALID")], id="long-name"),
        # The loader's text and date rules (`schema.rules.values`), applied the same way.
        pytest.param({"name": "=HYPERLINK(1)"}, [(["name"], "INVALID")], id="formula-name"),
        pytest.param({"name": "Bad\u202eName"}, [(["name"], "INVALID")], id="control-char"),
        pytest.param({"name": "A 2014/02/01 B"}, [(["name"], "INVALID")], id="date-in-name"),
        pytest.param({"website": "ftp://x.fr"}, [(["website"], "INVALID")], id="website-scheme"),
        pytest.param(
            {"validUntil": "1989-12-31"}, [(["label", "validUntil"], "INVALID")], id="date-too-old"
        ),
        pytest.param({"country": "fr"}, [(["country"], "INVALID")], id="lower-case-country"),
        pytest.param({"country": "XX"}, [(["country"], "INVALID")], id="unknown-country"),
        pytest.param({"portfolio": "energie"}, [(["portfolio"], "NOT_FOUND")], id="portfolio"),
        pytest.param({"name": "POLE emc2"}, [(["name"], "ALREADY_EXISTS")], id="name-taken"),
        pytest.param(
            {"awardedOn": "2028-01-01"}, [(["label", "awardedOn"], "INVALID")], id="award-after-end"
        ),
        pytest.param(
            {"name": "", "country": "ZZ"},
            [(["name"], "INVALID"), (["country"], "INVALID")],
            id="every-problem-at-once",
        ),
    ],
)
async def test_create_cluster_user_errors(
    editors: Editors, change: dict[str, Any], expected: list[tuple[list[str], str]]
) -> None:
    fields = {
        "name": "Fresh",
        "country": "FR",
        "portfolio": "ict",
        "level": "BRONZE",
        "validUntil": "2027-01-31",
    } | change
    payload = await _mutate(editors, CREATE, **fields)
    assert _codes(payload) == expected
    assert payload["cluster"] is None
    assert await editors.db[AUDIT].count_documents({}) == 0


async def test_update_cluster_changes_fields_and_keeps_the_slug(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        UPDATE,
        id=CLUSTER_ID,
        expectedVersion=0,
        name="Pôle EMC2 (renamed)",
        website=None,
        portfolio="ict",
    )
    assert payload["userErrors"] == []
    assert payload["cluster"] == {
        "slug": CLUSTER,
        "name": "Pôle EMC2 (renamed)",
        "country": "FR",
        "website": None,
        "version": 1,
        "portfolio": {"slug": "ict"},
    }
    # The search key follows the name; a page of clusters shows the new version too.
    data = await editors.data('{ clusters(search: "renamed") { nodes { slug version } } }')
    assert data["clusters"]["nodes"] == [{"slug": CLUSTER, "version": 1}]


async def test_a_stale_update_conflicts_instead_of_overwriting(editors: Editors) -> None:
    first = await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="First")
    assert first["cluster"]["version"] == 1
    stale = await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="Second")
    assert _codes(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]
    assert stale["cluster"] is None
    doc = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
    assert doc is not None
    assert (doc["name"], doc["version"]) == ("First", 1)


async def test_the_compare_and_set_catches_a_write_between_read_and_update(
    editors: Editors, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = edits._get

    async def and_meanwhile(db: Any, collection: str, key: str, *args: Any) -> Any:
        doc = await real(db, collection, key, *args)
        # Another editor's write lands after the plan's read: only the CAS can see it.
        await db[collection].update_one({"_id": key}, {"$inc": {"version": 1}})
        return doc

    monkeypatch.setattr(edits, "_get", and_meanwhile)
    payload = await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="Lost?")
    assert _codes(payload) == [(["expectedVersion"], "VERSION_CONFLICT")]
    doc = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
    assert doc is not None
    assert doc["name"] == "Pôle EMC²"


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        pytest.param(
            {"id": to_global_id("Cluster", "nope")}, [(["id"], "NOT_FOUND")], id="unknown"
        ),
        pytest.param({"id": LABEL_ID}, [(["id"], "NOT_FOUND")], id="not-a-cluster-id"),
        pytest.param({"name": None}, [(["name"], "INVALID")], id="null-name"),
        pytest.param({"country": "fr"}, [(["country"], "INVALID")], id="bad-country"),
        pytest.param({"portfolio": "nope"}, [(["portfolio"], "NOT_FOUND")], id="bad-portfolio"),
        pytest.param({"name": "Axelera"}, [(["name"], "ALREADY_EXISTS")], id="name-taken"),
        pytest.param({"expectedVersion": 3}, [(["expectedVersion"], "VERSION_CONFLICT")], id="v"),
    ],
)
async def test_update_cluster_user_errors(
    editors: Editors, input: dict[str, Any], expected: list[tuple[list[str], str]]
) -> None:
    fields: dict[str, Any] = {"id": CLUSTER_ID, "expectedVersion": 0} | input
    payload = await _mutate(editors, UPDATE, **fields)
    assert _codes(payload) == expected


# --- labels --------------------------------------------------------------------------------


async def test_a_renewal_joins_the_history_and_becomes_current(editors: Editors) -> None:
    payload = await _mutate(
        editors, AWARD, clusterId=CLUSTER_ID, level="BRONZE", validUntil="2017-02-01"
    )
    assert payload["userErrors"] == []
    assert payload["label"]["awardedOnInferred"] is True
    assert payload["label"]["awardedOn"] == "2014-02-01"  # a Bronze renewal: end minus 3 years
    assert payload["cluster"]["label"]["validUntil"] == "2017-02-01"
    assert [x["validUntil"] for x in payload["cluster"]["labels"]] == ["2017-02-01", "2014-02-01"]
    assert payload["cluster"]["version"] == 1  # its current label changed: so did the cluster


async def test_an_older_label_joins_the_history_without_becoming_current(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        AWARD,
        clusterId=CLUSTER_ID,
        level="BRONZE",
        validUntil="2011-02-01",
        awardedOn="2009-02-01",
    )
    assert payload["cluster"]["label"]["validUntil"] == "2014-02-01"
    assert payload["label"]["awardedOn"] == "2009-02-01"


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        pytest.param({"validUntil": "2014-02-01"}, [(["validUntil"], "ALREADY_EXISTS")], id="dup"),
        pytest.param(
            {"awardedOn": "2020-01-01"}, [(["awardedOn"], "INVALID")], id="award-after-end"
        ),
        pytest.param({"validUntil": "1989-12-31"}, [(["validUntil"], "INVALID")], id="end-too-old"),
        pytest.param(
            {"clusterId": to_global_id("Cluster", "nope")},
            [(["clusterId"], "NOT_FOUND")],
            id="unknown-cluster",
        ),
    ],
)
async def test_award_label_user_errors(
    editors: Editors, input: dict[str, Any], expected: list[tuple[list[str], str]]
) -> None:
    base = {"clusterId": CLUSTER_ID, "level": "BRONZE", "validUntil": "2017-02-01"}
    payload = await _mutate(editors, AWARD, **(base | input))
    assert _codes(payload) == expected


async def test_update_label_corrects_the_day_and_follows_the_natural_key(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        UPDATE_LABEL,
        id=LABEL_ID,
        expectedVersion=0,
        validUntil="2014-03-01",
        awardedOn="2012-03-01",
    )
    assert payload["userErrors"] == []
    label = payload["label"]
    assert label["id"] == to_global_id("Label", f"{CLUSTER}/BRONZE/2014-03-01")
    assert (label["awardedOn"], label["awardedOnInferred"], label["version"]) == (
        "2012-03-01",
        False,
        1,
    )
    assert payload["cluster"]["label"] == {"validUntil": "2014-03-01"}
    assert payload["cluster"]["labels"] == [{"id": label["id"]}]
    data = await editors.data("query($id: ID!) { node(id: $id) { id } }", id=LABEL_ID)
    assert data["node"] is None


async def test_update_label_user_errors(editors: Editors) -> None:
    await _mutate(editors, AWARD, clusterId=CLUSTER_ID, level="BRONZE", validUntil="2017-02-01")
    taken = await _mutate(
        editors, UPDATE_LABEL, id=LABEL_ID, expectedVersion=0, validUntil="2017-02-01"
    )
    assert _codes(taken) == [(["validUntil"], "ALREADY_EXISTS")]
    stale = await _mutate(editors, UPDATE_LABEL, id=LABEL_ID, expectedVersion=4, level="GOLD")
    assert _codes(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]
    null = await _mutate(editors, UPDATE_LABEL, id=LABEL_ID, expectedVersion=0, level=None)
    assert _codes(null) == [(["level"], "INVALID")]


CLUSTER_VERSION = "query($id: ID!) { node(id: $id) { ... on Cluster { version } } }"


async def _cluster_version(editors: Editors) -> int:
    data = await editors.data(CLUSTER_VERSION, id=CLUSTER_ID)
    version: int = data["node"]["version"]
    return version


async def test_every_label_write_raises_the_cluster_version(editors: Editors) -> None:
    """What a cluster shows of its labels is embedded in it: an update of the cluster
    based on the version read before a label write must conflict."""
    renewal = to_global_id("Label", f"{CLUSTER}/BRONZE/2017-02-01")
    moved = to_global_id("Label", f"{CLUSTER}/BRONZE/2017-03-01")
    writes: list[tuple[str, dict[str, Any]]] = [
        (AWARD, {"clusterId": CLUSTER_ID, "level": "BRONZE", "validUntil": "2017-02-01"}),
        (UPDATE_LABEL, {"id": renewal, "expectedVersion": 1, "awardedOn": "2014-01-15"}),
        (UPDATE_LABEL, {"id": renewal, "expectedVersion": 2, "validUntil": "2017-03-01"}),
        (REMOVE_LABEL, {"id": moved, "expectedVersion": 3}),
    ]
    for query, input in writes:
        before = await _cluster_version(editors)
        payload = await _mutate(editors, query, **input)
        assert payload["userErrors"] == []
        assert await _cluster_version(editors) == before + 1, query.split("(")[1]
        stale = await _mutate(
            editors, UPDATE, id=CLUSTER_ID, expectedVersion=before, website="https://x.fr"
        )
        assert _codes(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]
    # A write of the cluster alone raises it once: the derivation after it changes nothing.
    same = await _cluster_version(editors)
    await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=same, name="Pôle EMC²")
    assert await _cluster_version(editors) == same + 1


async def _after(seconds: float, call: Awaitable[Any]) -> Any:
    await asyncio.sleep(seconds)
    return await call


async def test_of_two_updates_of_one_label_at_once_the_loser_gets_a_conflict(
    editors: Editors,
) -> None:
    """Two updates based on the same version, the second sent a little later each round,
    so that it plans before, during or after the first one's writes. When the first one
    gave the label a new ID (a new level or end day), the second finds no label under the
    old ID: it is still a VERSION_CONFLICT, never NOT_FOUND."""
    losers: list[str] = []
    for n in range(20):
        doc = await editors.db[LABELS].find_one({"cluster": CLUSTER})
        assert doc is not None
        base = {"id": to_global_id("Label", doc["_id"]), "expectedVersion": doc.get("version", 0)}
        level = "SILVER" if doc["level"] == "BRONZE" else "BRONZE"
        second = (
            {"awardedOn": "2011-01-01"}  # keeps the ID
            if n % 4 == 3
            else {"validUntil": f"2016-01-{n + 1:02d}"}
        )
        payloads = await asyncio.gather(
            _mutate(editors, UPDATE_LABEL, **base, level=level),
            _after(0.001 * (n % 10), _mutate(editors, UPDATE_LABEL, **base, **second)),
        )
        codes = [_codes(payload) for payload in payloads]
        assert sorted(map(len, codes)) == [0, 1], payloads
        losers.extend(code for errors in codes for _, code in errors)
    assert set(losers) == {"VERSION_CONFLICT"}


async def test_remove_label_refuses_the_last_one_then_removes_another(editors: Editors) -> None:
    last = await _mutate(editors, REMOVE_LABEL, id=LABEL_ID, expectedVersion=0)
    assert _codes(last) == [(["id"], "LAST_LABEL")]
    await _mutate(editors, AWARD, clusterId=CLUSTER_ID, level="BRONZE", validUntil="2017-02-01")
    renewal = to_global_id("Label", f"{CLUSTER}/BRONZE/2017-02-01")
    stale = await _mutate(editors, REMOVE_LABEL, id=renewal, expectedVersion=0)
    assert _codes(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]  # it is at version 1
    removed = await _mutate(editors, REMOVE_LABEL, id=renewal, expectedVersion=1)
    assert removed["userErrors"] == []
    assert removed["removedLabelId"] == renewal
    assert removed["cluster"]["label"] == {"validUntil": "2014-02-01"}  # current again
    gone = await _mutate(editors, REMOVE_LABEL, id=renewal, expectedVersion=1)
    assert _codes(gone) == [(["id"], "NOT_FOUND")]


async def test_two_removals_at_once_never_remove_the_last_label(editors: Editors) -> None:
    """Two removals of a two-label cluster's labels, sent together: the rule "a cluster
    keeps a label" is decided and written as one compare-and-set on the cluster, so one
    of them loses, writes nothing, and the cluster shows the label that is left."""
    raced = 0
    for _ in range(5):
        for end in ("2014-02-01", "2017-02-01"):  # the two labels, awarded again if removed
            if not await editors.db[LABELS].find_one({"_id": f"{CLUSTER}/BRONZE/{end}"}):
                await _mutate(editors, AWARD, clusterId=CLUSTER_ID, level="BRONZE", validUntil=end)
        labels = {doc["_id"]: doc async for doc in editors.db[LABELS].find({"cluster": CLUSTER})}
        assert len(labels) == 2
        entries = await editors.db[AUDIT].count_documents({})
        payloads = await asyncio.gather(
            *(
                _mutate(
                    editors,
                    REMOVE_LABEL,
                    id=to_global_id("Label", key),
                    expectedVersion=doc.get("version", 0),
                )
                for key, doc in labels.items()
            )
        )
        codes = sorted(code for payload in payloads for _, code in _codes(payload))
        assert len(codes) == 1, payloads
        assert codes[0] in ("VERSION_CONFLICT", "LAST_LABEL")
        raced += codes[0] == "VERSION_CONFLICT"
        left = [doc async for doc in editors.db[LABELS].find({"cluster": CLUSTER})]
        assert len(left) == 1
        cluster = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
        assert cluster is not None
        assert [entry["validUntil"] for entry in cluster["history"]] == [left[0]["validUntil"]]
        assert cluster["label"]["validUntil"] == left[0]["validUntil"]
        # One audit entry, done: the loser left none behind.
        assert await editors.db[AUDIT].count_documents({}) == entries + 1
        assert await editors.db[AUDIT].count_documents({"state": "pending"}) == 0
    assert raced  # the two did run at once


async def test_a_removal_refused_after_its_cluster_write_leaves_the_cluster_whole(
    editors: Editors, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _mutate(editors, AWARD, clusterId=CLUSTER_ID, level="BRONZE", validUntil="2017-02-01")
    real = edits._get_label

    async def and_meanwhile(db: Any, key: str, expected: int) -> Any:
        doc = await real(db, key, expected)
        # The label moves after the plan read it; the cluster does not.
        await db[LABELS].update_one({"_id": key}, {"$inc": {"version": 1}})
        return doc

    monkeypatch.setattr(edits, "_get_label", and_meanwhile)
    payload = await _mutate(editors, REMOVE_LABEL, id=LABEL_ID, expectedVersion=0)
    assert _codes(payload) == [(["expectedVersion"], "VERSION_CONFLICT")]
    cluster = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
    assert cluster is not None
    assert [f"{entry['validUntil']:%Y}" for entry in cluster["history"]] == ["2014", "2017"]


# --- interviews ----------------------------------------------------------------------------

RESULTS = [
    {"code": "participants", "value": 120, "rating": "GREEN"},
    {"code": "satisfaction_measured", "flag": True},
    {"code": "sector_focus", "text": "Production and engineering"},
]


async def test_record_interview_writes_a_real_interview(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        RECORD,
        as_="interviewer",
        clusterId=CLUSTER_ID,
        conductedOn="2013-05-02",
        catalogueVersion="bronze-36-2010",
        results=RESULTS,
        recommendations=["Keep going."],
    )
    assert payload["userErrors"] == []
    interview = payload["interview"]
    assert (interview["isSample"], interview["conductedOn"], interview["version"]) == (
        False,
        "2013-05-02",
        1,
    )
    # The interviewer's key lacks results:read: the real results are withheld from it.
    assert interview["results"] is None
    data = await editors.data(
        "query($id: ID!) { node(id: $id) { ... on Interview { results { code value flag text "
        "rating } } } }",
        "reader",
        id=interview["id"],
    )
    assert data["node"]["results"] == [
        {"code": "participants", "value": 120.0, "flag": None, "text": None, "rating": "GREEN"},
        {
            "code": "sector_focus",
            "value": None,
            "flag": None,
            "text": "Production and engineering",
            "rating": None,
        },
        {
            "code": "satisfaction_measured",
            "value": None,
            "flag": True,
            "text": None,
            "rating": None,
        },
    ]


@pytest.mark.parametrize(
    ("results", "expected", "message"),
    [
        pytest.param(
            [{"code": "nope", "value": 1}],
            [(["results", "0", "code"], "INVALID")],
            "not an indicator of the catalogue",
            id="unknown-code",
        ),
        pytest.param(
            [{"code": "participants", "value": 1}, {"code": "sme_share", "value": 150}],
            [(["results", "1", "value"], "INVALID")],
            "a PERCENT value here must be within 0..100",
            id="percent-out-of-range",
        ),
        pytest.param(
            [{"code": "participants", "value": 20_000_000}],
            [(["results", "0", "value"], "INVALID")],
            "a COUNT value here must be within 0..10000000",
            id="count-over-ceiling",
        ),
        pytest.param(
            [{"code": "year_established", "value": 2020}],
            [(["results", "0", "value"], "INVALID")],
            "a YEAR must be a whole year from 1900 to 2013",
            id="year-after-interview",
        ),
        pytest.param(
            [{"code": "participants", "flag": True}],
            [(["results", "0", "value"], "INVALID")],
            "a COUNT value must be a number",
            id="wrong-kind",
        ),
        pytest.param(
            [{"code": "legal_form", "text": "x", "rating": "RED"}],
            [(["results", "0", "value"], "INVALID")],
            "not one of the choices",
            id="enum-choice",
        ),
        pytest.param(
            [{"code": "participants", "value": 1, "flag": True}],
            [(["results", "0"], "INVALID")],
            "at most one of",
            id="two-values",
        ),
        pytest.param(
            [{"code": "participants", "value": 1}, {"code": "participants", "value": 2}],
            [(["results", "1", "code"], "INVALID")],
            "given twice",
            id="twice",
        ),
    ],
)
async def test_record_interview_applies_the_loaders_rules(
    editors: Editors, results: list[dict[str, Any]], expected: Any, message: str
) -> None:
    payload = await _mutate(
        editors,
        RECORD,
        as_="interviewer",
        clusterId=CLUSTER_ID,
        conductedOn="2013-05-02",
        catalogueVersion="bronze-36-2010",
        results=results,
    )
    assert _codes(payload) == expected
    assert message in payload["userErrors"][0]["message"]


async def test_record_interview_refuses_a_date_a_load_would_refuse(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        RECORD,
        as_="interviewer",
        clusterId=CLUSTER_ID,
        conductedOn="1989-12-31",
        catalogueVersion="bronze-36-2010",
        results=[],
    )
    assert _codes(payload) == [(["conductedOn"], "INVALID")]
    assert "outside the plausible range 1990-01-01" in payload["userErrors"][0]["message"]


async def test_the_embedded_history_carries_each_labels_version(editors: Editors) -> None:
    await _mutate(
        editors, AWARD, as_="editor", clusterId=CLUSTER_ID, level="BRONZE", validUntil="2017-02-01"
    )
    renewal = to_global_id("Label", f"{CLUSTER}/BRONZE/2017-02-01")
    await _mutate(
        editors, UPDATE_LABEL, as_="editor", id=renewal, expectedVersion=1, awardedOn="2014-01-15"
    )
    cluster = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
    assert cluster is not None
    versions = {
        doc["_id"]: doc.get("version", 0)
        async for doc in editors.db[LABELS].find({"cluster": CLUSTER})
    }
    history = [(entry["validUntil"].year, entry["version"]) for entry in cluster["history"]]
    assert history == [(2014, versions[f"{CLUSTER}/BRONZE/2014-02-01"]), (2017, 2)]
    assert cluster["label"]["version"] == 2
    assert cluster["label"]["validUntil"].year == 2017  # the latest awarded


async def test_record_interview_refuses_a_rating_on_an_unrated_indicator(editors: Editors) -> None:
    payload = await _mutate(
        editors,
        RECORD,
        as_="interviewer",
        clusterId=CLUSTER_ID,
        conductedOn="2013-05-02",
        catalogueVersion="bronze-36-2010",
        results=[{"code": "year_established", "value": 2001, "rating": "RED"}],
    )
    assert _codes(payload) == [(["results", "0", "rating"], "INVALID")]
    assert "never rated" in payload["userErrors"][0]["message"]


async def test_record_interview_day_taken_replace_and_remove(editors: Editors) -> None:
    base = {
        "clusterId": CLUSTER_ID,
        "conductedOn": "2013-05-02",
        "catalogueVersion": "bronze-36-2010",
        "results": RESULTS[:1],
    }
    unknown = await _mutate(editors, RECORD, "interviewer", **(base | {"catalogueVersion": "x"}))
    assert _codes(unknown) == [(["catalogueVersion"], "NOT_FOUND")]
    first = await _mutate(editors, RECORD, "interviewer", **base)
    interview_id = first["interview"]["id"]
    taken = await _mutate(editors, RECORD, "interviewer", **base)
    assert _codes(taken) == [(["conductedOn"], "ALREADY_EXISTS")]
    replaced = await _mutate(
        editors, RECORD, "interviewer", **(base | {"results": RESULTS, "expectedVersion": 1})
    )
    assert replaced["interview"]["version"] == 2
    stale = await _mutate(
        editors, REMOVE_INTERVIEW, "interviewer", id=interview_id, expectedVersion=1
    )
    assert _codes(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]
    removed = await _mutate(
        editors, REMOVE_INTERVIEW, "interviewer", id=interview_id, expectedVersion=2
    )
    assert removed == {"removedInterviewId": interview_id, "userErrors": []}


# --- values not of their type, and values the rules refuse ---------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _stored(editors: Editors) -> tuple[int, int, int]:
    db = editors.db
    return (
        await db[AUDIT].count_documents({}),
        await db[LABELS].count_documents({}),
        await db[INTERVIEWS].count_documents({}),
    )


@pytest.mark.parametrize(
    ("query", "input"),
    [
        pytest.param(
            RECORD,
            {"results": [{"code": "participants", "value": "NaN"}]},
            id="float-nan",
        ),
        pytest.param(
            RECORD,
            {"results": [{"code": "participants", "value": "Infinity"}]},
            id="float-infinity",
        ),
        pytest.param(RECORD, {"conductedOn": "1850-05-02"}, id="date-before-1900"),
        pytest.param(AWARD, {"validUntil": "2300-01-01"}, id="date-after-2200"),
        pytest.param(AWARD, {"validUntil": "2019-02-30"}, id="no-such-day"),
        pytest.param(AWARD, {"validUntil": "01/02/2019"}, id="malformed-date"),
    ],
)
async def test_a_value_not_of_its_type_is_bad_user_input_and_writes_nothing(
    editors: Editors, query: str, input: dict[str, Any]
) -> None:
    """GraphQL coercion refuses the variables before anything runs: one top-level error,
    BAD_USER_INPUT, no `data`; HTTP 200 as `application/json`, 400 as
    `application/graphql-response+json` (a request error)."""
    base: dict[str, Any] = (
        {
            "clusterId": CLUSTER_ID,
            "conductedOn": "2013-05-02",
            "catalogueVersion": "bronze-36-2010",
            "results": [],
        }
        if query is RECORD
        else {"clusterId": CLUSTER_ID, "level": "BRONZE", "validUntil": "2017-02-01"}
    )
    before = await _stored(editors)
    for accept, status in (("application/json", 200), (GRAPHQL_RESPONSE, 400)):
        response = await editors.api.http.post(
            "/graphql",
            json={"query": query, "variables": {"input": base | input}},
            headers={"Authorization": f"Bearer {editors.keys['all']}", "Accept": accept},
        )
        assert response.status_code == status
        body = response.json()
        assert "data" not in body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert await _stored(editors) == before


@pytest.mark.parametrize(
    ("valid_until", "code"),
    [
        pytest.param("2300-01-01", "BAD_USER_INPUT", id="date-after-2200"),
        pytest.param("2019-02-30", "GRAPHQL_VALIDATION_FAILED", id="no-such-day"),
        pytest.param("someday", "GRAPHQL_VALIDATION_FAILED", id="malformed-date"),
    ],
)
async def test_a_literal_not_of_its_type_fails_validation_and_writes_nothing(
    editors: Editors, valid_until: str, code: str
) -> None:
    """Written in the document instead of a variable, such a value fails the document's
    validation; a date outside 1900..2200 keeps its BAD_USER_INPUT."""
    before = await _stored(editors)
    literal = f'{{clusterId: $id, level: BRONZE, validUntil: "{valid_until}"}}'
    query = f"mutation($id: ID!) {{ awardLabel(input: {literal}) {{ userErrors {{ code }} }} }}"
    body = await editors.post(query, "all", id=CLUSTER_ID)
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert await _stored(editors) == before


async def test_nan_in_a_json_body_is_no_json_and_writes_nothing(editors: Editors) -> None:
    """JSON has no NaN or Infinity (RFC 8259): a body holding one is not JSON, refused with
    HTTP 400 BAD_REQUEST before GraphQL reads it."""
    before = await _stored(editors)
    input = {
        "clusterId": CLUSTER_ID,
        "conductedOn": "2013-05-02",
        "catalogueVersion": "bronze-36-2010",
        "results": [{"code": "participants", "value": 0.5}],
    }
    text = json.dumps({"query": RECORD, "variables": {"input": input}})
    for word in ("NaN", "Infinity", "-Infinity", "1e400"):
        response = await editors.api.http.post(
            "/graphql",
            content=text.replace("0.5", word).encode(),
            headers={
                "Authorization": f"Bearer {editors.keys['all']}",
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 400, word
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await _stored(editors) == before


@pytest.mark.parametrize(
    ("query", "input", "field"),
    [
        pytest.param(
            AWARD,
            {"clusterId": CLUSTER_ID, "level": "BRONZE", "validUntil": "2199-01-01"},
            ["validUntil"],
            id="date-past-ten-years-ahead",
        ),
        pytest.param(
            RECORD,
            {
                "clusterId": CLUSTER_ID,
                "conductedOn": "1989-12-31",
                "catalogueVersion": "bronze-36-2010",
                "results": [],
            },
            ["conductedOn"],
            id="date-before-1990",
        ),
        pytest.param(
            RECORD,
            {
                "clusterId": CLUSTER_ID,
                "conductedOn": "2013-05-02",
                "catalogueVersion": "bronze-36-2010",
                "results": [{"code": "sme_share", "value": 150}],
            },
            ["results", "0", "value"],
            id="off-the-scale",
        ),
    ],
)
async def test_a_value_of_its_type_that_breaks_a_rule_is_a_user_error(
    editors: Editors, query: str, input: dict[str, Any], field: list[str]
) -> None:
    before = await _stored(editors)
    payload = await _mutate(editors, query, **input)
    assert _codes(payload) == [(field, "INVALID")]
    assert await _stored(editors) == before


async def test_a_float_literal_too_large_for_a_double_is_refused_by_the_rules(
    editors: Editors,
) -> None:
    """Written in the document, `1e400` reads as infinity (graphql-core's Float takes a
    literal without checking it is finite): the rules refuse it, nothing is written."""
    before = await _stored(editors)
    query = (
        'mutation($id: ID!) { recordInterview(input: {clusterId: $id, conductedOn: "2013-05-02", '
        'catalogueVersion: "bronze-36-2010", results: [{code: "participants", value: 1e400}]}) '
        "{ userErrors { field code } } }"
    )
    data = await editors.data(query, "all", id=CLUSTER_ID)
    assert _codes(data["recordInterview"]) == [(["results", "0", "value"], "INVALID")]
    assert await _stored(editors) == before


# --- idempotent retries and the audit trail ------------------------------------------------


async def test_a_retry_with_the_same_client_mutation_id_is_not_applied_twice(
    editors: Editors,
) -> None:
    award = {
        "clusterId": CLUSTER_ID,
        "level": "BRONZE",
        "validUntil": "2017-02-01",
        "clientMutationId": "renewal-1",
    }
    first = await _mutate(editors, AWARD, **award)
    again = await _mutate(editors, AWARD, **award)
    assert again == first  # the recorded outcome, not ALREADY_EXISTS
    assert await editors.db[LABELS].count_documents({"cluster": CLUSTER}) == 2
    assert await editors.db[AUDIT].count_documents({"clientMutationId": "renewal-1"}) == 1
    # The same id from another key is another mutation.
    other = await _mutate(editors, AWARD, as_="editor", **award)
    assert _codes(other) == [(["validUntil"], "ALREADY_EXISTS")]
    # Reused for another mutation by the same key: refused, nothing written.
    reused = await _mutate(
        editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="X", clientMutationId="renewal-1"
    )
    assert _codes(reused) == [(["clientMutationId"], "CLIENT_MUTATION_ID_REUSED")]


async def test_a_retried_update_returns_its_outcome_instead_of_a_conflict(
    editors: Editors,
) -> None:
    update: dict[str, Any] = {
        "id": CLUSTER_ID,
        "expectedVersion": 0,
        "name": "Once",
        "clientMutationId": "u",
    }
    first = await _mutate(editors, UPDATE, **update)
    again = await _mutate(editors, UPDATE, **update)
    assert again["userErrors"] == []
    assert again["cluster"] == first["cluster"]


async def test_the_same_retry_sent_five_times_at_once_is_applied_once(editors: Editors) -> None:
    award: dict[str, Any] = {
        "clusterId": CLUSTER_ID,
        "level": "SILVER",
        "validUntil": "2016-07-04",
        "clientMutationId": "dup",
    }
    payloads = await asyncio.gather(*(_mutate(editors, AWARD, **award) for _ in range(5)))
    assert all(p["userErrors"] == [] for p in payloads)
    assert len({str(p["label"]) for p in payloads}) == 1
    labels = await editors.db[LABELS].count_documents({"cluster": CLUSTER, "level": "SILVER"})
    assert labels == 1


async def test_every_applied_mutation_leaves_one_audit_entry(editors: Editors) -> None:
    await _mutate(
        editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="Audited", clientMutationId="a1"
    )
    await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="Refused")  # conflict
    await _mutate(editors, AWARD, clusterId=CLUSTER_ID, level="SILVER", validUntil="2016-01-01")
    body = await editors.data(AUDIT_LOG, "auditor", objectId=CLUSTER_ID)
    entries = body["auditLog"]["nodes"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["keyId"] == editors.ids["all"]
    assert entry["keyName"] == "all"
    assert (entry["mutation"], entry["clientMutationId"]) == ("updateCluster", "a1")
    assert entry["objectId"] == CLUSTER_ID
    assert entry["before"]["name"] == "Pôle EMC²"
    assert entry["before"].get("version") is None
    assert entry["after"]["name"] == "Audited"
    assert entry["after"]["version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", entry["at"])
    assert entry["after"]["label"]["validUntil"] == "2014-02-01T00:00:00Z"  # the same format
    everything = await editors.data(AUDIT_LOG, "auditor", first=1)
    page = everything["auditLog"]
    assert [e["mutation"] for e in page["nodes"]] == ["awardLabel"]  # newest first
    assert page["nodes"][0]["before"] is None  # a creation
    rest = await editors.data(AUDIT_LOG, "auditor", first=5, after=page["pageInfo"]["endCursor"])
    assert [e["mutation"] for e in rest["auditLog"]["nodes"]] == ["updateCluster"]
    assert rest["auditLog"]["pageInfo"]["hasNextPage"] is False


async def test_audit_log_since_and_until(editors: Editors) -> None:
    await _mutate(editors, UPDATE, id=CLUSTER_ID, expectedVersion=0, name="Then")
    query = (
        "query($s: DateTime, $u: DateTime) { auditLog(since: $s, until: $u) { "
        "nodes { mutation } } }"
    )
    past = await editors.data(query, "auditor", s="2000-01-01T00:00:00Z", u="2001-01-01T00:00:00Z")
    assert past["auditLog"]["nodes"] == []
    now = await editors.data(query, "auditor", s="2000-01-01T00:00:00Z")
    assert now["auditLog"]["nodes"] == [{"mutation": "updateCluster"}]


async def test_a_client_mutation_id_is_at_most_two_hundred_characters(editors: Editors) -> None:
    audited = await editors.db[AUDIT].count_documents({})
    common = {
        "name": "Long Key Cluster",
        "country": "DE",
        "portfolio": "ict",
        "level": "BRONZE",
        "validUntil": "2027-01-31",
    }
    payload = await _mutate(editors, CREATE, **common, clientMutationId="k" * 201)
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["clientMutationId"], "INVALID")
    ]
    assert await editors.db[AUDIT].count_documents({}) == audited  # nothing written
    payload = await _mutate(editors, CREATE, **common, clientMutationId="k" * 200)
    assert payload["userErrors"] == []

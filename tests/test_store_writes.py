"""Nothing half-written: a fault injected between the label and its cluster leaves a state
that a retry with the same clientMutationId, or the next write to the cluster, repairs;
and the derived label fields come from one function."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import schema.store.writes as writes
from schema.store.audit import AUDIT
from schema.store.documents import CLUSTERS, LABELS, Database
from schema.store.edits import plan_award_label
from schema.store.labels import refresh_cluster_labels
from schema.store.writes import Actor, apply
from schema.types.ids import to_global_id
from seed.shipped import load_shipped
from tests.editing import Editors, serve_editors

pytestmark = pytest.mark.anyio

CLUSTER = "pole-emc2"
AWARD = """mutation($input: AwardLabelInput!) { awardLabel(input: $input) {
  label { validUntil } cluster { label { validUntil } } userErrors { code } } }"""
RENEWAL = {
    "clusterId": to_global_id("Cluster", CLUSTER),
    "level": "BRONZE",
    "validUntil": "2017-02-01",
}


@pytest.fixture
async def editors(tmp_path: Path) -> AsyncIterator[Editors]:
    async with serve_editors(tmp_path) as served:
        yield served


def _fail_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the derivation after the label write fail once: the fault between the writes."""
    real = refresh_cluster_labels
    calls: list[int] = []

    async def failing(db: Database, cluster: str, *, session: Any = None) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("lost the server between the two writes")
        await real(db, cluster, session=session)

    monkeypatch.setattr(writes, "refresh_cluster_labels", failing)
    return calls


async def _current_end(editors: Editors) -> str:
    doc = await editors.db[CLUSTERS].find_one({"_id": CLUSTER})
    assert doc is not None
    return f"{doc['label']['validUntil']:%Y-%m-%d}"


async def test_a_retry_with_the_same_id_completes_an_interrupted_write(
    editors: Editors, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_once(monkeypatch)
    body = await editors.post(AWARD, "editor", input=RENEWAL | {"clientMutationId": "r"})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    # Half-written: the label is in the history, the cluster still shows the old one, and
    # the audit entry is pending (not listed).
    assert await editors.db[LABELS].count_documents({"cluster": CLUSTER}) == 2
    assert await _current_end(editors) == "2014-02-01"
    assert await editors.db[AUDIT].count_documents({"state": "done"}) == 0
    retried = await editors.data(AWARD, "editor", input=RENEWAL | {"clientMutationId": "r"})
    assert retried["awardLabel"] == {
        "label": {"validUntil": "2017-02-01"},
        "cluster": {"label": {"validUntil": "2017-02-01"}},
        "userErrors": [],
    }
    assert await editors.db[LABELS].count_documents({"cluster": CLUSTER}) == 2
    assert await editors.db[AUDIT].count_documents({"state": "done"}) == 1
    log = await editors.data("{ auditLog { nodes { mutation before after } } }", "auditor")
    assert [e["mutation"] for e in log["auditLog"]["nodes"]] == ["awardLabel"]


async def test_the_next_write_to_the_cluster_repairs_it(
    editors: Editors, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_once(monkeypatch)
    await editors.post(AWARD, "editor", input=RENEWAL)  # no clientMutationId: no retry
    assert await _current_end(editors) == "2014-02-01"
    update = """mutation($input: UpdateClusterInput!) { updateCluster(input: $input) {
      cluster { label { validUntil } } } }"""
    data = await editors.data(
        update, "editor", input={"id": RENEWAL["clusterId"], "expectedVersion": 0, "website": None}
    )
    assert data["updateCluster"]["cluster"]["label"] == {"validUntil": "2017-02-01"}


async def test_refresh_derives_award_dates_and_the_current_label(db: Database) -> None:
    await load_shipped(db, sample_interviews=False)
    await db[LABELS].insert_one(
        {
            "_id": f"{CLUSTER}/BRONZE/2017-02-01",
            "cluster": CLUSTER,
            "level": "BRONZE",
            "validUntil": datetime(2017, 2, 1),
            "awardedOn": datetime(2017, 2, 1),  # a placeholder: inferred below
            "awardedOnInferred": True,
            "source": {"file": "api", "line": 0},
        }
    )
    await refresh_cluster_labels(db, CLUSTER)
    await refresh_cluster_labels(db, CLUSTER)  # idempotent
    cluster = await db[CLUSTERS].find_one({"_id": CLUSTER})
    assert cluster is not None
    assert cluster["label"] == {
        "level": "BRONZE",
        "levelRank": 1,
        "validUntil": datetime(2017, 2, 1),
        "awardedOn": datetime(2014, 2, 1),  # a renewal: three years before its end
        "awardedOnInferred": True,
        "version": 0,
    }
    # The embedded history ends with it; every entry carries its label's version.
    assert cluster["history"][-1] == {**cluster["label"], "inForceUntil": datetime(9999, 12, 31)}
    assert all("version" in entry for entry in cluster["history"])


async def test_apply_without_a_scope_layer_records_who_wrote(db: Database) -> None:
    await load_shipped(db, sample_interviews=False)
    actor = Actor(key_id="0123456789ab", key_name="script")

    async def plan() -> writes.Plan:
        return await plan_award_label(
            db, CLUSTER, level="GOLD", valid_until=datetime(2016, 1, 1).date(), awarded_on=None
        )

    outcome = await apply(db, actor, "awardLabel", "x", plan)
    assert outcome.problems == []
    assert outcome.after is not None
    entry = await db[AUDIT].find_one({"_id": "0123456789ab/x"})
    assert entry is not None
    assert (entry["state"], entry["keyName"], entry["objectKey"]) == (
        "done",
        "script",
        f"{CLUSTER}/GOLD/2016-01-01",
    )


@pytest.mark.mongodb
async def test_a_mutation_on_a_real_server(mongodb: Database) -> None:
    """On a replica set the same code runs in a transaction; on a standalone server it
    takes the embedded store's write order. Either way the outcome is the same."""
    await load_shipped(mongodb, sample_interviews=False)

    async def plan() -> writes.Plan:
        return await plan_award_label(
            mongodb,
            CLUSTER,
            level="BRONZE",
            valid_until=datetime(2017, 2, 1).date(),
            awarded_on=None,
        )

    outcome = await apply(mongodb, Actor("0123456789ab", "t"), "awardLabel", "m", plan)
    assert outcome.problems == []
    cluster = await mongodb[CLUSTERS].find_one({"_id": CLUSTER})
    assert cluster is not None
    assert cluster["label"]["validUntil"] == datetime(2017, 2, 1)


async def test_a_load_that_replaces_a_document_raises_its_version(db: Database) -> None:
    await load_shipped(db, sample_interviews=False)
    await db[CLUSTERS].update_one({"_id": CLUSTER}, {"$set": {"name": "Edited", "version": 4}})
    report = await load_shipped(db, sample_interviews=False)
    assert report.writes[CLUSTERS].updated == 1
    cluster = await db[CLUSTERS].find_one({"_id": CLUSTER})
    assert cluster is not None
    assert (cluster["name"], cluster["version"]) == ("Pôle EMC²", 5)
    again = await load_shipped(db, sample_interviews=False)
    assert again.writes[CLUSTERS].updated == 0  # a version alone is no difference

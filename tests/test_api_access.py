"""API keys, scopes and budgets through HTTP: every scope boundary (allowed with the
scope, FORBIDDEN without it), 401 for a bad key, 429 past the budget, and no key or
hash in any answer or log."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from schema.store.documents import INTERVIEWS, InterviewDoc
from schema.types.ids import to_global_id
from tests.editing import ROLES, Editors, serve_editors

pytestmark = pytest.mark.anyio

CLUSTER_ID = to_global_id("Cluster", "pole-emc2")
LABEL_ID = to_global_id("Label", "pole-emc2/BRONZE/2014-02-01")

# One operation per scoped field, and the scope it needs. Each would be applied (or read)
# with the scope; every input here is valid.
GUARDED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "mutation($i: CreateClusterInput!) { createCluster(input: $i) { userErrors { code } } }",
        "directory:write",
        {
            "i": {
                "name": "Scoped",
                "country": "FR",
                "portfolio": "ict",
                "level": "BRONZE",
                "validUntil": "2027-01-01",
            }
        },
    ),
    (
        "mutation($i: UpdateClusterInput!) { updateCluster(input: $i) { userErrors { code } } }",
        "directory:write",
        {"i": {"id": CLUSTER_ID, "expectedVersion": 0, "name": "Scoped"}},
    ),
    (
        "mutation($i: AwardLabelInput!) { awardLabel(input: $i) { userErrors { code } } }",
        "directory:write",
        {"i": {"clusterId": CLUSTER_ID, "level": "GOLD", "validUntil": "2016-01-01"}},
    ),
    (
        "mutation($i: UpdateLabelInput!) { updateLabel(input: $i) { userErrors { code } } }",
        "directory:write",
        {"i": {"id": LABEL_ID, "expectedVersion": 0, "awardedOn": "2012-01-01"}},
    ),
    (
        "mutation($i: RemoveLabelInput!) { removeLabel(input: $i) { userErrors { code } } }",
        "directory:write",
        {"i": {"id": LABEL_ID, "expectedVersion": 0}},
    ),
    (
        "mutation($i: RecordInterviewInput!) { recordInterview(input: $i) { "
        "userErrors { code } } }",
        "interviews:write",
        {
            "i": {
                "clusterId": CLUSTER_ID,
                "conductedOn": "2013-01-02",
                "catalogueVersion": "bronze-36-2010",
                "results": [],
            }
        },
    ),
    (
        "mutation($i: RemoveInterviewInput!) { removeInterview(input: $i) { "
        "userErrors { code } } }",
        "interviews:write",
        {"i": {"id": to_global_id("Interview", "pole-emc2/2012-02-01"), "expectedVersion": 0}},
    ),
    ("{ auditLog { nodes { mutation } } }", "audit:read", {}),
    ("{ apiKeys { id name scopes } }", "keys:admin", {}),
    ('mutation { revokeApiKey(id: "000000000000") }', "keys:admin", {}),
]


@pytest.fixture
async def editors(tmp_path: Path) -> AsyncIterator[Editors]:
    async with serve_editors(tmp_path) as served:
        yield served


def _field(query: str) -> str:
    found = re.search(r"(\w+)(?:\(input| \{ nodes|\(id| \{ id)", query)
    assert found is not None
    return found[1]


def _role_with(scope: str) -> str:
    return next(role for role, scopes in ROLES.items() if scopes == [scope])


@pytest.mark.parametrize(
    ("query", "scope", "variables"),
    [pytest.param(q, s, v, id=_field(q)) for q, s, v in GUARDED],
)
async def test_every_scope_boundary(
    editors: Editors, query: str, scope: str, variables: dict[str, Any]
) -> None:
    for role in (None, "nobody", *(r for r, s in ROLES.items() if s and scope not in s)):
        body = await editors.post(query, role, **variables)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], role
        assert scope in body["errors"][0]["message"]
        assert body["data"] is None or next(iter(body["data"].values())) is None
    # With the scope, the field runs (a mutation's input then meets the rules).
    allowed = await editors.post(query, _role_with(scope), **variables)
    assert "errors" not in allowed, allowed
    assert next(iter(allowed["data"].values())) is not None


REAL: InterviewDoc = {
    "_id": "axelera/2013-06-01",
    "cluster": "axelera",
    "conductedOn": datetime(2013, 6, 1),
    "conductedOnInferred": False,
    "catalogueVersion": "bronze-36-2010",
    "isSample": False,
    "results": [{"code": "participants", "value": 123.0, "rating": "GREEN"}],
    "recommendations": ["Keep going."],
    "source": {"file": "interviews.json", "line": 3},
}
RESULTS = """{ cluster(slug: "axelera") { latestInterview {
  resultsWithheld recommendations results(codes: ["participants"]) { value } } } }"""


async def test_results_read_lets_a_key_read_real_results(editors: Editors) -> None:
    await editors.db[INTERVIEWS].insert_one(dict(REAL))
    for role in (None, "nobody", "editor", "auditor"):
        data = await editors.data(RESULTS, role)
        assert data["cluster"]["latestInterview"]["resultsWithheld"] == "CONFIDENTIAL", role
        assert data["cluster"]["latestInterview"]["results"] is None
    for role in ("reader", "all"):
        data = await editors.data(RESULTS, role)
        assert data["cluster"]["latestInterview"] == {
            "resultsWithheld": None,
            "recommendations": ["Keep going."],
            "results": [{"value": 123.0}],
        }


async def test_publish_results_stays_a_server_wide_override(tmp_path: Path) -> None:
    async with serve_editors(tmp_path, publish_results=True) as editors:
        await editors.db[INTERVIEWS].insert_one(dict(REAL))
        data = await editors.data(RESULTS)
        assert data["cluster"]["latestInterview"]["results"] == [{"value": 123.0}]


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer ecei_0123456789ab_" + "A" * 43, id="unknown-key"),
        pytest.param("Bearer not-a-key", id="malformed-key"),
        pytest.param("Bearer ", id="empty"),
        pytest.param("Basic dXNlcjpwYXNz", id="other-scheme"),
        pytest.param("Token abc", id="no-bearer"),
    ],
)
async def test_a_bad_key_is_refused_with_401(editors: Editors, header: str) -> None:
    response = await editors.api.http.post(
        "/graphql", json={"query": "{ portfolios { slug } }"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert header.split(" ", 1)[-1] not in response.text or header.endswith(" ")


async def test_a_wrong_secret_for_a_known_id_is_refused(editors: Editors) -> None:
    key = editors.keys["all"]
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    response = await editors.api.http.post(
        "/graphql",
        json={"query": "{ portfolios { slug } }"},
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert response.status_code == 401


async def test_a_revoked_key_is_refused_at_once(editors: Editors) -> None:
    revoke = "mutation($id: String!) { revokeApiKey(id: $id) }"
    assert await editors.data(revoke, "admin", id=editors.ids["editor"]) == {"revokeApiKey": True}
    response = await editors.send("{ portfolios { slug } }", "editor")
    assert response.status_code == 401
    assert await editors.data(revoke, "admin", id=editors.ids["editor"]) == {"revokeApiKey": False}
    keys = await editors.data("{ apiKeys { id name revokedAt } }", "admin")
    revoked = {k["name"]: k["revokedAt"] for k in keys["apiKeys"]}
    assert revoked["editor"] is not None
    assert revoked["admin"] is None


REVOCATIONS = """query($id: ID) { auditLog(objectId: $id) { nodes {
  keyId keyName mutation clientMutationId objectId before after } } }"""


async def test_a_revocation_leaves_an_audit_entry_without_the_hash(editors: Editors) -> None:
    revoke = "mutation($id: String!) { revokeApiKey(id: $id) }"
    key_id = editors.ids["editor"]
    assert await editors.data(revoke, "admin", id=key_id) == {"revokeApiKey": True}
    assert await editors.data(revoke, "admin", id=key_id) == {"revokeApiKey": False}  # no entry
    assert await editors.data(revoke, "admin", id="000000000000") == {"revokeApiKey": False}
    response = await editors.send(REVOCATIONS, "auditor", id=to_global_id("ApiKey", key_id))
    entries = response.json()["data"]["auditLog"]["nodes"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["keyId"], entry["keyName"], entry["mutation"]) == (
        editors.ids["admin"],
        "admin",
        "revokeApiKey",
    )
    assert entry["objectId"] == to_global_id("ApiKey", key_id)
    assert entry["before"]["_id"] == entry["after"]["_id"] == key_id
    assert entry["before"].get("revokedAt") is None
    assert entry["after"]["revokedAt"] is not None
    assert "hash" not in entry["before"]
    assert "hash" not in entry["after"]
    key = editors.keys["editor"]
    for secret in (key, hashlib.sha256(key.encode()).hexdigest()):
        assert secret not in response.text
    everything = await editors.data(REVOCATIONS, "auditor")
    assert [e["mutation"] for e in everything["auditLog"]["nodes"]] == ["revokeApiKey"]


async def test_no_key_or_hash_reaches_an_answer_or_the_log(
    editors: Editors, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = editors.keys["all"]
    secrets = (key, hashlib.sha256(key.encode()).hexdigest())
    texts = [
        (await editors.send("{ apiKeys { id name scopes createdAt revokedAt } }", "all")).text,
        (await editors.send("{ auditLog { nodes { keyId } } }", "all")).text,
        (await editors.send("{ nope }", "all")).text,
        (
            await editors.api.http.post(
                "/graphql", json={"query": "{ x }"}, headers={"Authorization": f"Bearer {key}x"}
            )
        ).text,
    ]
    for text in [*texts, caplog.text]:
        assert not any(secret in text for secret in secrets)


async def test_a_persisted_mutation_cannot_run_over_get(editors: Editors) -> None:
    query = 'mutation { revokeApiKey(id: "000000000000") }'
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    registered = await editors.api.http.post(
        "/graphql",
        json={"query": query, "extensions": extensions},
        headers={"Authorization": f"Bearer {editors.keys['admin']}"},
    )
    assert registered.json()["data"] == {"revokeApiKey": False}
    response = await editors.api.http.get(
        "/graphql",
        params={"extensions": f'{{"persistedQuery": {{"version": 1, "sha256Hash": "{digest}"}}}}'},
        headers={"Authorization": f"Bearer {editors.keys['admin']}"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# --- budgets -------------------------------------------------------------------------------

RATE = "{ rateLimit { limit cost remaining resetAt } }"


async def test_rate_limit_field_and_extensions_agree(editors: Editors) -> None:
    body = await editors.post(RATE)
    field, extension = body["data"]["rateLimit"], body["extensions"]["rateLimit"]
    assert field["limit"] == extension["limit"] == 5000
    assert field["cost"] == extension["cost"] == 1
    assert field["remaining"] == extension["remaining"]
    # The same string: ISO 8601 in UTC to the second, with `Z`.
    assert field["resetAt"] == extension["resetAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", field["resetAt"])
    keyed = await editors.post(RATE, "nobody")
    assert keyed["data"]["rateLimit"]["limit"] == 20000  # a key has its own, larger budget


async def test_the_cost_is_requested_objects_per_hundred(editors: Editors) -> None:
    query = (
        "{ clusters(first: 100) { nodes { portfolio { "
        "clusters(first: 20) { nodes { slug } } } } } }"
    )
    body = await editors.post(query)
    # 100 clusters, their 100 portfolios, a page of 20 under each.
    assert body["extensions"]["cost"]["requestedNodes"] == 2200
    assert body["extensions"]["rateLimit"]["cost"] == 22


async def test_over_budget_is_429_with_retry_after(tmp_path: Path) -> None:
    async with serve_editors(tmp_path, anonymous_budget_per_hour=3) as editors:
        remaining = [(await editors.post(RATE))["data"]["rateLimit"]["remaining"] for _ in range(3)]
        assert remaining == [2, 1, 0]
        refused = await editors.send(RATE)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # A key's budget is its own; the refused request cost nothing.
        assert (await editors.send(RATE, "nobody")).status_code == 200
        again = await editors.send(RATE)
        assert again.status_code == 429

"""Individual results of real interviews are confidential: served only when the server
publishes them, while samples are always served and aggregates stay available."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from api.settings import Settings
from schema.store.documents import INTERVIEWS, InterviewDoc
from tests.support import Api, serve

pytestmark = pytest.mark.anyio

CLUSTER = "axelera"  # New materials and chemistry: 10 clusters, enough for peer statistics

REAL: InterviewDoc = {
    "_id": f"{CLUSTER}/2013-06-01",
    "cluster": CLUSTER,
    "conductedOn": datetime(2013, 6, 1),  # after the sample interview: now the latest
    "conductedOnInferred": False,
    "catalogueVersion": "bronze-36-2010",
    "isSample": False,
    "results": [
        {"code": "participants", "value": 123.0, "rating": "GREEN"},
        {"code": "satisfaction_measured", "value": True, "rating": "GREEN"},
    ],
    "recommendations": ["Keep going."],
    "source": {"file": "interviews.json", "line": 3},
}

QUERY = """query($slug: String!) {
  cluster(slug: $slug) {
    latestInterview {
      isSample resultsWithheld recommendations results(codes: ["participants"]) { value }
    }
    benchmark(peerGroup: PORTFOLIO) { isSample }
  }
  other: cluster(slug: "materalia") {
    latestInterview { isSample resultsWithheld results(codes: ["participants"]) { value } }
  }
  indicatorStats(code: "participants", where: { portfolio: ["new-materials-and-chemistry"] }) {
    n withheld median includesSample
  }
}"""


async def _served(publish: bool) -> AsyncIterator[Api]:
    async with serve(Settings(publish_results=publish)) as api:
        await api.app.state.connection.db[INTERVIEWS].insert_one(dict(REAL))
        yield api


@pytest.fixture
async def private() -> AsyncIterator[Api]:
    async for api in _served(publish=False):
        yield api


@pytest.fixture
async def published() -> AsyncIterator[Api]:
    async for api in _served(publish=True):
        yield api


async def test_a_real_interview_is_withheld_by_default(private: Api) -> None:
    data = await private.data(QUERY, slug=CLUSTER)
    assert data["cluster"]["latestInterview"] == {
        "isSample": False,
        "resultsWithheld": "CONFIDENTIAL",
        "recommendations": None,
        "results": None,
    }
    assert data["cluster"]["benchmark"] is None  # it would show the cluster's own values


async def test_samples_and_aggregates_are_served_all_the_same(private: Api) -> None:
    data = await private.data(QUERY, slug=CLUSTER)
    other = data["other"]["latestInterview"]
    assert other["isSample"] is True
    assert other["resultsWithheld"] is None
    assert other["results"][0]["value"] is not None
    [stats] = data["indicatorStats"]
    assert stats["n"] == 10
    assert stats["withheld"] is None
    assert stats["median"] is not None


async def test_a_publishing_server_serves_real_results(published: Api) -> None:
    data = await published.data(QUERY, slug=CLUSTER)
    assert data["cluster"]["latestInterview"] == {
        "isSample": False,
        "resultsWithheld": None,
        "recommendations": ["Keep going."],
        "results": [{"value": 123.0}],
    }
    assert data["cluster"]["benchmark"] == {"isSample": False}

"""One truth on any date: the directory as it stood on `asOf`, through HTTP on the shipped
data, against the label history recomputed in Python from the raw listing (each row is a
first Bronze label, so awarded two years before its end; see `tests.support.status_on`).

The invariant: on every day d of the listing's range, the clusters VALID or EXPIRING_SOON
on d are the clusters `labelTimeline` counts valid at d, and at each month's end that
number is also what `clustersAggregate` and `portfolioStats` count by status. Every day is
covered by one DAY timeline; the status aggregates, one request per day, run on every
month's end and on a sample of other days (mongomock takes tens of milliseconds each).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import LISTING, Api, add_years, status_on

pytestmark = pytest.mark.anyio

FIRST_AWARD = min(add_years(row.end, -2) for row in LISTING)
LAST_END = max(row.end for row in LISTING)
# The listing's range, and a month either side of it.
DAYS = [
    FIRST_AWARD - timedelta(days=31) + timedelta(days=i)
    for i in range((LAST_END - FIRST_AWARD).days + 63)
]
MONTH_ENDS = [day for day in DAYS if (day + timedelta(days=1)).day == 1]
SAMPLE = sorted(random.Random(20140630).sample([d for d in DAYS if d not in MONTH_ENDS], 24))


def brute_force(day: date) -> Counter[str]:
    """Clusters by status on `day`, from the raw listing."""
    return Counter(status_on(row.end, day) for row in LISTING)


def valid_on(day: date) -> int:
    counts = brute_force(day)
    return counts["VALID"] + counts["EXPIRING_SOON"]


TIMELINE = "query ($i: TimelineInterval) { labelTimeline(interval: $i) { end clustersValidAtEnd } }"


async def _timeline(api: Api, interval: str) -> dict[date, int]:
    periods = (await api.data(TIMELINE, i=interval))["labelTimeline"]
    return {date.fromisoformat(p["end"]): p["clustersValidAtEnd"] for p in periods}


async def test_the_timeline_counts_the_valid_clusters_of_every_day(api: Api) -> None:
    daily = await _timeline(api, "DAY")
    monthly = await _timeline(api, "MONTH")
    assert min(daily) == FIRST_AWARD
    assert max(daily) == LAST_END
    for day in DAYS:
        assert daily.get(day, 0) == valid_on(day), day
    for end, count in monthly.items():
        assert count == daily.get(end, 0) == valid_on(end), end


STATUS_COUNTS = """
query ($asOf: Date) {
  clustersAggregate(groupBy: [LABEL_STATUS], asOf: $asOf) { labelStatus count }
}"""


async def _status_counts(api: Api, day: date) -> Counter[str]:
    groups = (await api.data(STATUS_COUNTS, asOf=day.isoformat()))["clustersAggregate"]
    return Counter({g["labelStatus"]: g["count"] for g in groups})


async def test_status_counts_equal_the_timeline_at_every_month_end(api: Api) -> None:
    monthly = await _timeline(api, "MONTH")
    for day in MONTH_ENDS:
        counts = await _status_counts(api, day)
        assert counts == brute_force(day), day
        assert counts["VALID"] + counts["EXPIRING_SOON"] == monthly.get(day, 0), day


@pytest.mark.parametrize("day", SAMPLE, ids=str)
async def test_status_counts_match_the_history_on_other_days(api: Api, day: date) -> None:
    assert await _status_counts(api, day) == brute_force(day)


PORTFOLIO_STATS = """
query ($asOf: Date) {
  portfolioStats(asOf: $asOf) {
    byStatus { valid expiringSoon renewable expired notYetLabelled }
  }
  labelTimeline(interval: MONTH) { end clustersValidAtEnd }
}"""


async def test_portfolio_stats_and_the_timeline_agree_on_30_june_2014(api: Api) -> None:
    day = date(2014, 6, 30)
    data = await api.data(PORTFOLIO_STATS, asOf=day.isoformat())
    totals: Counter[str] = Counter()
    for entry in data["portfolioStats"]:
        totals.update(entry["byStatus"])
    june = next(p for p in data["labelTimeline"] if p["end"] == day.isoformat())
    assert totals["valid"] + totals["expiringSoon"] == june["clustersValidAtEnd"] == valid_on(day)
    assert totals["notYetLabelled"] == brute_force(day)["NOT_YET_LABELLED"] > 0
    assert sum(totals.values()) == len(LISTING)


CLUSTER = """
query ($asOf: Date) {
  cluster(slug: "pole-mer-bretagne", asOf: $asOf) {
    labelStatus label { validUntil awardedOn awardedOnInferred status }
    labels { validUntil status }
  }
  clusters(asOf: $asOf, search: "pole mer bretagne") { nodes { labelStatus label { level } } }
}"""


@pytest.mark.parametrize(
    ("day", "status"),
    [
        pytest.param(date(2014, 4, 28), "NOT_YET_LABELLED", id="day-before-award"),
        pytest.param(date(2014, 4, 29), "VALID", id="award-day"),
        pytest.param(date(2016, 4, 29), "EXPIRING_SOON", id="last-day"),
        pytest.param(None, "EXPIRED", id="today"),
    ],
)
async def test_a_cluster_as_it_stood_on_a_date(api: Api, day: date | None, status: str) -> None:
    # "Pôle Mer Bretagne ... 2016/04/29": awarded (inferred) on 2014-04-29.
    data = await api.data(CLUSTER, asOf=day.isoformat() if day else None)
    cluster: dict[str, Any] = data["cluster"]
    assert cluster["labelStatus"] == status
    assert cluster["labels"] == [{"validUntil": "2016-04-29", "status": status}]
    if status == "NOT_YET_LABELLED":
        assert cluster["label"] is None
        assert data["clusters"]["nodes"] == [{"labelStatus": status, "label": None}]
    else:
        assert cluster["label"] == {
            "validUntil": "2016-04-29",
            "awardedOn": "2014-04-29",
            "awardedOnInferred": True,
            "status": status,
        }
        assert data["clusters"]["nodes"] == [{"labelStatus": status, "label": {"level": "BRONZE"}}]


async def test_node_and_nodes_take_as_of(api: Api) -> None:
    found = await api.data('{ cluster(slug: "pole-mer-bretagne") { id } }')
    node_id = found["cluster"]["id"]
    data = await api.data(
        """query ($id: ID!) {
          node(id: $id, asOf: "2014-01-01") { ... on Cluster { labelStatus label { level } } }
          nodes(ids: [$id], asOf: "2015-01-01") { ... on Cluster { labelStatus } }
        }""",
        id=node_id,
    )
    assert data["node"] == {"labelStatus": "NOT_YET_LABELLED", "label": None}
    assert data["nodes"] == [{"labelStatus": "VALID"}]


async def test_not_yet_labelled_filter_and_groups(api: Api) -> None:
    day = date(2014, 6, 30)
    expected = brute_force(day)["NOT_YET_LABELLED"]
    data = await api.data(
        """query ($d: Date) {
          clusters(asOf: $d, where: {labelStatus: [NOT_YET_LABELLED]}, first: 100) {
            totalCount nodes { labelStatus label { level } }
          }
          clustersAggregate(groupBy: [LABEL_LEVEL, EXPIRY_YEAR], asOf: $d) {
            labelLevel expiryYear count
          }
        }""",
        d=day.isoformat(),
    )
    assert data["clusters"]["totalCount"] == expected
    assert {(n["labelStatus"], n["label"] is None) for n in data["clusters"]["nodes"]} == {
        ("NOT_YET_LABELLED", True)
    }
    groups = data["clustersAggregate"]
    assert groups[-1] == {"labelLevel": None, "expiryYear": None, "count": expected}
    in_force = Counter(row.end.year for row in LISTING if add_years(row.end, -2) <= day)
    assert {g["expiryYear"]: g["count"] for g in groups[:-1]} == in_force


async def test_today_is_unchanged_by_point_in_time_views(api: Api) -> None:
    # Every label of the shipped listing was awarded long ago: today, the label in force
    # is the current one, as before.
    data = await api.data(
        """{ clusters(first: 100) { nodes { labelStatus label { validUntil } } }
             clustersAggregate(groupBy: [LABEL_STATUS]) { labelStatus count } }"""
    )
    ends = sorted(n["label"]["validUntil"] for n in data["clusters"]["nodes"])
    assert ends == sorted(row.end.isoformat() for row in LISTING)
    assert data["clustersAggregate"] == [{"labelStatus": "EXPIRED", "count": len(LISTING)}]


async def test_interviews_and_their_cluster_keep_the_date(api: Api) -> None:
    # Advancity's (sample) interview is dated on its inferred award day, 2012-03-07.
    query = """query ($day: Date) {
      cluster(slug: "advancity", asOf: $day) {
        labelStatus
        interviews { conductedOn }
        latestInterview { id conductedOn cluster { labelStatus label { daysRemaining } } }
      }
    }"""
    later = (await api.data(query, day="2013-01-01"))["cluster"]
    assert later["interviews"] == [{"conductedOn": "2012-03-07"}]
    inner = later["latestInterview"]["cluster"]
    assert inner["labelStatus"] == later["labelStatus"] == "VALID"
    assert inner["label"]["daysRemaining"] == 430  # to 2014-03-07
    before = (await api.data(query, day="2012-03-06"))["cluster"]
    assert before == {"labelStatus": "NOT_YET_LABELLED", "interviews": [], "latestInterview": None}
    node = await api.data(
        """query ($id: ID!) {
          node(id: $id, asOf: "2013-01-01") { ... on Interview { cluster { labelStatus } } }
        }""",
        id=later["latestInterview"]["id"],
    )
    assert node["node"] == {"cluster": {"labelStatus": "VALID"}}

"""Aggregates and benchmarks through HTTP on the shipped data, against expectations computed
independently: counts from the raw listing file read with a regex (not the project's parser),
statistics with Python's `statistics` module on values fetched through the API."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta
from typing import Any, cast

import pytest

from api.settings import Settings
from schema.rules.text import search_key
from tests.support import LISTING, Api, add_years, serve, status_on

pytestmark = pytest.mark.anyio

PORTFOLIO_NAMES = sorted({row.portfolio for row in LISTING})


def test_the_raw_listing_has_88_rows_in_14_portfolios() -> None:
    assert len(LISTING) == 88
    assert len(PORTFOLIO_NAMES) == 14


# --- portfolioStats and clustersAggregate: counts from the listing -------------------------

AS_OF_DATES = [
    date(2013, 12, 1),
    date(2014, 3, 1),
    date(2014, 6, 30),
    date(2015, 2, 28),
    date(2016, 1, 1),
    date(2019, 1, 1),
]

PORTFOLIO_STATS = """
query ($asOf: Date, $days: Int) {
  portfolioStats(asOf: $asOf, expiringWithinDays: $days) {
    portfolio { name }
    clusterCount
    byLevel { bronze silver gold }
    byStatus { valid expiringSoon renewable expired notYetLabelled }
    earliestValidUntil latestValidUntil expiringWithinWindow
  }
}"""


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
async def test_portfolio_stats_match_the_listing(api: Api, as_of: date) -> None:
    data = await api.data(PORTFOLIO_STATS, asOf=as_of.isoformat(), days=30)
    got = {entry["portfolio"]["name"]: entry for entry in data["portfolioStats"]}
    assert sorted(got) == PORTFOLIO_NAMES
    for name, entry in got.items():
        all_ends = [row.end for row in LISTING if row.portfolio == name]
        statuses = Counter(status_on(end, as_of) for end in all_ends)
        # Only labels awarded by asOf (two years before their end) are in force.
        ends = [end for end in all_ends if add_years(end, -2) <= as_of]
        assert entry["clusterCount"] == len(all_ends)
        assert entry["byLevel"] == {"bronze": len(ends), "silver": 0, "gold": 0}
        assert entry["byStatus"] == {
            "valid": statuses["VALID"],
            "expiringSoon": statuses["EXPIRING_SOON"],
            "renewable": statuses["RENEWABLE"],
            "expired": statuses["EXPIRED"],
            "notYetLabelled": statuses["NOT_YET_LABELLED"],
        }
        assert entry["earliestValidUntil"] == (min(ends).isoformat() if ends else None)
        assert entry["latestValidUntil"] == (max(ends).isoformat() if ends else None)
        window = sum(1 for end in ends if as_of <= end <= as_of + timedelta(days=30))
        assert entry["expiringWithinWindow"] == window


async def test_portfolio_stats_keep_portfolios_without_matching_clusters(api: Api) -> None:
    data = await api.data(
        '{ portfolioStats(where: {portfolio: ["ict"]}) { portfolio { slug } clusterCount } }'
    )
    counts = {e["portfolio"]["slug"]: e["clusterCount"] for e in data["portfolioStats"]}
    assert len(counts) == 14
    assert counts.pop("ict") == sum(1 for row in LISTING if row.portfolio == "ICT")
    assert set(counts.values()) == {0}


@pytest.mark.parametrize("days", [-1, 100_000])
async def test_expiry_window_out_of_range_is_a_client_error(api: Api, days: int) -> None:
    (error,) = await api.errors(PORTFOLIO_STATS, days=days)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "expiringWithinDays" in error["message"]


CLUSTERS_AGGREGATE = """
query ($groupBy: [ClusterGroupBy!]!, $asOf: Date, $where: ClusterWhere) {
  clustersAggregate(groupBy: $groupBy, asOf: $asOf, where: $where) {
    portfolio { name } labelLevel labelStatus expiryYear country count
  }
}"""


async def test_clusters_by_expiry_year_match_the_listing(api: Api) -> None:
    data = await api.data(CLUSTERS_AGGREGATE, groupBy=["EXPIRY_YEAR"])
    got = [(g["expiryYear"], g["count"]) for g in data["clustersAggregate"]]
    assert got == sorted(Counter(row.end.year for row in LISTING).items())
    assert all(
        g["portfolio"] is None and g["labelStatus"] is None for g in data["clustersAggregate"]
    )


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
async def test_clusters_by_portfolio_and_status_match_the_listing(api: Api, as_of: date) -> None:
    data = await api.data(
        CLUSTERS_AGGREGATE, groupBy=["PORTFOLIO", "LABEL_STATUS"], asOf=as_of.isoformat()
    )
    got = {
        (g["portfolio"]["name"], g["labelStatus"]): g["count"] for g in data["clustersAggregate"]
    }
    assert got == Counter((row.portfolio, status_on(row.end, as_of)) for row in LISTING)


async def test_status_groups_agree_with_the_status_filter(api: Api) -> None:
    as_of = "2014-03-01"
    data = await api.data(CLUSTERS_AGGREGATE, groupBy=["LABEL_STATUS"], asOf=as_of)
    for group in data["clustersAggregate"]:
        listed = await api.data(
            "query ($s: [LabelStatus!], $asOf: Date) "
            "{ clusters(asOf: $asOf, where: {labelStatus: $s}) { totalCount } }",
            s=[group["labelStatus"]],
            asOf=as_of,
        )
        assert listed["clusters"]["totalCount"] == group["count"]


async def test_clusters_by_country_and_level_and_by_nothing(api: Api) -> None:
    data = await api.data(CLUSTERS_AGGREGATE, groupBy=["COUNTRY", "LABEL_LEVEL"])
    assert [(g["country"], g["labelLevel"], g["count"]) for g in data["clustersAggregate"]] == [
        ("FR", "BRONZE", 88)
    ]
    data = await api.data(CLUSTERS_AGGREGATE, groupBy=[], where={"country": ["DE"]})
    assert [g["count"] for g in data["clustersAggregate"]] == [0]


# --- labelTimeline -----------------------------------------------------------------------


async def test_label_timeline_by_year_matches_the_listing(api: Api) -> None:
    # The shipped data has one label per cluster: the listed one, awarded 2 years before
    # its end (an inferred date).
    data = await api.data(
        "{ labelTimeline(interval: YEAR) "
        "{ year month start end awarded awardedInferred expiring clustersValidAtEnd } }"
    )
    periods = data["labelTimeline"]
    awards = [add_years(row.end, -2) for row in LISTING]
    first, last = min(awards).year, max(row.end for row in LISTING).year
    assert [p["year"] for p in periods] == list(range(first, last + 1))
    for p in periods:
        year_end = date(p["year"], 12, 31)
        assert (p["start"], p["end"], p["month"]) == (f"{p['year']}-01-01", str(year_end), None)
        assert p["awarded"] == sum(1 for a in awards if a.year == p["year"])
        assert p["awardedInferred"] == p["awarded"]
        assert p["expiring"] == sum(1 for row in LISTING if row.end.year == p["year"])
        assert p["clustersValidAtEnd"] == sum(
            1 for row, a in zip(LISTING, awards, strict=True) if a <= year_end <= row.end
        )


async def test_label_timeline_by_month_follows_the_filter(api: Api) -> None:
    data = await api.data(
        '{ labelTimeline(interval: MONTH, where: {portfolio: ["ict"]}) '
        "{ year month start expiring awarded } }"
    )
    periods = data["labelTimeline"]
    ends = Counter((row.end.year, row.end.month) for row in LISTING if row.portfolio == "ICT")
    assert {(p["year"], p["month"]): p["expiring"] for p in periods if p["expiring"]} == ends
    assert sum(p["awarded"] for p in periods) == sum(ends.values())
    assert all(p["start"] == f"{p['year']}-{p['month']:02d}-01" for p in periods)


# --- indicatorStats against the statistics module ------------------------------------------

# Pages of 50: each interview's results count 36 in the query cost.
INTERVIEWS = """
query ($after: String) { clusters(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes {
    slug portfolio { slug }
    label { validUntil }
    latestInterview { isSample results { code value flag text } }
} } }"""


async def _values(api: Api) -> list[dict[str, Any]]:
    """Per cluster: slug, portfolio, validUntil and {code: value}, read through the API."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(INTERVIEWS, after=after))["clusters"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(nodes) == 88
    out = []
    for node in nodes:
        results = node["latestInterview"]["results"]
        assert node["latestInterview"]["isSample"] is True
        values = {}
        for r in results:
            values[r["code"]] = next(
                (v for v in (r["value"], r["flag"], r["text"]) if v is not None), None
            )
        out.append(
            {
                "slug": node["slug"],
                "portfolio": node["portfolio"]["slug"],
                "end": node["label"]["validUntil"],
                "values": values,
            }
        )
    return out


INDICATOR_STATS = """
query ($code: String!, $groupBy: IndicatorGroupBy, $where: ClusterWhere, $sample: Boolean) {
  indicatorStats(code: $code, groupBy: $groupBy, where: $where, includeSample: $sample) {
    portfolio { slug } n withheld includesSample
    mean median p25 p75 min max shareTrue distribution { value count }
  }
}"""


def _expect_numeric(values: list[float]) -> dict[str, Any]:
    q = statistics.quantiles(values, n=4, method="inclusive")
    return {
        "mean": pytest.approx(statistics.fmean(values)),
        "median": statistics.median(values),
        "p25": q[0],
        "p75": q[2],
        "min": min(values),
        "max": max(values),
    }


@pytest.mark.parametrize("code", ["participants", "annual_budget", "public_funding_share"])
async def test_numeric_indicator_stats_match_the_statistics_module(api: Api, code: str) -> None:
    clusters = await _values(api)
    overall = (await api.data(INDICATOR_STATS, code=code))["indicatorStats"]
    values = [c["values"][code] for c in clusters]
    assert len(overall) == 1
    assert overall[0]["n"] == 88
    assert overall[0]["includesSample"] is True
    assert overall[0]["withheld"] is None
    assert {k: overall[0][k] for k in ("mean", "median", "p25", "p75", "min", "max")} == (
        _expect_numeric(values)
    )
    groups = (await api.data(INDICATOR_STATS, code=code, groupBy="PORTFOLIO"))["indicatorStats"]
    assert len(groups) == 14
    for group in groups:
        mine = [c["values"][code] for c in clusters if c["portfolio"] == group["portfolio"]["slug"]]
        assert group["n"] == len(mine)
        if len(mine) < 3:
            assert group["withheld"] == "BELOW_MIN_GROUP_SIZE"
            assert {group[k] for k in ("mean", "median", "p25", "p75", "min", "max")} == {None}
        else:
            assert group["withheld"] is None
            expected = _expect_numeric(mine)
            assert {k: group[k] for k in expected} == expected


async def test_bool_and_enum_and_rating_indicator_stats(api: Api) -> None:
    clusters = await _values(api)
    flags = [c["values"]["satisfaction_measured"] for c in clusters]
    (flag,) = (await api.data(INDICATOR_STATS, code="satisfaction_measured"))["indicatorStats"]
    assert flag["shareTrue"] == pytest.approx(sum(flags) / len(flags))
    assert (flag["median"], flag["distribution"]) == (None, None)
    (enum,) = (await api.data(INDICATOR_STATS, code="legal_form"))["indicatorStats"]
    expected = Counter(c["values"]["legal_form"] for c in clusters)
    assert {d["value"]: d["count"] for d in enum["distribution"]} == expected
    assert [d["count"] for d in enum["distribution"]] == sorted(expected.values(), reverse=True)
    (rating,) = (await api.data(INDICATOR_STATS, code="service_portfolio"))["indicatorStats"]
    scores = [c["values"]["service_portfolio"] for c in clusters]
    assert {d["value"]: d["count"] for d in rating["distribution"]} == {
        str(int(s)): n for s, n in Counter(scores).items()
    }
    assert rating["median"] == statistics.median(scores)


async def test_indicator_stats_without_samples_has_no_data(api: Api) -> None:
    (group,) = (await api.data(INDICATOR_STATS, code="participants", sample=False))[
        "indicatorStats"
    ]
    assert (group["n"], group["withheld"], group["includesSample"]) == (
        0,
        "BELOW_MIN_GROUP_SIZE",
        False,
    )


async def test_unknown_indicator_code_is_a_client_error(api: Api) -> None:
    (error,) = await api.errors(INDICATOR_STATS, code="no_such_code")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "no_such_code" in error["message"]


# --- confidentiality: k-1 withheld, k shown, however the filter narrows ----------------------


def _window(size: int) -> tuple[date, date]:
    """A validUntil range holding exactly `size` clusters of the listing."""
    ends = sorted(row.end for row in LISTING)
    for i in range(len(ends) - size + 1):
        low, high = ends[i], ends[i + size - 1]
        if sum(1 for e in ends if low <= e <= high) == size:
            return low, high
    raise AssertionError(f"no window of {size}")


async def _stats_in_window(api: Api, size: int) -> dict[str, Any]:
    low, high = _window(size)
    where = {"validUntil": {"gte": low.isoformat(), "lte": high.isoformat()}}
    (group,) = (await api.data(INDICATOR_STATS, code="participants", where=where))["indicatorStats"]
    return cast(dict[str, Any], group)


@pytest.mark.parametrize("size", [1, 2])
async def test_narrowing_below_k_withholds_every_statistic(api: Api, size: int) -> None:
    group = await _stats_in_window(api, size)
    assert group["n"] == size
    assert group["withheld"] == "BELOW_MIN_GROUP_SIZE"
    assert {group[k] for k in ("mean", "median", "p25", "p75", "min", "max", "shareTrue")} == {None}


async def test_a_group_of_exactly_k_is_shown(api: Api) -> None:
    clusters = await _values(api)
    low, high = _window(3)
    mine = [
        c["values"]["participants"]
        for c in clusters
        if low.isoformat() <= c["end"] <= high.isoformat()
    ]
    group = await _stats_in_window(api, 3)
    assert (group["n"], group["withheld"]) == (3, None)
    assert {k: group[k] for k in ("mean", "median", "p25", "p75", "min", "max")} == (
        _expect_numeric(mine)
    )


async def test_the_minimum_group_size_comes_from_settings() -> None:
    async with serve(Settings(min_group_size=2)) as api:
        low, high = _window(2)
        where = {"validUntil": {"gte": low.isoformat(), "lte": high.isoformat()}}
        (group,) = (await api.data(INDICATOR_STATS, code="participants", where=where))[
            "indicatorStats"
        ]
        assert (group["n"], group["withheld"]) == (2, None)
        assert group["median"] is not None
        one = await _stats_in_window(api, 1)
        assert one["withheld"] == "BELOW_MIN_GROUP_SIZE"


# --- benchmark ---------------------------------------------------------------------------

BENCHMARK = """
query ($first: Int!, $peers: PeerGroup!) { clusters(first: $first) { nodes {
  slug
  benchmark(peerGroup: $peers) {
    peerGroup peerClusters isSample includesSample
    indicators {
      indicator { code unit higherIsBetter area }
      value peerCount withheld peerMean peerP25 peerMedian peerP75 percentileRank rating
    }
    areas { area areaName compared green yellow red meanPercentileRank }
    overall { area compared green yellow red meanPercentileRank }
  }
} } }"""


def _rating(value: float, p25: float, p75: float, higher: bool | None) -> str | None:
    if higher is None:
        return None
    if higher:
        return "GREEN" if value >= p75 else "RED" if value < p25 else "YELLOW"
    return "GREEN" if value <= p25 else "RED" if value > p75 else "YELLOW"


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, int | float) else None


@pytest.mark.parametrize("peers", ["PORTFOLIO", "ALL"])
async def test_benchmark_matches_statistics_of_the_peers(api: Api, peers: str) -> None:
    clusters = await _values(api)
    nodes = (await api.data(BENCHMARK, first=30, peers=peers))["clusters"]["nodes"]
    checked_withheld = checked_shown = 0
    for node in nodes:
        me = next(c for c in clusters if c["slug"] == node["slug"])
        group = [c for c in clusters if peers == "ALL" or c["portfolio"] == me["portfolio"]]
        bench = node["benchmark"]
        assert (bench["peerGroup"], bench["peerClusters"]) == (peers, len(group))
        assert bench["isSample"] is True
        for entry in bench["indicators"]:
            code = entry["indicator"]["code"]
            assert entry["indicator"]["unit"] not in ("ENUM", "LIST")
            values = [v for c in group if (v := _numeric(c["values"].get(code))) is not None]
            mine = _numeric(me["values"][code])
            assert mine is not None
            assert (entry["value"], entry["peerCount"]) == (mine, len(values))
            if len(values) < 3:
                checked_withheld += 1
                assert entry["withheld"] == "BELOW_MIN_GROUP_SIZE"
                assert [entry[k] for k in ("peerMedian", "percentileRank", "rating")] == [None] * 3
                continue
            checked_shown += 1
            p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
            assert (entry["peerP25"], entry["peerMedian"], entry["peerP75"]) == (p25, median, p75)
            assert entry["peerMean"] == pytest.approx(statistics.fmean(values))
            below = sum(1 for v in values if v < mine)
            ties = sum(1 for v in values if v == mine)
            assert entry["percentileRank"] == pytest.approx(100 * (below + ties / 2) / len(values))
            higher = entry["indicator"]["higherIsBetter"]
            assert entry["rating"] == _rating(mine, p25, p75, higher)
        shown = [e for e in bench["indicators"] if e["withheld"] is None]
        assert bench["overall"]["compared"] == len(shown)
        assert bench["overall"]["green"] == sum(1 for e in shown if e["rating"] == "GREEN")
        assert sum(a["compared"] for a in bench["areas"]) == len(shown)
    assert checked_shown > 0
    if peers == "ALL":
        assert checked_withheld == 0


async def test_benchmark_in_a_portfolio_of_one_is_withheld(api: Api) -> None:
    data = await api.data(
        '{ portfolio(slug: "biotechnology") { clusters(first: 5) { nodes { benchmark '
        "{ peerClusters overall { compared meanPercentileRank } "
        "indicators { withheld percentileRank rating peerMedian } } } } } }"
    )
    (node,) = data["portfolio"]["clusters"]["nodes"]
    bench = node["benchmark"]
    assert bench["peerClusters"] == 1
    assert bench["overall"] == {"compared": 0, "meanPercentileRank": None}
    assert {
        (e["withheld"], e["percentileRank"], e["rating"], e["peerMedian"])
        for e in bench["indicators"]
    } == {("BELOW_MIN_GROUP_SIZE", None, None, None)}


async def test_benchmark_without_samples_is_null(api: Api) -> None:
    data = await api.data(
        "{ clusters(first: 2) { nodes { benchmark(includeSample: false) { peerClusters } } } }"
    )
    assert [n["benchmark"] for n in data["clusters"]["nodes"]] == [None, None]


# --- round trips: fixed whatever the number of groups ------------------------------------


@pytest.mark.parametrize(
    ("few", "many", "expected"),
    [
        pytest.param(
            "{ clustersAggregate(groupBy: []) { count } }",
            "{ clustersAggregate(groupBy: [PORTFOLIO, EXPIRY_YEAR, LABEL_STATUS, COUNTRY]) "
            "{ count portfolio { name } } }",
            1,
            id="clustersAggregate",
        ),
        pytest.param(
            '{ portfolioStats(where: {portfolio: ["ict"]}) { clusterCount } }',
            "{ portfolioStats { clusterCount byStatus { valid } portfolio { name } } }",
            2,
            id="portfolioStats",
        ),
        pytest.param(
            "{ labelTimeline(interval: YEAR) { awarded } }",
            "{ labelTimeline(interval: MONTH) { awarded } }",
            1,
            id="labelTimeline",
        ),
        pytest.param(
            '{ indicatorStats(code: "participants") { median } }',
            '{ indicatorStats(code: "participants", groupBy: PORTFOLIO) { median } }',
            3,
            id="indicatorStats",
        ),
    ],
)
async def test_round_trips_do_not_grow_with_the_groups(
    api: Api, few: str, many: str, expected: int
) -> None:
    assert await api.round_trips(few) == expected
    assert await api.round_trips(many) == expected


async def test_benchmark_of_a_page_is_batched_per_request(api: Api) -> None:
    query = (
        "query ($n: Int!) { clusters(first: $n) { nodes { "
        "p: benchmark(peerGroup: PORTFOLIO) { overall { compared } } "
        "a: benchmark(peerGroup: ALL) { overall { compared } } } } }"
    )
    page_query = "query ($n: Int!) { clusters(first: $n) { nodes { slug } } }"
    page = await api.round_trips(page_query, n=2)
    small = await api.round_trips(query, n=2)
    large = await api.round_trips(query, n=24)  # two benchmarks of 24 clusters: cost 2,424
    assert small == large
    # The page itself, then one batch for every peer group: the catalogue, and per sample
    # setting the peers and their latest interviews, whatever the number of clusters.
    assert small - page == 3


async def test_label_timeline_by_portfolio_adds_up_to_the_whole(api: Api) -> None:
    query = """query ($g: [TimelineGroupBy!]) {
      labelTimeline(interval: YEAR, groupBy: $g) {
        portfolio { name } start awarded expiring clustersValidAtEnd
      }
    }"""
    whole = (await api.data(query))["labelTimeline"]
    parts = (await api.data(query, g=["PORTFOLIO"]))["labelTimeline"]
    names = [p["portfolio"]["name"] for p in parts]
    assert sorted(set(names)) == PORTFOLIO_NAMES
    assert names == sorted(names)  # one run of periods per portfolio, by name
    assert all(p["portfolio"] is None for p in whole)
    for period in whole:
        same = [p for p in parts if p["start"] == period["start"]]
        assert len(same) == len(PORTFOLIO_NAMES)
        for field in ("awarded", "expiring", "clustersValidAtEnd"):
            assert sum(p[field] for p in same) == period[field], field


async def test_aggregates_accept_search(api: Api) -> None:
    poles = [row for row in LISTING if "pole" in search_key(row.name)]
    data = await api.data(
        """{
          portfolioStats(search: "pole") { clusterCount }
          clustersAggregate(groupBy: [], search: "pole") { count }
          labelTimeline(search: "pole") { awarded }
          indicatorStats(code: "participants", search: "pole") { n }
        }"""
    )
    assert sum(p["clusterCount"] for p in data["portfolioStats"]) == len(poles)
    assert data["clustersAggregate"] == [{"count": len(poles)}]
    assert sum(p["awarded"] for p in data["labelTimeline"]) == len(poles)
    assert data["indicatorStats"][0]["n"] == len(poles)

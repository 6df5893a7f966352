"""The operations `make bench` measures, shared by the benchmark and the profiler."""

from __future__ import annotations

__all__ = ["QUERIES", "TYPENAME"]

TYPENAME = "{ __typename }"

QUERIES: dict[str, str] = {
    "{ __typename }": TYPENAME,
    "directory page": """{ clusters(first: 20) { totalCount nodes {
        slug name website portfolio { slug name } label { level validUntil status } }
        pageInfo { hasNextPage endCursor } } }""",
    "nested page": """{ clusters(first: 20) { nodes { slug name latestInterview {
        conductedOn results { code value flag text rating indicator { code name unit } } } } } }""",
    "portfolioStats": """{ portfolioStats { portfolio { slug name } clusterCount
        byLevel { bronze silver gold } byStatus { valid expiringSoon renewable expired }
        expiringWithinWindow } }""",
    "clustersAggregate": """{ clustersAggregate(groupBy: [PORTFOLIO, LABEL_STATUS]) {
        portfolio { slug } labelStatus count } }""",
    "indicatorStats by portfolio": """{ indicatorStats(code: "participants",
        groupBy: PORTFOLIO) { portfolio { slug } n mean median p25 p75 min max } }""",
    "one cluster's benchmark": """{ cluster(slug: "nov-log") { name benchmark {
        peerClusters indicators { indicator { code } value peerMedian percentileRank rating }
        areas { area green yellow red } overall { green yellow red } } } }""",
}

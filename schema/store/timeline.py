"""`labelTimeline`: labels awarded and expiring per period, and the clusters valid at each
period's end, over the label history embedded in the matching clusters, in one query.

A cluster is valid on a day when its label in force that day is valid (VALID or
EXPIRING_SOON): `schema.rules.labels.valid_spans`, the rule every status follows, so the
timeline and the counts by status agree on every day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from schema.rules.labels import add_years, in_force_order, valid_spans
from schema.store.documents import CLUSTERS, Database, award, from_stored

__all__ = ["Interval", "PeriodRow", "label_timeline"]

Interval = Literal["YEAR", "MONTH", "DAY"]


@dataclass
class PeriodRow:
    start: date
    end: date  # last day of the period
    portfolio: str | None = None  # slug, when grouped by portfolio
    portfolio_name: str | None = None
    expiring: int = 0
    awarded: int = 0
    awarded_inferred: int = 0
    clusters_valid_at_end: int = 0


def _period_start(day: date, interval: Interval) -> date:
    if interval == "DAY":
        return day
    return day.replace(month=1, day=1) if interval == "YEAR" else day.replace(day=1)


def _next_period(start: date, interval: Interval) -> date:
    if interval == "DAY":
        return start + timedelta(days=1)
    if interval == "YEAR":
        return add_years(start, 1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


@dataclass(frozen=True)
class _ClusterHistory:
    portfolio: str
    portfolio_name: str
    labels: list[tuple[date, date, bool]]  # (awardedOn, validUntil, inferred)
    spans: list[tuple[date, date]]  # days its label in force is valid (rules.valid_spans)


async def label_timeline(
    db: Database, match: Mapping[str, Any], interval: Interval, *, by_portfolio: bool = False
) -> list[PeriodRow]:
    """Labels awarded and expiring per period, and clusters holding a valid label at its end.

    Uses every label in the embedded history of the matching clusters (renewals and
    earlier labels included), in one query. Periods run without gaps from the earliest
    award to the latest end (the same periods for every portfolio when `by_portfolio`,
    ordered by portfolio name, then date). A cluster is valid at a period's end when its
    label in force on that day is valid (VALID or EXPIRING_SOON): the rule of every status.
    """
    pipeline: list[dict[str, Any]] = [
        {"$match": dict(match)},
        {"$project": {"_id": 1, "portfolio": 1, "portfolioName": 1, "history": 1}},
    ]
    clusters: list[_ClusterHistory] = []
    for doc in await db[CLUSTERS].aggregate(pipeline).to_list(None):
        stored = [h for h in doc.get("history") or () if from_stored(h.get("validUntil"))]
        awards = sorted((award(h) for h in stored), key=in_force_order)
        clusters.append(
            _ClusterHistory(
                portfolio=str(doc.get("portfolio") or ""),
                portfolio_name=str(doc.get("portfolioName") or ""),
                labels=[
                    (award(h).awarded_on, award(h).valid_until, bool(h.get("awardedOnInferred")))
                    for h in stored
                ],
                spans=valid_spans(awards),
            )
        )
    labels = [label for cluster in clusters for label in cluster.labels]
    if not labels:
        return []
    first = _period_start(min(min(start, end) for start, end, _ in labels), interval)
    last = _period_start(max(max(start, end) for start, end, _ in labels), interval)
    starts = []
    cursor = first
    while cursor <= last:
        starts.append(cursor)
        cursor = _next_period(cursor, interval)
    ends = [nxt - timedelta(days=1) for nxt in [*starts[1:], cursor]]
    groups: dict[str, list[_ClusterHistory]] = {}
    for cluster in clusters:
        groups.setdefault(cluster.portfolio if by_portfolio else "", []).append(cluster)
    rows: list[PeriodRow] = []
    for slug, members in sorted(groups.items(), key=lambda g: (g[1][0].portfolio_name, g[0])):
        rows += _periods(starts, ends, members, interval, slug if by_portfolio else None)
    return rows


def _periods(
    starts: list[date],
    ends: list[date],
    members: list[_ClusterHistory],
    interval: Interval,
    portfolio: str | None,
) -> list[PeriodRow]:
    name = members[0].portfolio_name if portfolio is not None else None
    periods = {
        start: PeriodRow(start=start, end=end, portfolio=portfolio, portfolio_name=name)
        for start, end in zip(starts, ends, strict=True)
    }
    # Clusters valid at each period end, by a difference array over each cluster's valid
    # spans (disjoint, so a cluster counts at most once on any day).
    delta = [0] * (len(starts) + 1)
    for cluster in members:
        for start, end, inferred in cluster.labels:
            awarded = periods[_period_start(start, interval)]
            awarded.awarded += 1
            awarded.awarded_inferred += inferred
            periods[_period_start(end, interval)].expiring += 1
        for start, end in cluster.spans:
            delta[bisect_left(ends, start)] += 1
            delta[bisect_right(ends, end)] -= 1
    rows = list(periods.values())
    running = 0
    for i, row in enumerate(rows):
        running += delta[i]
        row.clusters_valid_at_end = running
    return rows

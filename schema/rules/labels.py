"""Label validity rules: the label in force on a date, its status, and inferred award dates.

The label in force on a date `as_of` is the latest of a cluster's history awarded on or
before `as_of` (`label_in_force`; ties on the award day go to the later end, then the
higher level). Every date-dependent answer (a cluster's label, its status, counts by status,
the timeline) follows this one rule. A cluster with nothing awarded by `as_of` is
NOT_YET_LABELLED. The status of a label relative to `as_of` (see the README, "Label status"):

- VALID          more than `EXPIRING_SOON_DAYS` days before the end (`as_of <= validUntil`);
- EXPIRING_SOON  valid, and the end is at most `EXPIRING_SOON_DAYS` days away;
- RENEWABLE      expired, and the end is less than one year before `as_of`;
- EXPIRED        expired one year or more before `as_of`.

`status_bounds` turns a status into a `validUntil` range for a database filter, from the
same rules, so filtering and display never disagree.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar

__all__ = [
    "EXPIRING_SOON_DAYS",
    "FOREVER",
    "LEVEL_RANK",
    "STATUSES",
    "VALIDITIES",
    "VALIDITY_YEARS",
    "Award",
    "Status",
    "Validity",
    "add_years",
    "as_date",
    "cluster_status",
    "days_remaining",
    "in_force_order",
    "in_force_until",
    "inferred_award_date",
    "label_in_force",
    "label_status",
    "status_bounds",
    "valid_spans",
]

# The status of a label that is in force: a range of its `validUntil` on a date.
Validity = Literal["VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED"]
VALIDITIES: tuple[Validity, ...] = ("VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED")
# The status of a cluster on a date: its label in force's, or NOT_YET_LABELLED.
Status = Literal["VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED", "NOT_YET_LABELLED"]
STATUSES: tuple[Status, ...] = (*VALIDITIES, "NOT_YET_LABELLED")

# Levels from lowest to highest, as stored for sorting (`levelRank`).
LEVEL_RANK = {"BRONZE": 1, "SILVER": 2, "GOLD": 3}
# The last day of the latest label's time in force: it stays the one in force for good.
FOREVER = date(9999, 12, 31)

EXPIRING_SOON_DAYS = 90
# Years a label is valid from its award, per level (ESCA/EUCLES rules; GOLD "about 2 years").
VALIDITY_YEARS = {"BRONZE": 2, "SILVER": 2, "GOLD": 2}
# A Bronze renewal extends validity by 3 years from the previous end.
BRONZE_RENEWAL_YEARS = 3


def add_years(day: date, years: int) -> date:
    """`day` moved by whole calendar years; 29 February becomes 28 February when needed."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def days_remaining(valid_until: date | datetime, as_of: date) -> int:
    """Days from `as_of` to the end of validity; negative once expired."""
    return (as_date(valid_until) - as_of).days


def label_status(valid_until: date | datetime, as_of: date) -> Validity:
    end = as_date(valid_until)
    if as_of <= end:
        return "EXPIRING_SOON" if (end - as_of).days <= EXPIRING_SOON_DAYS else "VALID"
    if as_of < add_years(end, 1):
        return "RENEWABLE"
    return "EXPIRED"


def status_bounds(status: Validity, as_of: date) -> tuple[date | None, date | None]:
    """Inclusive `(lowest, highest)` validUntil that has `status` on `as_of`; None is open."""
    soon = as_of + timedelta(days=EXPIRING_SOON_DAYS)
    # The earliest end that is still renewable: the first day whose first anniversary falls
    # after as_of (add_years is monotonic, so a short forward scan finds it exactly).
    renewable_from = as_of - timedelta(days=367)
    while add_years(renewable_from, 1) <= as_of:
        renewable_from += timedelta(days=1)
    if status == "VALID":
        return soon + timedelta(days=1), None
    if status == "EXPIRING_SOON":
        return as_of, soon
    if status == "RENEWABLE":
        return renewable_from, as_of - timedelta(days=1)
    return None, renewable_from - timedelta(days=1)


def inferred_award_date(level: str, valid_until: date, *, renewal: bool = False) -> date:
    """The award (interview) date implied by a label's end, when none is published.

    A first label was awarded its level's validity before its end; a Bronze renewal
    extends the previous end by three years, so it started three years before its end.
    """
    years = BRONZE_RENEWAL_YEARS if renewal and level == "BRONZE" else VALIDITY_YEARS[level]
    return add_years(valid_until, -years)


L = TypeVar("L")


@dataclass(frozen=True)
class Award:
    """One label of a cluster's history, as far as dates go."""

    level: str
    awarded_on: date
    valid_until: date


def in_force_order(award: Award) -> tuple[date, date, int]:
    """Sort key of a history: by award day, then end, then level; the last one awarded on
    or before a date is the one in force on it."""
    return award.awarded_on, award.valid_until, LEVEL_RANK.get(award.level, 0)


def label_in_force(history: Iterable[L], as_of: date, dates: Callable[[L], Award]) -> L | None:
    """The label in force on `as_of`: the latest awarded on or before it (`dates` gives a
    label's dates); None when nothing was awarded by then."""
    awarded = [label for label in history if dates(label).awarded_on <= as_of]
    return max(awarded, key=lambda label: in_force_order(dates(label)), default=None)


def cluster_status(history: Iterable[Award], as_of: date) -> Status:
    """A cluster's status on `as_of`: that of its label in force, or NOT_YET_LABELLED."""
    award = label_in_force(history, as_of, lambda a: a)
    return "NOT_YET_LABELLED" if award is None else label_status(award.valid_until, as_of)


def in_force_until(history: Sequence[Award]) -> list[date]:
    """For a history sorted by `in_force_order`, the last day each label is in force: the
    day before the next award, `FOREVER` for the last. A label awarded the same day as a
    later one in the order ends before it starts (never in force).

    Stored beside each label (`inForceUntil`), so that a database filter picks the label in
    force on D as the one with `awardedOn <= D <= inForceUntil`, the rule of `label_in_force`.
    """
    ends = [nxt.awarded_on - timedelta(days=1) for nxt in history[1:]]
    return [*ends, FOREVER] if history else []


def valid_spans(history: Sequence[Award]) -> list[tuple[date, date]]:
    """Inclusive day ranges on which the label in force is valid (VALID or EXPIRING_SOON),
    for a history sorted by `in_force_order`; disjoint and in order."""
    spans = []
    for award, until in zip(history, in_force_until(history), strict=True):
        end = min(until, award.valid_until)
        if award.awarded_on <= end:
            spans.append((award.awarded_on, end))
    return spans

"""Label validity rules: the status of a label on a date, and inferred award dates.

The status of a label relative to a date `as_of` (see the README, "Label status"):

- VALID          more than `EXPIRING_SOON_DAYS` days before the end (`as_of <= validUntil`);
- EXPIRING_SOON  valid, and the end is at most `EXPIRING_SOON_DAYS` days away;
- RENEWABLE      expired, and the end is less than one year before `as_of`;
- EXPIRED        expired one year or more before `as_of`.

`status_bounds` turns a status into a `validUntil` range for a database filter, from the
same rules, so filtering and display never disagree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

__all__ = [
    "EXPIRING_SOON_DAYS",
    "STATUSES",
    "VALIDITY_YEARS",
    "Status",
    "add_years",
    "as_date",
    "days_remaining",
    "inferred_award_date",
    "label_status",
    "status_bounds",
]

Status = Literal["VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED"]
STATUSES: tuple[Status, ...] = ("VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED")

EXPIRING_SOON_DAYS = 90
# Years a label is valid from its award, per level (ESCA/EUCLES rules; GOLD "about 2 years").
VALIDITY_YEARS = {"BRONZE": 2, "SILVER": 2, "GOLD": 2}
# A Bronze renewal extends validity by 3 years from the previous end.
BRONZE_RENEWAL_YEARS = 3


def add_years(day: date, years: int) -> date:
    """`day` moved by whole calendar years; 29 February becomes 28 February when needed."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year, the only day that can fail
        return day.replace(year=day.year + years, day=28)


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def days_remaining(valid_until: date | datetime, as_of: date) -> int:
    """Days from `as_of` to the end of validity; negative once expired."""
    return (as_date(valid_until) - as_of).days


def label_status(valid_until: date | datetime, as_of: date) -> Status:
    end = as_date(valid_until)
    if as_of <= end:
        return "EXPIRING_SOON" if (end - as_of).days <= EXPIRING_SOON_DAYS else "VALID"
    if as_of < add_years(end, 1):
        return "RENEWABLE"
    return "EXPIRED"


def status_bounds(status: Status, as_of: date) -> tuple[date | None, date | None]:
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

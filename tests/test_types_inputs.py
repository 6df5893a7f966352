"""`ClusterWhere.to_filter`: the GraphQL filter input in the store's plain form."""

from __future__ import annotations

from datetime import date

import pytest

from schema.errors import BadUserInput
from schema.guards.inputs import check_where_size
from schema.rules.limits import MAX_WHERE_CLAUSES, MAX_WHERE_DEPTH
from schema.store.filters import ClusterFilter
from schema.types.enums import LabelLevel, LabelStatus
from schema.types.inputs import ClusterWhere, DateRange


def test_enums_become_stored_strings_and_ranges_bounds() -> None:
    where = ClusterWhere(
        portfolio=["ict"],
        label_level=[LabelLevel.GOLD],
        label_status=[LabelStatus.EXPIRING_SOON],
        valid_until=DateRange(lte=date(2016, 1, 1)),
        or_=[ClusterWhere(country=["DE"])],
        not_=ClusterWhere(portfolio=[]),
    )
    assert where.to_filter() == ClusterFilter(
        portfolio=["ict"],
        label_level=["GOLD"],
        label_status=["EXPIRING_SOON"],
        valid_until=(None, date(2016, 1, 1)),
        or_=[ClusterFilter(country=["DE"])],
        not_=ClusterFilter(portfolio=[]),
    )


def _nested(depth: int) -> ClusterWhere:
    where = ClusterWhere(country=["FR"])
    for _ in range(depth - 1):
        where = ClusterWhere(not_=where)
    return where


def test_nesting_up_to_the_limit_is_accepted_and_one_more_refused() -> None:
    assert _nested(MAX_WHERE_DEPTH).to_filter() is not None
    with pytest.raises(BadUserInput, match=f"more than {MAX_WHERE_DEPTH} levels"):
        _nested(MAX_WHERE_DEPTH + 1).to_filter()


def _wide(filters: int) -> ClusterWhere:
    """A filter of `filters` ClusterWhere objects in all: itself, and an `or` of `not`s
    (two objects each) and plain filters."""
    nots = [ClusterWhere(not_=ClusterWhere(country=["FR"])) for _ in range((filters - 1) // 2)]
    plain = [ClusterWhere(country=["DE"]) for _ in range((filters - 1) % 2)]
    return ClusterWhere(or_=[*nots, *plain])


def test_up_to_the_limit_of_filters_in_all_is_accepted_and_one_more_refused() -> None:
    assert _wide(MAX_WHERE_CLAUSES).to_filter() is not None
    with pytest.raises(BadUserInput, match=f"more than {MAX_WHERE_CLAUSES} filters"):
        _wide(MAX_WHERE_CLAUSES + 1).to_filter()


def test_a_json_where_is_measured_before_it_is_coerced() -> None:
    at_limit = {"or": [{"not": {"country": ["FR"]}}] * 49 + [{"country": ["DE"]}]}
    check_where_size(at_limit)  # itself, 49 `not`s with their filter, one more: 100
    check_where_size({"or": "not a list", "not": 3})  # coercion names what is wrong
    check_where_size(None)
    over = {"or": [*at_limit["or"], {"country": ["IT"]}]}
    with pytest.raises(BadUserInput, match=f"more than {MAX_WHERE_CLAUSES} filters"):
        check_where_size(over)
    with pytest.raises(BadUserInput, match=f"more than {MAX_WHERE_CLAUSES} filters"):
        check_where_size({"and": [{"or": [{}] * 60}, {"or": [{}] * 60}]})

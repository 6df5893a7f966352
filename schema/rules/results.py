"""Interview results checked against their catalogue: the one set of rules that both the
seed loader (`seed.interviews`) and the `recordInterview` mutation apply.

An indicator is a mapping with the stored catalogue fields (`code`, `unit`,
`higherIsBetter`, optional `scale` and `choices`). A result is `{"code", "value",
"rating"}`. Values are checked against the indicator's unit: finite numbers for the
numeric units (within the indicator's own scale when it has one; otherwise PERCENT within
0..100, RATING a whole number within 1..5, COUNT, EUR, FTE and YEARS from 0 to their
`CEILINGS`, YEAR a whole year from 1900 to the interview's), true/false for BOOL, one of
the choices for ENUM, a list of strings for LIST, each a text of at most `MAX_NAME_CHARS`
following `schema.rules.values`; null means not answered. A rating is RED, YELLOW, GREEN
or null, and only indicators with a direction (`higherIsBetter` not null) are rated.

Every failure is a `ResultProblem` naming the field (`code`, `<code>.value`,
`<code>.rating`), the offending value as text, and the reason; callers add where it came
from (a file and line, or a mutation's input path).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from schema.rules.values import MAX_NAME_CHARS, text_rule_problem
from schema.rules.vocabulary import LIGHTS, NUMERIC_UNITS

__all__ = [
    "CEILINGS",
    "EARLIEST_YEAR",
    "ResultProblem",
    "check_result",
    "check_results",
    "check_value",
]

ResultValue = float | bool | str | list[str] | None

# The largest plausible value of a unit, for indicators without a scale of their own: far
# above any cluster organisation (events, visits, budget, staff, years), far below what
# would make sums or averages lose precision.
CEILINGS: dict[str, float] = {
    "COUNT": 10_000_000,
    "EUR": 1_000_000_000,
    "FTE": 10_000,
    "YEARS": 100,
}
# Default bounds of the units that have them (an indicator's scale overrides them).
_DEFAULT_BOUNDS: dict[str, tuple[float, float]] = {
    "PERCENT": (0, 100),
    "RATING": (1, 5),
    **{unit: (0, ceiling) for unit, ceiling in CEILINGS.items()},
}
EARLIEST_YEAR = 1900


class ResultProblem(ValueError):
    """One result breaks a rule: `field`, the offending `value` as text, and `reason`."""

    def __init__(self, field: str, value: str, reason: str, *, index: int | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.index = index  # position of the result in its list, when known
        super().__init__(f"{field} {value!r}: {reason}")


def check_results(
    raws: Sequence[Any], indicators: Mapping[str, Mapping[str, Any]], conducted_on: date
) -> list[dict[str, Any]]:
    """Every result of one interview, checked; a code given twice is refused."""
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        try:
            result = check_result(raw, indicators, conducted_on)
        except ResultProblem as problem:
            problem.index = index
            raise
        if result["code"] in seen:
            raise ResultProblem(
                "code", result["code"], "given twice in this interview", index=index
            )
        seen.add(result["code"])
        results.append(result)
    return results


def check_result(
    raw: Any, indicators: Mapping[str, Mapping[str, Any]], conducted_on: date
) -> dict[str, Any]:
    """`{"code", "value", "rating"}` checked against its indicator."""
    if not isinstance(raw, Mapping):
        raise ResultProblem("result", str(raw), "not an object")
    code = raw.get("code")
    indicator = indicators.get(code) if isinstance(code, str) else None
    if indicator is None:
        raise ResultProblem("code", str(code), "not an indicator of the catalogue")
    value = check_value(raw.get("value"), indicator, conducted_on)
    rating = raw.get("rating")
    if rating is not None:
        if rating not in LIGHTS:
            raise ResultProblem(f"{code}.rating", str(rating), f"not one of {', '.join(LIGHTS)}")
        if indicator["higherIsBetter"] is None:
            raise ResultProblem(f"{code}.rating", str(rating), "this indicator is never rated")
    return {"code": indicator["code"], "value": value, "rating": rating}


def check_value(value: Any, indicator: Mapping[str, Any], conducted_on: date) -> ResultValue:
    """`value` as stored (numbers as floats), or `ResultProblem` naming `<code>.value`."""
    code, unit = indicator["code"], indicator["unit"]

    def fail(reason: str) -> ResultProblem:
        return ResultProblem(f"{code}.value", str(value), reason)

    if value is None:
        return None
    if unit in NUMERIC_UNITS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"a {unit} value must be a number")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise fail(f"a {unit} value must be a finite number")
        if unit == "YEAR":
            if not (number.is_integer() and EARLIEST_YEAR <= number <= conducted_on.year):
                raise fail(
                    f"a YEAR must be a whole year from {EARLIEST_YEAR} to {conducted_on.year}"
                )
            return number
        scale = indicator.get("scale")
        low, high = (scale["min"], scale["max"]) if scale else _DEFAULT_BOUNDS[unit]
        if unit == "RATING" and not (number.is_integer() and low <= number <= high):
            raise fail(f"a RATING must be a whole number from {low} to {high}")
        if number < low == 0:
            raise fail(f"a {unit} value cannot be negative")
        if not low <= number <= high:
            raise fail(f"a {unit} value here must be within {_shown(low)}..{_shown(high)}")
        return number
    if unit == "BOOL":
        if not isinstance(value, bool):
            raise fail("a BOOL value must be true or false")
        return value
    if unit == "ENUM":
        choices = indicator.get("choices", [])
        if value not in choices:
            raise fail(f"not one of the choices: {', '.join(choices)}")
        return str(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("a LIST value must be a list of strings")
    for text in value:
        problem = text_rule_problem(text, MAX_NAME_CHARS)
        if problem is not None:
            raise ResultProblem(f"{code}.value", text, problem)
    return list(value)


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)

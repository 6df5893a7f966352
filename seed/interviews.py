"""Benchmarking interviews: the JSON import format for real results, and sample data.

Import format (one file, any number of interviews):

```json
{"catalogueVersion": "bronze-36-2010",
 "interviews": [{"cluster": "pole-emc2", "country": "FR", "conductedOn": "2012-03-07",
                 "results": [{"code": "participants", "value": 120, "rating": "GREEN"}],
                 "recommendations": ["..."]}]}
```

`cluster` is a cluster's slug or its published name (matched on its search key, with
`country` when given). `conductedOn` lies within 1990-01-01 .. today + 10 years. Results
are checked by `schema.rules.results`, the rules the `recordInterview` mutation applies
too: finite numbers for the numeric units (within the indicator's own scale when it has
one; otherwise PERCENT within 0..100, RATING a whole number within 1..5, COUNT, EUR, FTE
and YEARS from 0 to their `CEILINGS`, YEAR a whole year from 1900 to the interview's),
true/false for BOOL, one of the choices for ENUM, a list of strings for LIST; null means
not answered. A rating is RED, YELLOW, GREEN or null, and only indicators with a direction
(`higherIsBetter` not null) are rated. Texts (the cluster reference, recommendations, LIST
items) follow the rules of `schema.rules.values`, as for the mutations.

Sample interviews are generated, never real: one per cluster at its inferred interview
date, `isSample` true. Each cluster draws from its own `random.Random(f"{seed}:{cluster}")`
so that adding a cluster never changes the others' values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from schema.rules.editing import MAX_RECOMMENDATIONS
from schema.rules.results import CEILINGS, EARLIEST_YEAR, ResultProblem, check_results
from schema.rules.vocabulary import Light
from schema.store.documents import IndicatorDoc, IndicatorResultDoc, InterviewDoc
from seed.catalogue import Catalogue
from seed.errors import InputError, RowError, file_name
from seed.rows import (
    MAX_TEXT_CHARS,
    check_country,
    check_date,
    check_name,
    check_text,
    parse_iso_date,
)
from seed.source import json_items

__all__ = [
    "CEILINGS",
    "EARLIEST_YEAR",
    "SAMPLE_SEED",
    "SAMPLE_SOURCE",
    "InterviewInput",
    "interview_doc",
    "parse_interviews",
    "sample_interview",
]

SAMPLE_SEED = 2012
SAMPLE_SOURCE = "generated sample"
_FIELDS = frozenset({"cluster", "country", "conductedOn", "results", "recommendations"})


@dataclass(frozen=True, slots=True)
class InterviewInput:
    """One imported interview before its cluster reference is resolved by the loader."""

    cluster: str  # slug or published name
    country: str | None
    conducted_on: date
    results: tuple[IndicatorResultDoc, ...]
    recommendations: tuple[str, ...]
    file: str
    line: int


def parse_interviews(
    path: Path, catalogue: Catalogue
) -> tuple[list[InterviewInput], list[RowError]]:
    name = file_name(path)
    document, items, errors = json_items(path, "interviews")
    version = document.get("catalogueVersion")
    if version != catalogue.version:
        raise InputError(
            name, None, f"catalogueVersion {version!r} is not the loaded {catalogue.version!r}"
        )
    indicators = catalogue.by_code()
    interviews: list[InterviewInput] = []
    for line, item in items:
        try:
            interviews.append(_interview(item, indicators, name, line))
        except RowError as error:
            errors.append(error)
    return interviews, errors


def _interview(
    item: Any, indicators: dict[str, IndicatorDoc], file: str, line: int
) -> InterviewInput:
    if not isinstance(item, dict):
        raise RowError(file, line, "interview", str(item), "not an object")
    for key in item:
        if key not in _FIELDS:
            raise RowError(file, line, key, str(item[key]), "unknown field")
    cluster = item.get("cluster")
    if not isinstance(cluster, str) or not cluster.strip():
        raise RowError(file, line, "cluster", str(cluster), "missing cluster name or slug")
    check_name(cluster, file, line, "cluster")
    country = item.get("country")
    if country is not None:
        check_country(str(country), file, line)
    raw_date = item.get("conductedOn")
    conducted_on = parse_iso_date(raw_date)
    if conducted_on is None:
        raise RowError(file, line, "conductedOn", str(raw_date), "not a YYYY-MM-DD calendar date")
    check_date(conducted_on, file, line, "conductedOn", str(raw_date))
    raw_results = item.get("results")
    if not isinstance(raw_results, list):
        raise RowError(file, line, "results", str(raw_results), "must be a list")
    try:
        checked = check_results(raw_results, indicators, conducted_on)
    except ResultProblem as problem:
        raise RowError(file, line, problem.field, problem.value, problem.reason) from None
    results = [cast(IndicatorResultDoc, result) for result in checked]
    recommendations = item.get("recommendations", [])
    if not isinstance(recommendations, list) or not all(
        isinstance(text, str) for text in recommendations
    ):
        raise RowError(
            file, line, "recommendations", str(recommendations), "must be a list of strings"
        )
    if len(recommendations) > MAX_RECOMMENDATIONS:  # as `recordInterview` refuses
        raise RowError(
            file,
            line,
            "recommendations",
            f"{len(recommendations)} recommendations",
            f"at most {MAX_RECOMMENDATIONS} per interview",
        )
    for text in recommendations:
        check_text(text, file, line, "recommendations", limit=MAX_TEXT_CHARS)
    return InterviewInput(
        cluster=cluster,
        country=country,
        conducted_on=conducted_on,
        results=tuple(results),
        recommendations=tuple(recommendations),
        file=file,
        line=line,
    )


def interview_doc(interview: InterviewInput, cluster: str, catalogue_version: str) -> InterviewDoc:
    day = interview.conducted_on
    return {
        "_id": f"{cluster}/{day.isoformat()}",
        "cluster": cluster,
        "conductedOn": datetime(day.year, day.month, day.day),
        "conductedOnInferred": False,
        "catalogueVersion": catalogue_version,
        "isSample": False,
        "results": list(interview.results),
        "recommendations": list(interview.recommendations),
        "source": {"file": interview.file, "line": interview.line},
    }


# Sample value ranges per indicator code; units not listed fall back to _UNIT_RANGES.
_RANGES: dict[str, tuple[float, float]] = {
    "participants": (30, 400),
    "company_share": (45, 85),
    "sme_share": (55, 95),
    "participant_growth": (-10, 40),
    "geographic_concentration": (50, 95),
    "participant_commitment": (40, 100),
    "management_staff": (1, 12),
    "team_experience": (3, 20),
    "training_days": (0, 10),
    "manager_tenure": (1, 12),
    "public_funding_share": (20, 80),
    "membership_fee_share": (5, 40),
    "service_income_share": (0, 40),
    "financing_secured_years": (1, 4),
    "events_per_year": (5, 60),
    "active_participant_share": (20, 90),
    "international_activities": (0, 20),
    "communication_channels": (2, 8),
    "joint_projects": (1, 30),
    "success_stories": (0, 15),
    "media_coverage": (5, 120),
    "stakeholder_recognition": (0, 6),
    "website_visits": (500, 20000),
}
_UNIT_RANGES: dict[str, tuple[float, float]] = {
    "COUNT": (0, 50),
    "PERCENT": (0, 100),
    "YEARS": (1, 15),
    "EUR": (200_000, 3_000_000),
    "FTE": (1, 10),
}
_WHOLE_UNITS = frozenset({"COUNT", "PERCENT", "EUR", "YEAR", "RATING"})
_RECOMMENDATIONS = (
    "Write down the cluster strategy with measurable objectives and review it every year.",
    "Measure participants' satisfaction with the services systematically.",
    "Broaden the financing base: raise the share of membership fees and paid services.",
    "Involve participants more directly in the governance bodies.",
    "Develop internationalisation services and cooperation with clusters abroad.",
    "Document success stories and communicate them to stakeholders and the press.",
    "Set up a training plan for the cluster management team.",
    "Increase the share of SMEs among the participants.",
    "Monitor the strategy with key performance indicators.",
)


def sample_interview(
    cluster: str,
    portfolio_name: str,
    conducted_on: date,
    catalogue: Catalogue,
    *,
    seed: int = SAMPLE_SEED,
) -> InterviewDoc:
    """A plausible, clearly flagged sample interview for `cluster`; deterministic."""
    rng = random.Random(f"{seed}:{cluster}")
    results: list[IndicatorResultDoc] = []
    values: dict[str, float] = {}
    for indicator in catalogue.indicators:
        value, position = _sample_value(rng, indicator, portfolio_name, conducted_on, values)
        if isinstance(value, float):
            values[indicator["code"]] = value
        results.append(
            {
                "code": indicator["code"],
                "value": value,
                "rating": _rating(indicator, position),
            }
        )
    count = rng.randint(2, 3)
    recommendations = rng.sample(_RECOMMENDATIONS, count)
    return {
        "_id": f"{cluster}/{conducted_on.isoformat()}",
        "cluster": cluster,
        "conductedOn": datetime(conducted_on.year, conducted_on.month, conducted_on.day),
        "conductedOnInferred": True,
        "catalogueVersion": catalogue.version,
        "isSample": True,
        "results": results,
        "recommendations": recommendations,
        "source": {"file": SAMPLE_SOURCE, "line": 0},
    }


def _sample_value(
    rng: random.Random,
    indicator: IndicatorDoc,
    portfolio_name: str,
    conducted_on: date,
    values: dict[str, float],
) -> tuple[float | bool | str | list[str], float]:
    """A value and its position in 0..1 along the indicator's range (for the rating)."""
    code, unit = indicator["code"], indicator["unit"]
    if unit == "BOOL":
        flag = rng.random() < 0.7
        return flag, 1.0 if flag else 0.0
    if unit == "ENUM":
        if code == "sector_focus":
            return portfolio_name, 0.5
        return rng.choice(indicator.get("choices", ["other"])), 0.5
    if unit == "LIST":
        return [], 0.5
    low: float
    high: float
    if unit == "YEAR":
        high = min(2012, conducted_on.year - 1)
        # A label from 1990 has its interview in 1988: establishment years before it.
        low = 1990 if high >= 1990 else max(EARLIEST_YEAR, high - 10)
    elif unit == "RATING":
        scale = indicator.get("scale", {"min": 1, "max": 5})
        low, high = scale["min"], scale["max"]
    else:
        low, high = _RANGES.get(code, _UNIT_RANGES.get(unit, (0, 100)))
    # The budget shares add up to at most 100 %.
    if code == "membership_fee_share":
        high = min(high, 100 - values.get("public_funding_share", 0))
    if code == "service_income_share":
        used = values.get("public_funding_share", 0) + values.get("membership_fee_share", 0)
        high = min(high, 100 - used)
    if code == "staff_per_100_participants" and values.get("participants"):
        number = round(values.get("management_staff", 2.0) * 100 / values["participants"], 1)
        return number, min(1.0, number / 10)
    if unit in _WHOLE_UNITS:
        number = float(rng.randint(int(low), int(high)))
    else:
        number = round(rng.uniform(low, high), 1)
    if code == "annual_budget":
        number = float(round(number, -3))
    position = (number - low) / (high - low) if high > low else 0.5
    return number, position


def _rating(indicator: IndicatorDoc, position: float) -> Light | None:
    higher = indicator["higherIsBetter"]
    if higher is None:
        return None
    score = position if higher else 1 - position
    if score < 1 / 3:
        return "RED"
    return "YELLOW" if score < 2 / 3 else "GREEN"

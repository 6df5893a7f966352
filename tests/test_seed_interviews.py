"""Interview results: the JSON import format's validation and the sample generator."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from seed.catalogue import load_catalogue
from seed.errors import InputError
from seed.interviews import parse_interviews, sample_interview
from seed.rows import latest_date

CATALOGUE, _ = load_catalogue()


def write(
    tmp_path: Path, interviews: list[dict[str, Any]], version: str = "bronze-36-2010"
) -> Path:
    path = tmp_path / "interviews.json"
    document = {"catalogueVersion": version, "interviews": interviews}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def interview(*results: dict[str, Any]) -> dict[str, Any]:
    return {"cluster": "pole-emc2", "conductedOn": "2012-03-07", "results": list(results)}


def test_valid_interview_is_parsed_with_float_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            interview(
                {"code": "participants", "value": 120, "rating": "GREEN"},
                {"code": "sector_focus", "value": "ICT", "rating": None},
                {"code": "satisfaction_measured", "value": True, "rating": "GREEN"},
                {"code": "documented_strategy", "value": 4, "rating": None},
            )
        ],
    )
    [parsed], errors = parse_interviews(path, CATALOGUE)
    assert errors == []
    assert parsed.conducted_on == date(2012, 3, 7)
    assert parsed.line == 4  # the line of the object's opening brace
    values = [result["value"] for result in parsed.results]
    assert values == [120.0, "ICT", True, 4.0]
    assert isinstance(values[0], float)


@pytest.mark.parametrize(
    ("result", "field", "reason"),
    [
        pytest.param({"code": "nope", "value": 1}, "code", "not an indicator", id="code"),
        pytest.param(
            {"code": "participants", "value": "many"}, "participants.value", "number", id="num"
        ),
        pytest.param(
            {"code": "participants", "value": True}, "participants.value", "number", id="bool-num"
        ),
        pytest.param(
            {"code": "sme_share", "value": 120}, "sme_share.value", "0..100", id="percent"
        ),
        pytest.param(
            {"code": "participant_growth", "value": -101},
            "participant_growth.value",
            "-100..1000",
            id="percent-change-scale",
        ),
        pytest.param(
            {"code": "year_established", "value": 2013},
            "year_established.value",
            "1900",
            id="year-after",
        ),
        pytest.param(
            {"code": "documented_strategy", "value": 6},
            "documented_strategy.value",
            "1 to 5",
            id="rating-scale",
        ),
        pytest.param(
            {"code": "satisfaction_measured", "value": 1},
            "satisfaction_measured.value",
            "true or false",
            id="bool",
        ),
        pytest.param(
            {"code": "sector_focus", "value": "Energie"}, "sector_focus.value", "choices", id="enum"
        ),
        pytest.param(
            {"code": "annual_budget", "value": -5}, "annual_budget.value", "negative", id="negative"
        ),
        pytest.param(
            {"code": "participants", "value": 3, "rating": "BLUE"},
            "participants.rating",
            "RED",
            id="rating",
        ),
        pytest.param(
            {"code": "legal_form", "value": "company", "rating": "RED"},
            "legal_form.rating",
            "never rated",
            id="no-direction",
        ),
    ],
)
def test_bad_results_are_rejected(
    tmp_path: Path, result: dict[str, Any], field: str, reason: str
) -> None:
    good = interview({"code": "participants", "value": 10})
    bad = interview(result) | {"conductedOn": "2012-04-01"}
    found, errors = parse_interviews(write(tmp_path, [good, bad]), CATALOGUE)
    assert len(found) == 1
    [error] = errors
    assert (error.file, error.field) == ("interviews.json", field)
    assert error.line > 4
    assert reason in error.reason


def test_a_percent_change_may_be_negative(tmp_path: Path) -> None:
    path = write(tmp_path, [interview({"code": "participant_growth", "value": -12.5})])
    [parsed], errors = parse_interviews(path, CATALOGUE)
    assert errors == []
    assert parsed.results[0]["value"] == -12.5


def test_wrong_catalogue_version_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="bronze-31-gold"):
        parse_interviews(write(tmp_path, [], version="bronze-31-gold"), CATALOGUE)


def test_sample_interview_is_deterministic_and_flagged() -> None:
    first = sample_interview("pole-emc2", "Production and engineering", date(2012, 2, 1), CATALOGUE)
    again = sample_interview("pole-emc2", "Production and engineering", date(2012, 2, 1), CATALOGUE)
    other = sample_interview("axelera", "New materials and chemistry", date(2012, 2, 1), CATALOGUE)
    assert first == again
    assert first["results"] != other["results"]
    assert first["_id"] == "pole-emc2/2012-02-01"
    assert first["conductedOn"] == datetime(2012, 2, 1)
    assert first["isSample"] is True
    assert first["conductedOnInferred"] is True
    assert 2 <= len(first["recommendations"]) <= 3


def test_sample_values_are_plausible() -> None:
    doc = sample_interview("pole-emc2", "Production and engineering", date(2012, 2, 1), CATALOGUE)
    by_code = {result["code"]: result for result in doc["results"]}
    indicators = CATALOGUE.by_code()
    assert len(by_code) == 36
    assert by_code["sector_focus"]["value"] == "Production and engineering"
    participants = by_code["participants"]["value"]
    assert isinstance(participants, float)
    assert 30 <= participants <= 400
    year = by_code["year_established"]["value"]
    assert isinstance(year, float)
    assert 1990 <= year <= 2011
    budget = by_code["annual_budget"]["value"]
    assert isinstance(budget, float)
    assert 200_000 <= budget <= 3_000_000
    for code, result in by_code.items():
        unit = indicators[code]["unit"]
        if unit == "PERCENT":
            assert isinstance(result["value"], float)
            assert 0 <= result["value"] <= 100
        if unit == "RATING":
            assert result["value"] in {1.0, 2.0, 3.0, 4.0, 5.0}
        directional = indicators[code]["higherIsBetter"] is not None
        assert (result["rating"] is not None) == directional, code


@pytest.mark.parametrize("year", [1988, 1990, 1991])
def test_sample_year_of_establishment_precedes_an_early_interview(year: int) -> None:
    doc = sample_interview("old", "ICT", date(year, 1, 1), CATALOGUE)
    [established] = [r["value"] for r in doc["results"] if r["code"] == "year_established"]
    assert isinstance(established, float)
    assert 1900 <= established < year


def value_error(tmp_path: Path, code: str, value: Any, conducted_on: str = "2012-03-07") -> str:
    """The reason a single result is rejected for, or "" when it is accepted."""
    item = interview({"code": code, "value": value}) | {"conductedOn": conducted_on}
    found, errors = parse_interviews(write(tmp_path, [item]), CATALOGUE)
    assert len(found) + len(errors) == 1
    return errors[0].reason if errors else ""


@pytest.mark.parametrize(
    ("code", "value", "reason"),
    [
        pytest.param("participants", float("nan"), "finite", id="nan"),
        pytest.param("participants", float("inf"), "finite", id="infinity"),
        pytest.param("annual_budget", float("-inf"), "finite", id="minus-infinity"),
        pytest.param("company_share", float("nan"), "finite", id="nan-percent"),
        pytest.param("documented_strategy", float("nan"), "finite", id="nan-rating"),
        pytest.param("year_established", float("inf"), "finite", id="infinity-year"),
        pytest.param("website_visits", 10**400, "finite", id="integer-beyond-float"),
        pytest.param("website_visits", 1e308, "within 0..10000000", id="1e308"),
    ],
)
def test_non_finite_and_huge_numbers_are_refused(
    tmp_path: Path, code: str, value: Any, reason: str
) -> None:
    assert reason in value_error(tmp_path, code, value)


@pytest.mark.parametrize(
    ("code", "limit", "past"),
    [
        pytest.param("participants", 10_000_000, 10_000_001, id="count-ceiling"),
        pytest.param("participants", 0, -1, id="count-floor"),
        pytest.param("annual_budget", 1_000_000_000, 1_000_000_001, id="eur-ceiling"),
        pytest.param("management_staff", 10_000, 10_000.5, id="fte-ceiling"),
        pytest.param("team_experience", 100, 101, id="years-ceiling"),
        pytest.param("manager_tenure", 0, -0.5, id="years-floor"),
        pytest.param("company_share", 100, 100.5, id="percent-ceiling"),
        pytest.param("company_share", 0, -0.5, id="percent-floor"),
        pytest.param("participant_growth", 1000, 1001, id="percent-scale-ceiling"),
        pytest.param("participant_growth", -100, -101, id="percent-scale-floor"),
        pytest.param("documented_strategy", 5, 6, id="rating-ceiling"),
        pytest.param("documented_strategy", 1, 0, id="rating-floor"),
        pytest.param("year_established", 1900, 1899, id="year-floor"),
        pytest.param("year_established", 2012, 2013, id="year-ceiling"),
    ],
)
def test_numbers_at_their_unit_limit_pass_and_one_past_is_refused(
    tmp_path: Path, code: str, limit: float, past: float
) -> None:
    assert value_error(tmp_path, code, limit) == ""
    assert value_error(tmp_path, code, past) != ""


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        pytest.param("1990-01-01", True, id="earliest"),
        pytest.param("1989-12-31", False, id="before-1990"),
        pytest.param("0001-01-01", False, id="year-1"),
        pytest.param("9999-12-31", False, id="year-9999"),
        pytest.param(latest_date().isoformat(), True, id="ten-years-ahead"),
        pytest.param((latest_date() + timedelta(days=1)).isoformat(), False, id="past-ten-years"),
        pytest.param("20120307", False, id="basic-iso-form"),
    ],
)
def test_conducted_on_lies_from_1990_to_ten_years_ahead(
    tmp_path: Path, day: str, accepted: bool
) -> None:
    item = interview({"code": "participants", "value": 10}) | {"conductedOn": day}
    found, errors = parse_interviews(write(tmp_path, [item]), CATALOGUE)
    assert (len(found), len(errors)) == ((1, 0) if accepted else (0, 1))
    if errors:
        assert errors[0].field == "conductedOn"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        pytest.param({"cluster": "pole\x1bemc2"}, "cluster", "U+001B", id="cluster-control"),
        pytest.param({"cluster": "=pole-emc2"}, "cluster", "formula", id="cluster-formula"),
        pytest.param({"cluster": "p" * 301}, "cluster", "longer than 300", id="cluster-long"),
        pytest.param({"recommendations": ["@x"]}, "recommendations", "formula", id="rec-formula"),
        pytest.param(
            {"recommendations": ["r" * 2001]}, "recommendations", "longer than 2000", id="rec-long"
        ),
        pytest.param(
            {"recommendations": ["a\u2028b"]}, "recommendations", "U+2028", id="rec-control"
        ),
    ],
)
def test_interview_texts_follow_the_text_rules(
    tmp_path: Path, change: dict[str, Any], field: str, reason: str
) -> None:
    item = interview({"code": "participants", "value": 10}) | change
    found, errors = parse_interviews(write(tmp_path, [item]), CATALOGUE)
    assert found == []
    [error] = errors
    assert error.field == field
    assert reason in error.reason


def test_a_repeated_key_in_a_result_rejects_the_interview(tmp_path: Path) -> None:
    path = tmp_path / "interviews.json"
    path.write_text(
        '{"catalogueVersion": "bronze-36-2010", "interviews": [\n'
        ' {"cluster": "pole-emc2", "conductedOn": "2012-03-07",\n'
        '  "results": [{"code": "participants", "value": 10, "value": 12.5}]}\n]}',
        encoding="utf-8",
    )
    found, errors = parse_interviews(path, CATALOGUE)
    assert found == []
    assert [str(error) for error in errors] == [
        "interviews.json:2: value '12.5': key given twice in one object"
    ]


@pytest.mark.parametrize(("count", "refused"), [(20, False), (21, True)])
def test_an_interview_holds_at_most_twenty_recommendations(
    tmp_path: Path, count: int, refused: bool
) -> None:
    """As `recordInterview` refuses; nine thousand of 2,000 characters made one document
    over MongoDB's 16 MiB limit, which the write failed on."""
    item = interview({"code": "participants", "value": 10}) | {
        "recommendations": [f"Recommendation {i}" for i in range(count)]
    }
    found, errors = parse_interviews(write(tmp_path, [item]), CATALOGUE)
    if not refused:
        assert errors == []
        assert len(found[0].recommendations) == 20
        return
    assert found == []
    [error] = errors
    assert (error.field, error.reason) == ("recommendations", "at most 20 per interview")
    assert str(error).startswith("interviews.json:")

"""The indicator catalogue: the shipped file and its validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from seed.catalogue import CATALOGUE_PATH, load_catalogue


def test_shipped_catalogue_has_36_indicators_in_6_areas() -> None:
    catalogue, errors = load_catalogue()
    assert errors == []
    assert catalogue.version == "bronze-36-2010"
    assert len(catalogue.indicators) == 36
    assert [area.number for area in catalogue.areas] == [1, 2, 3, 4, 5, 6]
    assert "not ESCA's official list" in catalogue.disclaimer
    first = catalogue.indicators[0]
    assert first["_id"] == "bronze-36-2010/year_established"
    assert (first["areaNumber"], first["areaName"]) == (1, "Structure of the cluster")
    assert [i["number"] for i in catalogue.indicators] == list(range(1, 37))


def test_sector_focus_choices_are_the_portfolios() -> None:
    catalogue, _ = load_catalogue()
    sector = catalogue.by_code()["sector_focus"]
    assert len(sector.get("choices", [])) == 14
    assert "Sports, Leisure and Tourism" in sector.get("choices", [])


def broken(tmp_path: Path, change: dict[str, Any], index: int = 2) -> Path:
    document = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    document["indicators"][index].update(change)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"code": "year_established"}, "code", id="duplicate-code"),
        pytest.param({"unit": "LITRES"}, "unit", id="unknown-unit"),
        pytest.param({"area": "FUN"}, "area", id="unknown-area"),
        pytest.param({"evidence": "RUMOUR"}, "evidence", id="unknown-evidence"),
        pytest.param({"unit": "RATING"}, "scale", id="rating-without-scale"),
    ],
)
def test_bad_indicators_are_rejected(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    path = broken(tmp_path, change)
    catalogue, errors = load_catalogue(path)
    assert len(catalogue.indicators) == 35
    [error] = errors
    assert error.field == field
    assert error.file == "catalogue.json"
    # The third indicator's object opens 4 lines above its name (1-based: 3 above the index).
    lines = path.read_text(encoding="utf-8").split("\n")
    assert error.line == lines.index('      "name": "Number of cluster participants",') - 3

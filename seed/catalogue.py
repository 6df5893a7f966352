"""The versioned indicator catalogue: load, validate, and turn into `IndicatorDoc`s.

The shipped catalogue (`seed/data/indicators-bronze-36-2010.json`) is a reconstruction,
not ESCA's official list. Its `disclaimer` is required in the file and kept in
`Catalogue.disclaimer`; it is not stored in the database. The API says the same in the
description of every catalogue type and field (`schema.types.indicators.RECONSTRUCTION`),
and each indicator carries its `evidence` level.

An ENUM indicator whose `choices` is the string `"portfolios"` takes the portfolio
vocabulary as its choices (the sector focus of a cluster is its comparative portfolio).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from schema.rules.vocabulary import AREAS, UNITS, EvidenceLevel, Unit
from schema.store.documents import IndicatorDoc
from seed.errors import InputError, RowError, file_name
from seed.source import json_items
from seed.vocabulary import Portfolios, load_portfolios

__all__ = ["CATALOGUE_PATH", "EVIDENCE", "Area", "Catalogue", "load_catalogue"]

CATALOGUE_PATH = Path(__file__).parent / "data" / "indicators-bronze-36-2010.json"
EVIDENCE: tuple[EvidenceLevel, ...] = ("CONFIRMED", "AREA_CONFIRMED", "INFERRED")


@dataclass(frozen=True)
class Area:
    code: str
    number: int
    name: str


@dataclass(frozen=True)
class Catalogue:
    version: str
    title: str
    disclaimer: str
    areas: tuple[Area, ...]
    indicators: tuple[IndicatorDoc, ...]
    file: str = ""
    # The line of each indicator in the catalogue file, by code.
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def by_code(self) -> dict[str, IndicatorDoc]:
        return {indicator["code"]: indicator for indicator in self.indicators}


def load_catalogue(
    path: Path = CATALOGUE_PATH, *, portfolios: Portfolios | None = None
) -> tuple[Catalogue, list[RowError]]:
    """The catalogue at `path` with its valid indicators, and the errors of the others.

    Raises `InputError` when the file or its version, title, disclaimer or areas are unusable.
    """
    vocabulary = portfolios or load_portfolios()
    name = file_name(path)
    document, items, errors = json_items(path, "indicators")
    header = {key: document.get(key) for key in ("version", "title", "disclaimer")}
    for key, value in header.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(name, None, f'"{key}" must be a non-empty string')
    areas = _areas(document.get("areas"), name)
    by_area = {area.code: area for area in areas}
    version = cast(str, header["version"])
    indicators: list[IndicatorDoc] = []
    lines: dict[str, int] = {}
    for line, item in items:
        try:
            indicator = _indicator(item, version, by_area, vocabulary, name, line)
        except RowError as error:
            errors.append(error)
            continue
        code = indicator["code"]
        if code in lines:
            errors.append(RowError(name, line, "code", code, f"duplicate of line {lines[code]}"))
            continue
        lines[code] = line
        indicators.append(indicator)
    catalogue = Catalogue(
        version=version,
        title=cast(str, header["title"]),
        disclaimer=cast(str, header["disclaimer"]),
        areas=areas,
        indicators=tuple(indicators),
        file=name,
        lines=lines,
    )
    return catalogue, errors


def _areas(value: Any, file: str) -> tuple[Area, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(file, None, '"areas" must be a non-empty list')
    areas: list[Area] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or item.get("code") not in AREAS
            or not isinstance(item.get("number"), int)
            or not isinstance(item.get("name"), str)
        ):
            raise InputError(
                file, None, f"area {item!r}: needs a code in {', '.join(AREAS)}, a number, a name"
            )
        areas.append(Area(code=item["code"], number=item["number"], name=item["name"]))
    return tuple(areas)


def _indicator(
    item: Any,
    version: str,
    areas: dict[str, Area],
    portfolios: Portfolios,
    file: str,
    line: int,
) -> IndicatorDoc:
    if not isinstance(item, dict):
        raise RowError(file, line, "indicator", str(item), "not an object")

    def fail(key: str, reason: str) -> RowError:
        return RowError(file, line, key, str(item.get(key)), reason)

    for key in ("code", "name", "description"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise fail(key, "must be a non-empty string")
    number = item.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise fail("number", "must be a positive integer")
    area = areas.get(item.get("area", ""))
    if area is None:
        raise fail("area", f"unknown area; known: {', '.join(areas)}")
    unit = item.get("unit")
    if unit not in UNITS:
        raise fail("unit", f"unknown unit; known: {', '.join(UNITS)}")
    evidence = item.get("evidence")
    if evidence not in EVIDENCE:
        raise fail("evidence", f"unknown evidence; known: {', '.join(EVIDENCE)}")
    higher = item.get("higherIsBetter")
    if higher is not None and not isinstance(higher, bool):
        raise fail("higherIsBetter", "must be true, false or null")
    doc: IndicatorDoc = {
        "_id": f"{version}/{item['code']}",
        "catalogueVersion": version,
        "number": number,
        "code": item["code"],
        "area": area.code,
        "areaNumber": area.number,
        "areaName": area.name,
        "name": item["name"],
        "description": item["description"],
        "unit": cast(Unit, unit),
        "higherIsBetter": higher,
        "evidence": cast(EvidenceLevel, evidence),
    }
    if unit == "RATING" or "scale" in item:
        # Required for RATING; optional bounds for other numeric units (a PERCENT change
        # such as participant growth may be negative or above 100).
        scale = item.get("scale")
        if (
            not isinstance(scale, dict)
            or not all(isinstance(scale.get(k), int) for k in ("min", "max"))
            or scale["min"] >= scale["max"]
        ):
            raise fail("scale", 'a scale must be {"min": int, "max": int} with min < max')
        doc["scale"] = {"min": scale["min"], "max": scale["max"]}
    if unit == "ENUM":
        choices = item.get("choices")
        if choices == "portfolios":
            choices = list(portfolios.names)
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(choice, str) for choice in choices)
        ):
            raise fail("choices", 'an ENUM needs a list of choices (or "portfolios")')
        doc["choices"] = list(choices)
    return doc

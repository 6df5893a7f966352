"""Shapes of the documents stored in MongoDB, and the names of their collections.

These are storage shapes, not the GraphQL contract: each GraphQL type maps one of them in a
small `from_document`. Dates are stored as BSON dates (naive UTC midnight `datetime`), so
that range filters and `$year`/`$month` work the same on MongoDB and mongomock.

Natural keys (each backed by a unique index, see `schema.store.indexes`):

| collection   | `_id`                                   | natural key                       |
|--------------|-----------------------------------------|-----------------------------------|
| portfolios   | slug of the name                        | `name`                            |
| clusters     | slug of the name (stable once given)    | (`nameKey`, `country`)            |
| labels       | `{cluster}/{level}/{validUntil:%Y-%m-%d}` | (`cluster`, `level`, `validUntil`) |
| indicators   | `{catalogueVersion}/{code}`             | (`catalogueVersion`, `code`)      |
| interviews   | `{cluster}/{conductedOn:%Y-%m-%d}`      | (`cluster`, `conductedOn`)        |

Editable documents (clusters, labels, interviews) carry a `version`, an integer that every
write raises by one (a missing `version` reads as 0), so that an edit based on an old read
is refused instead of overwriting a newer one (`schema.store.writes`), and `lastMutation`,
`{key id}/{clientMutationId}` of the mutation that last wrote them, so that a retried
mutation recognises its own earlier write. Collections of the editing API: `keys`
(`schema.store.keys`), `audit` (`schema.store.audit`), `budgets` (`schema.store.budgets`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, NotRequired, TypeAlias, TypedDict

from schema.rules.labels import LEVEL_RANK, Award, in_force_order, in_force_until
from schema.rules.vocabulary import EvidenceLevel, Level, Light, Unit

__all__ = [
    "CLUSTERS",
    "INDICATORS",
    "INTERVIEWS",
    "LABELS",
    "PORTFOLIOS",
    "ClusterDoc",
    "CurrentLabel",
    "Database",
    "HistoryLabel",
    "IndicatorDoc",
    "IndicatorResultDoc",
    "InterviewDoc",
    "LabelDoc",
    "PortfolioDoc",
    "SourceRef",
    "award",
    "embedded_labels",
    "from_stored",
    "to_stored",
]

# The database handle every read and write goes through. Motor today (mongomock-motor's
# database masquerades as it); switching to PyMongo's AsyncMongoClient changes this alias and
# `api.database.connect`, nothing else.
# Motor is imported for type checking only: it reads `MOTOR_MAX_WORKERS` when imported,
# which the command line validates first (`api.settings`), so that a bad value is a
# one-line error rather than a traceback from inside Motor.
if TYPE_CHECKING:
    from motor.motor_asyncio import AsyncIOMotorDatabase
Database: TypeAlias = "AsyncIOMotorDatabase[dict[str, Any]]"

PORTFOLIOS = "portfolios"
CLUSTERS = "clusters"
LABELS = "labels"
INDICATORS = "indicators"
INTERVIEWS = "interviews"


def to_stored(day: date) -> datetime:
    """A calendar day as stored: a naive UTC midnight `datetime` (BSON has no date type)."""
    return datetime.combine(day, time.min)


def from_stored(value: Any) -> date | None:
    """The calendar day of a stored date; None when the value is not a date (a document
    written outside the loader may hold anything)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


class SourceRef(TypedDict):
    """Where a document came from: the input file's name (no directories) and line."""

    file: str
    line: int


class PortfolioDoc(TypedDict):
    _id: str
    name: str
    nameKey: str


class CurrentLabel(TypedDict):
    """The label a cluster holds now: the last of its history in `in_force_order` (the one
    in force from its award on; see `schema.rules.labels`)."""

    level: Level
    levelRank: int  # rules.labels.LEVEL_RANK: BRONZE 1 < SILVER 2 < GOLD 3, for sorting
    validUntil: datetime
    awardedOn: datetime
    # True when awardedOn is inferred (validUntil minus the level's validity), not published.
    awardedOnInferred: bool
    version: NotRequired[int]  # the label document's version (see LabelDoc)


class HistoryLabel(CurrentLabel):
    """One label of the history embedded in a cluster, in `in_force_order`."""

    # The last day this label is the one in force (the day before the next award, 9999-12-31
    # for the last): the label in force on D is the one with awardedOn <= D <= inForceUntil.
    inForceUntil: datetime


class ClusterDoc(TypedDict):
    _id: str
    name: str  # exactly as published, no-break spaces and typographic apostrophes included
    nameKey: str  # schema.rules.text.search_key(name)
    compactKey: str  # schema.rules.text.compact_key(name)
    country: str  # ISO 3166-1 alpha-2
    portfolio: str  # portfolio _id (slug)
    portfolioName: str  # denormalised for sorting and grouping without a join
    website: str | None  # as published, even when truncated
    warnings: list[str]  # suspicious values kept verbatim, e.g. a truncated website
    label: CurrentLabel
    history: list[HistoryLabel]  # every label of the `labels` collection for this cluster
    source: SourceRef
    version: NotRequired[int]  # raised by every write (see above)
    lastMutation: NotRequired[str]


class LabelDoc(TypedDict):
    """One label in a cluster's history; a renewal adds a document, never overwrites one."""

    _id: str
    cluster: str
    level: Level
    validUntil: datetime
    awardedOn: datetime
    awardedOnInferred: bool
    source: SourceRef
    version: NotRequired[int]  # raised by every write (see above)
    lastMutation: NotRequired[str]


class IndicatorDoc(TypedDict):
    _id: str
    catalogueVersion: str
    number: int  # position in the catalogue, 1-based
    code: str
    area: str  # one of rules.vocabulary.AREAS
    areaNumber: int
    areaName: str
    name: str
    description: str
    unit: Unit
    higherIsBetter: bool | None  # None: no direction (YEAR, ENUM), never rated
    evidence: EvidenceLevel
    scale: NotRequired[dict[str, int]]  # RATING: {"min": 1, "max": 5}
    choices: NotRequired[list[str]]  # ENUM: allowed values


class IndicatorResultDoc(TypedDict):
    code: str
    # float for numeric units, bool for BOOL, str for ENUM, list[str] for LIST
    value: float | bool | str | list[str] | None
    rating: Light | None


class InterviewDoc(TypedDict):
    _id: str
    cluster: str
    conductedOn: datetime
    conductedOnInferred: bool
    catalogueVersion: str
    isSample: bool  # generated sample data, never a real result
    results: list[IndicatorResultDoc]
    recommendations: list[str]
    source: SourceRef
    version: NotRequired[int]  # raised by every write (see above)
    lastMutation: NotRequired[str]


def award(label: Mapping[str, Any]) -> Award:
    """The dates of a stored label (a `LabelDoc`, `CurrentLabel` or `HistoryLabel`)."""
    return Award(
        level=label["level"],
        awarded_on=label["awardedOn"].date(),
        valid_until=label["validUntil"].date(),
    )


def embedded_labels(labels: Iterable[LabelDoc]) -> tuple[CurrentLabel, list[HistoryLabel]]:
    """A cluster's embedded `label` and `history` from its label documents (at least one).

    Written by every writer of clusters, so that the label in force on any date is picked
    by the rule of `schema.rules.labels` inside a database filter or pipeline.
    """
    ordered = sorted(labels, key=lambda doc: in_force_order(award(doc)))
    if not ordered:
        raise ValueError("a cluster needs at least one label")
    ends = in_force_until([award(doc) for doc in ordered])
    history: list[HistoryLabel] = [
        {
            "level": doc["level"],
            "levelRank": LEVEL_RANK[doc["level"]],
            "validUntil": doc["validUntil"],
            "awardedOn": doc["awardedOn"],
            "awardedOnInferred": doc["awardedOnInferred"],
            "inForceUntil": to_stored(end),
        }
        for doc, end in zip(ordered, ends, strict=True)
    ]
    last = history[-1]
    current: CurrentLabel = {
        "level": last["level"],
        "levelRank": last["levelRank"],
        "validUntil": last["validUntil"],
        "awardedOn": last["awardedOn"],
        "awardedOnInferred": last["awardedOnInferred"],
    }
    return current, history

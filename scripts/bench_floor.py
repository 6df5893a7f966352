"""The floors the benchmark compares with: bare Strawberry apps, no project code.

`python scripts/bench_floor.py PORT` serves the floor: a bare Strawberry app answering
`{ __typename }`, Strawberry's own ASGI view under uvicorn with uvicorn's defaults as
`ecei serve` uses them (access log included), so that a ratio to it shows what the
project adds to the cheapest possible GraphQL request.

`python scripts/bench_floor.py PORT --from-memory` serves, the same way, a bare
Strawberry schema that answers the benchmark's "directory page" and "nested page"
documents (the same fields, arguments, nesting and list sizes as the project's schema:
20 clusters of `first: 20`, each with its portfolio and label, or its latest interview's
36 results with their indicator) from made-up Python objects held in memory, no
database, with Strawberry's parser and validation caches (the project caches both). A
ratio to the floor of these shows the most Strawberry itself reaches for those shapes,
whatever the store behind it.
"""

from __future__ import annotations

import argparse
import base64
import enum
import json
import random
from datetime import date, timedelta

import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


app = GraphQL(strawberry.Schema(query=Query))


# --- the directory's shapes, from memory --------------------------------------------------
# Field names, arguments and types as in the project's schema (schema/schema.graphql), for
# the part of it the two documents select; plain attributes wherever the project's schema
# has no arguments.

TODAY = date(2025, 6, 1)
"""The day labels' status is computed for when no `asOf` is given (fixed, so that the
answers do not change from one day to the next)."""


@strawberry.enum
class LabelLevel(enum.Enum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"


@strawberry.enum
class LabelStatus(enum.Enum):
    VALID = "VALID"
    EXPIRING_SOON = "EXPIRING_SOON"
    RENEWABLE = "RENEWABLE"
    EXPIRED = "EXPIRED"


@strawberry.enum
class Rating(enum.Enum):
    RED = "RED"
    YELLOW = "YELLOW"
    GREEN = "GREEN"


@strawberry.enum
class IndicatorUnit(enum.Enum):
    COUNT = "COUNT"
    PERCENT = "PERCENT"
    YEAR = "YEAR"
    YEARS = "YEARS"
    EUR = "EUR"
    FTE = "FTE"
    BOOL = "BOOL"
    RATING = "RATING"
    ENUM = "ENUM"
    LIST = "LIST"


@strawberry.type
class Portfolio:
    slug: str
    name: str


@strawberry.type
class Label:
    level: LabelLevel
    valid_until: date

    @strawberry.field
    def status(self, as_of: date | None = None) -> LabelStatus:
        day = as_of or TODAY
        if self.valid_until < day:
            renewable = self.valid_until + timedelta(days=365) >= day
            return LabelStatus.RENEWABLE if renewable else LabelStatus.EXPIRED
        if self.valid_until <= day + timedelta(days=90):
            return LabelStatus.EXPIRING_SOON
        return LabelStatus.VALID


@strawberry.type
class Indicator:
    code: str
    name: str
    unit: IndicatorUnit
    area: strawberry.Private[str]


@strawberry.type
class IndicatorResult:
    code: str
    indicator: Indicator | None
    value: float | None
    flag: bool | None
    text: str | None
    rating: Rating | None


@strawberry.type
class Interview:
    conducted_on: date
    all_results: strawberry.Private[list[IndicatorResult]]

    @strawberry.field
    def results(
        self, area: str | None = None, codes: list[str] | None = None
    ) -> list[IndicatorResult] | None:
        if area is None and codes is None:
            return self.all_results
        return [
            result
            for result in self.all_results
            if (area is None or (result.indicator and result.indicator.area == area))
            and (codes is None or result.code in codes)
        ]


@strawberry.type
class Cluster:
    slug: str
    name: str
    website: str | None
    portfolio: Portfolio
    label: Label | None
    latest_interview: Interview | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ClusterConnection:
    nodes: list[Cluster]
    page_info: PageInfo
    total_count: int


def _cursor(cluster: Cluster) -> str:
    return base64.b64encode(json.dumps({"k": cluster.slug}).encode()).decode()


@strawberry.type(name="Query")
class MemoryQuery:
    @strawberry.field
    def clusters(
        self,
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
        as_of: date | None = None,
    ) -> ClusterConnection:
        """`first` clusters (20 by default) in name order after the cursor `after`,
        whose name contains `search`; `asOf` is accepted as the project's is, and the
        labels' `status(asOf)` takes its own."""
        matching = CLUSTERS
        if search:
            matching = [c for c in matching if search.lower() in c.name.lower()]
        start = 0
        if after:
            slug = json.loads(base64.b64decode(after))["k"]
            start = next((i + 1 for i, c in enumerate(matching) if c.slug == slug), 0)
        page = matching[start : start + (20 if first is None else first)]
        info = PageInfo(
            has_next_page=start + len(page) < len(matching),
            has_previous_page=start > 0,
            start_cursor=_cursor(page[0]) if page else None,
            end_cursor=_cursor(page[-1]) if page else None,
        )
        return ClusterConnection(nodes=page, page_info=info, total_count=len(matching))


# A made-up directory of the shipped size (88 clusters over 14 portfolios, a catalogue of 36
# indicators, one interview each), with names, values and the mix of result kinds of the
# shipped sample interviews, always the same: never real data.

_RNG = random.Random(2024)
_THEMES = (
    "Energy and environment",
    "Aviation and space",
    "Food industry",
    "Health and medical science",
    "Micro, nano and optical technologies",
    "Mobility and transport",
    "Digital technologies",
    "Chemistry and materials",
    "Textiles and design",
    "Water and natural resources",
    "Wood and forestry",
    "Logistics and services",
    "Tourism and culture",
    "Production engineering",
)
PORTFOLIOS = [Portfolio(slug=t.lower().replace(",", "").replace(" ", "-"), name=t) for t in _THEMES]
_SUBJECTS = ("Share", "Number", "Development", "Commitment", "Quality", "Stability", "Intensity")
_OBJECTS = ("participants", "services", "funding", "projects", "staff", "events", "contacts")
_UNITS = (IndicatorUnit.COUNT, IndicatorUnit.PERCENT, IndicatorUnit.RATING, IndicatorUnit.FTE)
# The shipped sample interview's kinds of results: 1 year without a rating, 2 choices as
# text, 1 yes/no flag with a rating, and 32 rated numbers.
_KINDS = [IndicatorUnit.YEAR, IndicatorUnit.ENUM, IndicatorUnit.BOOL, IndicatorUnit.ENUM]
_KINDS += [_UNITS[i % len(_UNITS)] for i in range(32)]
INDICATORS = [
    Indicator(
        code=f"{subject.lower()}_of_{noun}_{number}",
        name=f"{subject} of {noun} ({number})",
        unit=unit,
        area=f"area_{number // 6 + 1}",
    )
    for number, unit in enumerate(_KINDS, start=1)
    for subject, noun in [(_RNG.choice(_SUBJECTS), _RNG.choice(_OBJECTS))]
]


def _result(indicator: Indicator, rng: random.Random) -> IndicatorResult:
    value: float | None = None
    flag = text = rating = None
    if indicator.unit is IndicatorUnit.ENUM:
        text = rng.choice(("public body", "association", "company", rng.choice(_THEMES)))
    elif indicator.unit is IndicatorUnit.BOOL:
        flag = rng.random() < 0.7
    elif indicator.unit is IndicatorUnit.YEAR:
        value = float(rng.randrange(1985, 2015))
    elif indicator.unit is IndicatorUnit.PERCENT:
        value = float(rng.randrange(101))
    elif indicator.unit is IndicatorUnit.RATING:
        value = float(rng.randrange(1, 6))
    elif indicator.unit is IndicatorUnit.FTE:
        value = round(rng.uniform(0.5, 20), 1)
    else:
        value = float(rng.randrange(1, 3000))
    if indicator.unit not in (IndicatorUnit.ENUM, IndicatorUnit.YEAR):
        rating = rng.choice(list(Rating))
    return IndicatorResult(
        code=indicator.code, indicator=indicator, value=value, flag=flag, text=text, rating=rating
    )


def _cluster(number: int, rng: random.Random) -> Cluster:
    name = (
        f"{rng.choice(('Pôle', 'Cluster', 'Réseau', 'Polo', 'Hub'))} {rng.choice(_THEMES)} {number}"
    )
    interview = Interview(
        conducted_on=date(2010, 1, 1) + timedelta(days=rng.randrange(12 * 365)),
        all_results=[_result(indicator, rng) for indicator in INDICATORS],
    )
    return Cluster(
        slug=name.lower().replace(",", "").replace(" ", "-").replace("ô", "o").replace("é", "e"),
        name=name,
        website=f"https://cluster{number}.example.org" if rng.random() < 0.3 else None,
        portfolio=rng.choice(PORTFOLIOS),
        label=Label(
            level=rng.choice(list(LabelLevel)),
            valid_until=date(2012, 1, 1) + timedelta(days=rng.randrange(18 * 365)),
        ),
        latest_interview=interview,
    )


CLUSTERS = sorted((_cluster(n, _RNG) for n in range(1, 89)), key=lambda c: c.name)

# Factories, as Strawberry asks: the caches themselves are shared by every request.
memory_schema = strawberry.Schema(
    query=MemoryQuery,
    extensions=[lambda: ParserCache(maxsize=100), lambda: ValidationCache(maxsize=100)],
)
memory_app = GraphQL(memory_schema)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument(
        "--from-memory",
        action="store_true",
        help="serve the directory's shapes from memory instead of `{ __typename }`",
    )
    args = parser.parse_args()
    served = memory_app if args.from_memory else app
    uvicorn.run(served, host="127.0.0.1", port=args.port, log_level="info")

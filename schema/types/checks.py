"""Filter values checked against what exists: an unknown portfolio slug or country code is
a BAD_USER_INPUT naming it and the nearest known values, never an empty answer.

Portfolios come from the database (one read per request, cached in the context), country
codes from ISO 3166-1 (`schema.rules.vocabulary.COUNTRIES`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from schema.errors import BadUserInput
from schema.rules.text import nearest
from schema.rules.vocabulary import COUNTRIES
from schema.store.filters import ClusterFilter, normal_country
from schema.types.context import Context, Info
from schema.types.inputs import ClusterWhere

__all__ = ["check_filter", "checked_filter", "unknown"]

_COUNTRIES = {code: code for code in COUNTRIES}


def unknown(kind: str, value: str, known: Mapping[str, str], *, hint: str = "") -> BadUserInput:
    """The error for a `kind` value that does not exist, with the nearest known keys."""
    close = nearest(value, known)
    suggestion = (
        f"; did you mean {', '.join(repr(key) for key in close)}?" if close else (hint or "")
    )
    return BadUserInput(f"unknown {kind} {value[:60]!r}{suggestion}")


def _parts(where: ClusterFilter) -> Iterator[ClusterFilter]:
    yield where
    for sub in (*(where.and_ or ()), *(where.or_ or ())):
        yield from _parts(sub)
    if where.not_ is not None:
        yield from _parts(where.not_)


async def checked_filter(info: Info, where: ClusterWhere | None) -> ClusterFilter | None:
    """`where` in the store's form, once every portfolio slug and country code in it (at any
    depth) is known; BadUserInput for the first unknown one."""
    return await check_filter(info.context, where)


async def check_filter(context: Context, where: ClusterWhere | None) -> ClusterFilter | None:
    """`checked_filter` for a caller with a context but no resolver `info` (the CSV export)."""
    if where is None:
        return None
    converted = where.to_filter()
    slugs = [slug for part in _parts(converted) for slug in part.portfolio or ()]
    countries = [code for part in _parts(converted) for code in part.country or ()]
    for code in countries:
        if normal_country(code) not in COUNTRIES:
            raise unknown(
                "country code",
                code,
                _COUNTRIES,
                hint="; use an ISO 3166-1 alpha-2 code such as 'FR'",
            )
    if slugs:
        portfolios = {doc["_id"]: doc["name"] for doc in await context.portfolios()}
        for slug in slugs:
            if slug not in portfolios:
                raise unknown("portfolio", slug, portfolios, hint="; `portfolios` lists every slug")
    return converted

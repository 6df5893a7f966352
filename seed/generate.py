"""Generated listings of any size, for load tests and the benchmark: never real data.

`generate_rows(n)` returns the rows of `n` made-up clusters spread over the 14 portfolios,
about twenty European countries, the three label levels and end dates from 2010 to 2030.
About one cluster in six holds a renewal (a second, later row), some share a name with a
cluster of another country (so the loader's slug collisions are exercised), and some have
no website. The same `n` and `seed` always give the same rows, and the first `n` clusters
of a larger run are the clusters of a smaller one.

`generated_input(n)` wraps them in a `LoadInput` with the shipped catalogue and, by
default, one sample interview per cluster (flagged `isSample`, as every generated
interview is). `scripts/generate_listing.py` writes the rows as CSV or JSON.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from schema.rules.labels import VALIDITY_YEARS, add_years
from schema.rules.vocabulary import Level
from seed.catalogue import CATALOGUE_PATH, load_catalogue
from seed.loader import LoadInput
from seed.rows import ListingRow
from seed.vocabulary import load_portfolios

__all__ = ["GENERATED_FILE", "GENERATE_SEED", "generate_rows", "generated_input"]

GENERATED_FILE = "generated"
GENERATE_SEED = 2024

_COUNTRIES = (
    "FR", "DE", "ES", "IT", "BE", "NL", "AT", "PL", "SE", "DK",
    "FI", "PT", "CZ", "HU", "RO", "IE", "NO", "SK", "SI", "LT",
)  # fmt: skip
_KINDS = (
    "Pôle", "Cluster", "Réseau", "Competence Centre", "Netzwerk", "Polo", "Agrupación",
    "Distretto", "Klaster", "Innovation Hub", "Association", "Plattform",
)  # fmt: skip
_THEMES = (
    "Mécatronique", "Bioénergie", "Aéro", "Numérique", "Matériaux", "Santé", "Logistique",
    "Agroalimentaire", "Photonique", "Eau", "Bois", "Textile", "Mobilité", "Images",
    "Énergies Marines", "Céramique", "Plasturgie", "Tourisme", "Microtechniques", "Chimie",
)  # fmt: skip
_PLACES = (
    "Alpes", "Bretagne", "Rhône", "Bayern", "Lombardia", "Catalunya", "Wallonie", "Brabant",
    "Silesia", "Skåne", "Jutland", "Norte", "Moravia", "Transdanubia", "Transilvania",
    "Munster", "Vestland", "Košice", "Štajerska", "Kaunas", "Nord", "Sud", "Ouest", "Est",
)  # fmt: skip
_LEVELS: tuple[Level, ...] = ("BRONZE", "BRONZE", "BRONZE", "BRONZE", "SILVER", "GOLD")
_FIRST_END = date(2010, 1, 1)
_END_SPAN_DAYS = 20 * 365  # end dates from 2010 to about 2030


def _name(rng: random.Random, number: int) -> str:
    kind, theme, place = rng.choice(_KINDS), rng.choice(_THEMES), rng.choice(_PLACES)
    acronym = "".join(word[0] for word in (kind, theme, place)).upper()
    # The number keeps names unique within a country; the acronym reads like a real one.
    return f"{kind} {theme} {place} {number} ({acronym})"


def generate_rows(n: int, *, seed: int = GENERATE_SEED) -> list[ListingRow]:
    """The listing rows of `n` generated clusters (renewals included: about 1.17 rows each)."""
    portfolios = load_portfolios().names
    rows: list[ListingRow] = []
    taken: set[tuple[int, str]] = set()  # (name number, country): one cluster each
    line = 1
    for number in range(1, n + 1):
        rng = random.Random(f"{seed}:{number}")
        # One cluster in fifty reuses the name of an earlier one in another country.
        source = rng.randrange(1, number) if number > 50 and rng.random() < 0.02 else number
        country = random.Random(f"{seed}:home:{source}").choice(_COUNTRIES)
        if source != number:
            country = rng.choice(_COUNTRIES)
            if (source, country) in taken:
                source, country = number, random.Random(f"{seed}:home:{number}").choice(_COUNTRIES)
        taken.add((source, country))
        name = _name(random.Random(f"{seed}:name:{source}"), source)
        portfolio = portfolios[(source * 7 + len(name)) % len(portfolios)]
        website = None if rng.random() < 0.1 else f"http://www.cluster-{number}.example.eu"
        level = rng.choice(_LEVELS)
        end = _FIRST_END + timedelta(days=rng.randrange(_END_SPAN_DAYS))
        labels = [(level, end)]
        if rng.random() < 1 / 6:  # a renewal two years later, sometimes at a higher level
            renewed = rng.choice(_LEVELS[_LEVELS.index(level) :])
            labels.append((renewed, add_years(end, VALIDITY_YEARS[renewed])))
        for level_, end_ in labels:
            line += 1
            rows.append(
                ListingRow(
                    name=name,
                    portfolio=portfolio,
                    website=website,
                    level=level_,
                    valid_until=end_,
                    country=country,
                    file=GENERATED_FILE,
                    line=line,
                )
            )
    return rows


def generated_input(
    n: int, *, seed: int = GENERATE_SEED, sample_interviews: bool = True
) -> LoadInput:
    """A load of `n` generated clusters with the shipped catalogue (and sample interviews)."""
    catalogue, errors = load_catalogue(CATALOGUE_PATH)
    return LoadInput(
        rows=generate_rows(n, seed=seed),
        catalogue=catalogue,
        errors=errors,
        sample_interviews=sample_interviews,
    )

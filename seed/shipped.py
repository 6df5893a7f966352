"""The shipped data: ESCA's published listing (its France slice), the indicator catalogue,
and sample interviews; `load_shipped` seeds a database with them.
"""

from __future__ import annotations

from pathlib import Path

from schema.store.documents import Database
from seed.catalogue import CATALOGUE_PATH, load_catalogue
from seed.listing import parse_listing
from seed.loader import LoadInput, load
from seed.report import LoadReport

__all__ = ["CATALOGUE_PATH", "SHIPPED_COUNTRY", "SHIPPED_LISTING", "load_shipped"]

SHIPPED_LISTING = Path(__file__).parent / "data" / "000_d85a51d79b0f777b.txt"
# The raw listing has no country column: it is ESCA's list of French clusters.
SHIPPED_COUNTRY = "FR"


async def load_shipped(
    db: Database, *, sample_interviews: bool = True, bulk: bool = False
) -> LoadReport:
    """Load the shipped listing, the catalogue and (by default) sample interviews into `db`.

    Idempotent: a second call writes nothing. Raises `ValidationFailed` only if the shipped
    data itself is broken. `bulk` as in `seed.loader.load`: for a store private to this
    process, indexes built after the writes.
    """
    parsed = parse_listing(SHIPPED_LISTING, country=SHIPPED_COUNTRY)
    catalogue, catalogue_errors = load_catalogue(CATALOGUE_PATH)
    data = LoadInput(
        rows=parsed.rows,
        catalogue=catalogue,
        errors=parsed.errors + catalogue_errors,
        sample_interviews=sample_interviews,
    )
    return await load(db, data, bulk=bulk)

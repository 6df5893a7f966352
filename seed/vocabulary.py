"""Controlled vocabularies that validate every import: portfolios, countries, TLDs.

The portfolio list ships in `seed/data/portfolios.json`; the ISO 3166-1 alpha-2 codes and
the top-level domains used to flag suspicious websites are listed here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from schema.rules.text import search_key

__all__ = [
    "COUNTRIES",
    "PORTFOLIOS_PATH",
    "TLDS",
    "Portfolios",
    "load_portfolios",
]

PORTFOLIOS_PATH = Path(__file__).parent / "data" / "portfolios.json"

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES: frozenset[str] = frozenset(_COUNTRY_CODES.split())

# Top-level domains a published cluster website plausibly ends with: the generic ones and
# every country code (plus `uk`, which is not the ISO code of the United Kingdom).
_GENERIC_TLDS = """
    com org net info eu biz edu gov int mil name pro mobi asia tel travel coop aero museum
    jobs cat app dev online site tech cloud io bzh paris alsace corsica berlin bayern hamburg
    wien swiss brussels vlaanderen scot wales barcelona madrid nrw ruhr koeln cologne
"""
TLDS: frozenset[str] = frozenset(
    {*_GENERIC_TLDS.split(), "uk", *(code.lower() for code in COUNTRIES)}
)


class Portfolios:
    """The comparative portfolio vocabulary, in its published spelling and order."""

    def __init__(self, names: list[str]) -> None:
        self.names: tuple[str, ...] = tuple(names)
        self._by_key = {search_key(name): name for name in names}
        # Longest first, so that a name ending with a shorter portfolio's text still splits
        # on the longest one it ends with.
        self.longest_first: tuple[str, ...] = tuple(sorted(names, key=len, reverse=True))

    def lookup(self, text: str) -> str | None:
        """The vocabulary name matching `text` (case, accents and punctuation ignored)."""
        return self._by_key.get(search_key(text))

    def known(self) -> str:
        # Quoted: three portfolio names contain commas themselves.
        return ", ".join(repr(name) for name in self.names)

    def __len__(self) -> int:
        return len(self.names)


@cache
def load_portfolios(path: Path = PORTFOLIOS_PATH) -> Portfolios:
    data = json.loads(path.read_text(encoding="utf-8"))
    names: list[str] = data["portfolios"]
    return Portfolios(names)

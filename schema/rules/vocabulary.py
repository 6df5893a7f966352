"""Controlled vocabularies of stored values: label levels, indicator units, traffic lights,
evidence levels, the six interview areas and the ISO 3166-1 country codes.

Each is a `Literal` of the exact strings stored in MongoDB. The GraphQL layer exposes the
same values as enums with other names (`Level` here is the `LabelLevel` enum there,
`Light` the `Rating` enum, `EvidenceLevel` the `Evidence` enum, `Status` in `rules.labels`
the `LabelStatus` enum): one name
for the stored string, one for the GraphQL type, never the same name for both.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AREAS",
    "COUNTRIES",
    "LEVELS",
    "LIGHTS",
    "NUMERIC_UNITS",
    "UNITS",
    "EvidenceLevel",
    "Level",
    "Light",
    "Unit",
]

Level = Literal["BRONZE", "SILVER", "GOLD"]
LEVELS: tuple[Level, ...] = ("BRONZE", "SILVER", "GOLD")

Unit = Literal["COUNT", "PERCENT", "YEAR", "YEARS", "EUR", "FTE", "BOOL", "RATING", "ENUM", "LIST"]
UNITS: tuple[Unit, ...] = (
    "COUNT",
    "PERCENT",
    "YEAR",
    "YEARS",
    "EUR",
    "FTE",
    "BOOL",
    "RATING",
    "ENUM",
    "LIST",
)
# Units whose value is a number (stored as a float).
NUMERIC_UNITS: frozenset[str] = frozenset(
    {"COUNT", "PERCENT", "YEAR", "YEARS", "EUR", "FTE", "RATING"}
)

# A traffic light of a benchmarking report.
Light = Literal["RED", "YELLOW", "GREEN"]
LIGHTS: tuple[Light, ...] = ("RED", "YELLOW", "GREEN")

EvidenceLevel = Literal["CONFIRMED", "AREA_CONFIRMED", "INFERRED"]

AREAS: tuple[str, ...] = (
    "STRUCTURE",
    "MANAGEMENT",
    "FINANCING",
    "SERVICES",
    "CONTACTS",
    "ACHIEVEMENTS",
)

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

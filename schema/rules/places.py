"""Countries and websites: the checks every listing format and every editor's write share.

`COUNTRIES` are the officially assigned ISO 3166-1 alpha-2 codes (`rules.vocabulary`);
`TLDS` the top-level domains a published cluster website plausibly ends with. A website
that looks truncated is never corrected: `website_problem` says what looks wrong, and the
caller keeps the value verbatim and reports the problem as a warning.
"""

from __future__ import annotations

from schema.rules.vocabulary import COUNTRIES

__all__ = ["COUNTRIES", "TLDS", "country_problem", "website_problem"]

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


def country_problem(value: str) -> str | None:
    """Why `value` is not an ISO 3166-1 alpha-2 code, or None when it is one."""
    if value in COUNTRIES:
        return None
    hint = "; use upper case" if value.upper() in COUNTRIES else ""
    return f"not an ISO 3166-1 alpha-2 country code{hint}"


def website_problem(website: str) -> str | None:
    """What makes `website` look truncated or malformed, or None; never a correction."""
    rest = website
    for prefix in ("http://", "https://"):
        if rest.lower().startswith(prefix):
            rest = rest[len(prefix) :]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0]
    if "." not in host.strip("."):
        return "host has no top-level domain: probably truncated"
    tld = host.rstrip(".").rsplit(".", 1)[1]
    if not tld.isascii() or tld.lower() not in TLDS:
        return f"top-level domain {tld!r} is not a known one: probably truncated"
    return None

"""Every limit the API enforces, in one place, with the reason for its value.

The HTTP body-size limit and the database timeout come from settings (`api.settings`);
everything that shapes a GraphQL operation is fixed here and stated in the schema's
descriptions, so clients can read it from the contract.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_PAGE_SIZE",
    "LIST_ESTIMATE",
    "MAX_ALIASES",
    "MAX_CODES",
    "MAX_CURSOR_LENGTH",
    "MAX_DEPTH",
    "MAX_GLOBAL_ID_LENGTH",
    "MAX_NODE_IDS",
    "MAX_PAGE_SIZE",
    "MAX_REQUESTED_NODES",
    "MAX_SEARCH_LENGTH",
    "MAX_TOKENS",
    "MAX_WHERE_DEPTH",
    "MAX_WINDOW_DAYS",
]

# Deepest useful query: clusters > edges > node > latestInterview > results > indicator >
# name is 7 levels; 10 leaves room for fragments without allowing recursive abuse.
MAX_DEPTH = 10
# Aliases let one request ask the same expensive field many times; 15 covers dashboards.
MAX_ALIASES = 15
# Bounds parsing work before anything else runs: ~10x the largest example query.
MAX_TOKENS = 2000

# Relay connections: `first`/`last` default and hard cap. A larger value is an error, not a
# silent clamp, so that a client never believes it received everything when it did not.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# `nodes(ids:)` takes at most one page worth of IDs.
MAX_NODE_IDS = MAX_PAGE_SIZE
# `Interview.results(codes:)`: more codes than any catalogue has is a mistake.
MAX_CODES = 50
# Search text, before folding; longer input is an error.
MAX_SEARCH_LENGTH = 100
# Nesting of `and` / `or` / `not` in a `ClusterWhere`.
MAX_WHERE_DEPTH = 5

# Opaque strings a client sends back: longer ones cannot be ours and are refused unread.
MAX_GLOBAL_ID_LENGTH = 512
MAX_CURSOR_LENGTH = 1024
# `portfolioStats(expiringWithinDays:)`: about ten years.
MAX_WINDOW_DAYS = 3660
# Statistics over interview results of fewer clusters are withheld (`ECEI_MIN_GROUP_SIZE`).
DEFAULT_MIN_GROUP_SIZE = 3

# Query cost (`schema.guards.cost`): objects an operation may request through connections. 2500
# lets every portfolio list a full page of its clusters; a page of 100 clusters that each
# open another page of 100 (10,100 objects, 100 queries) is refused.
MAX_REQUESTED_NODES = 2500
# How many items the cost assumes for a list field of unknown length (e.g. `portfolios`).
LIST_ESTIMATE = 20

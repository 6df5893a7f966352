"""Every limit the API enforces, in one place, with the reason for its value.

The HTTP body-size limit and the database timeout come from settings (`api.settings`);
everything that shapes a GraphQL operation is fixed here and stated in the schema's
descriptions, so clients can read it from the contract.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "AGGREGATE_COST",
    "BENCHMARK_COST",
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_PAGE_SIZE",
    "DOCUMENT_CACHE_BYTES",
    "FACETS_COST",
    "HISTORY_COST",
    "LIST_ESTIMATE",
    "MAX_ALIASES",
    "MAX_CLIENT_MUTATION_ID_CHARS",
    "MAX_CODES",
    "MAX_CURSOR_LENGTH",
    "MAX_DATE",
    "MAX_DATE_INPUT_CHARS",
    "MAX_DEPTH",
    "MAX_DUPLICATE_FIELDS",
    "MAX_EXPANDED_FIELDS",
    "MAX_GLOBAL_ID_LENGTH",
    "MAX_INPUT_LIST_LENGTH",
    "MAX_INPUT_NESTING",
    "MAX_LITERAL_DIGITS",
    "MAX_NODE_IDS",
    "MAX_PAGE_SIZE",
    "MAX_REQUESTED_NODES",
    "MAX_SEARCH_LENGTH",
    "MAX_TOKENS",
    "MAX_TYPE_INTROSPECTIONS",
    "MAX_WHERE_CLAUSES",
    "MAX_WHERE_DEPTH",
    "MAX_WINDOW_DAYS",
    "MIN_DATE",
    "RESULTS_COST",
    "TIMELINE_COST",
    "TIMELINE_GROUPED_FACTOR",
    "TIMELINE_PERIODS",
    "TOTAL_COUNT_COST",
]

# Deepest useful query: clusters > edges > node > latestInterview > results > indicator >
# name is 7 levels; 10 leaves room for fragments without allowing recursive abuse.
MAX_DEPTH = 10
# Aliases let one request ask the same expensive field many times; 15 covers dashboards.
MAX_ALIASES = 15
# Bounds parsing work before anything else runs: ~10x the largest example query.
MAX_TOKENS = 2000
# `__type` selections in one document (`__schema` is allowed once). Introspection reads no
# data and costs nothing, so that GraphiQL and code generators do not spend a client's
# hourly budget; it is bounded by these counts instead: each `__type` of the largest type
# is about 13 kB of answer and 8 ms of work, fifteen were 199 kB and 123 ms.
MAX_TYPE_INTROSPECTIONS = 10
# The same response key (a field or an alias) selected more often than this in one selection
# set is refused before full validation: repeats add nothing to the answer, and checking that
# they merge costs graphql-core time quadratic in their number.
MAX_DUPLICATE_FIELDS = 10
# Fields a document holds once every fragment spread is replaced by its fragment: a few
# hundred characters of fragments that spread each other twice expand to millions, and
# every check that walks the document (depth, aliases, repeats, cost) walks them all. The
# largest query of the web directory expands to 55 fields, GraphiQL's introspection to 220.
MAX_EXPANDED_FIELDS = 2000

# A mutation's `clientMutationId`: an idempotency key, stored with the audit entry.
MAX_CLIENT_MUTATION_ID_CHARS = 200

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
# Every `Date` argument: labels exist since 2009; the range keeps date arithmetic (a year
# added, 90 days subtracted) far from the ends of Python's calendar, year 1 and year 9999.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
# A `Date` input longer than this is refused without being quoted in the error: a 50 kB
# text was echoed twice, a 100 kB answer.
MAX_DATE_INPUT_CHARS = 40
# Digits of an integer literal in a document: past 309, not even a `Float` holds it (1e309
# is infinite).
MAX_LITERAL_DIGITS = 309
# Nesting of `and` / `or` / `not` in a `ClusterWhere`.
MAX_WHERE_DEPTH = 5
# `ClusterWhere` objects in one filter, itself and every `and` / `or` / `not` inside: a
# filter of 1,000 lists of 10 items each stays under every other limit, yet took a
# second to match on every page (a CSV export of it held the server for that long).
MAX_WHERE_CLAUSES = 100
# Lists and objects inside one variable's JSON value: the deepest input (a `where` at
# `MAX_WHERE_DEPTH` with its lists) needs about a dozen levels.
MAX_INPUT_NESTING = 32
# Any list given as an argument or inside an input (`or`/`and` clauses, `portfolio`,
# `country`, `ids`, `codes`, `orderBy`, ...) holds at most this many items; a longer one is
# refused (BAD_USER_INPUT) before anything runs. Every item also counts one in the query cost,
# so a filter of 100 clauses of 100 values each is refused by the cost limit.
MAX_INPUT_LIST_LENGTH = 100

# Opaque strings a client sends back: longer ones cannot be ours and are refused unread.
MAX_GLOBAL_ID_LENGTH = 512
MAX_CURSOR_LENGTH = 1024
# `portfolioStats(expiringWithinDays:)`: about ten years.
MAX_WINDOW_DAYS = 3660
# Statistics over interview results of fewer clusters are withheld (`ECEI_MIN_GROUP_SIZE`).
DEFAULT_MIN_GROUP_SIZE = 3

# Query cost (`schema.guards.cost`): objects an operation may request (each object counts
# one, a connection its page). 2500 lets every portfolio list a full page of its clusters
# (2,020); a page of 100 clusters that each open another page of 100 (10,200 objects, 100
# queries) is refused, and so are fifteen pages of 100 clusters with their latest
# interview (3,000), whose answers took seconds to build eight at once.
MAX_REQUESTED_NODES = 2500
# How many items the cost assumes for a list field of unknown length (e.g. `portfolios`).
LIST_ESTIMATE = 20
# Fields whose work is more than one object, counted in the cost per time they resolve:
# - `Cluster.benchmark` returns ~43 objects (36 indicators, 6 areas, overall) and compares
#   the cluster with every peer, so it counts as 50: a page of 40 benchmarks is allowed, a
#   page of 100 (5,100) is refused;
BENCHMARK_COST = 50
# - `Interview.results` returns one result (with its indicator) for each of the 36
#   indicators of the catalogue, so it counts as 36: a page of 50 clusters with their
#   latest interview's results costs 1,900, a page of 100 (3,800) is refused;
RESULTS_COST = 36
# - `Cluster.labels` and `Cluster.interviews` return a cluster's whole history (a label
#   every two or three years, an interview with each): each counts as 5, so that fifteen
#   pages of 100 clusters with their histories (16,500) are refused, a page of 100 with
#   both (1,100) is not;
HISTORY_COST = 5
# - each aggregate root field (`portfolioStats`, `clustersAggregate`, `labelTimeline`,
#   `indicatorStats`) runs one pipeline over every matching cluster;
AGGREGATE_COST = 100
# - `totalCount` runs one count over every matching cluster.
TOTAL_COUNT_COST = 10
# - `facets` runs one `$facet` pipeline of five groupings over every matching cluster, like
#   an aggregate root field, so it counts as one (and as often as its connection resolves).
FACETS_COST = AGGREGATE_COST
# - `labelTimeline` returns one row per period from the earliest award to the latest end of
#   the matching labels: a number known only once the labels are read, so the cost is a
#   weight per interval, from the periods of a history of about 20 years (20 years, 240
#   months, some 7,300 days, kept far below their number so that a day-by-day timeline
#   stays allowed alone), times `TIMELINE_GROUPED_FACTOR` when grouped by portfolio (the
#   same periods repeated for each portfolio).
#   A day-by-day timeline grouped by portfolio repeats its 7,300 days for each portfolio
#   (35,000 rows on the shipped listing, seconds of work): grouped, a day costs as many
#   times as there are portfolios (`LIST_ESTIMATE`), which the limit refuses; by month,
#   grouped, is the finest grouped timeline.
TIMELINE_COST = {"YEAR": AGGREGATE_COST, "MONTH": 2 * AGGREGATE_COST, "DAY": 10 * AGGREGATE_COST}
TIMELINE_GROUPED_FACTOR = {"YEAR": 2, "MONTH": 2, "DAY": 20}
# What a field selected under `labelTimeline` multiplies by: its rows, counted in full (a
# history of about 20 years; each portfolio's own periods when grouped, as for a list of
# unknown length), so that a connection inside each period is costed for every period.
TIMELINE_PERIODS = {"YEAR": 20, "MONTH": 240, "DAY": 7300}

# Parsed and validated documents kept for reuse (`schema.guards.documents`), bounded by the
# estimated memory they hold rather than by their number. Every node of a parsed document
# is an object the garbage collector walks in a full collection, which runs on the event
# loop: full, 32 MiB of documents (some 250,000 objects) made it take about 155 ms, 8 MiB
# about 40 ms; 8 MiB still holds some 70,000 characters of queries, tens of times what
# a front-end sends.
DOCUMENT_CACHE_BYTES = 8 * 1024 * 1024

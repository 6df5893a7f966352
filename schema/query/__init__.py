"""The root `Query` type: one class of fields per topic, merged with
`strawberry.tools.merge_types`.

| module        | root fields                                                           |
|---------------|-----------------------------------------------------------------------|
| `nodes`       | `node`, `nodes`                                                       |
| `directory`   | `cluster`, `clusters`, `portfolios`, `portfolio`                      |
| `indicators`  | `indicatorAreas`, `indicators`                                        |
| `aggregates`  | `portfolioStats`, `clustersAggregate`, `labelTimeline`, `indicatorStats` |
| `access`      | `rateLimit`, `auditLog`, `apiKeys`; mutation `revokeApiKey`            |

The root `Mutation` merges `MUTATION_PARTS` the same way: `directory_edits` (clusters and
labels), `interview_edits`, `access`; `editing` holds what their resolvers share.

To add root fields, write another `@strawberry.type` class in a module of its own and add
it to `QUERY_PARTS`. A field defined in two parts is an error (`merge_types` warns, and
the test suite turns warnings into errors).
"""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.query.access import AccessMutation, AccessQuery
from schema.query.aggregates import AggregateQuery
from schema.query.directory import DirectoryQuery
from schema.query.directory_edits import DirectoryMutation
from schema.query.indicators import CatalogueQuery
from schema.query.interview_edits import InterviewMutation
from schema.query.nodes import NodeQuery

__all__ = ["MUTATION_PARTS", "QUERY_PARTS", "Mutation", "Query"]

QUERY_PARTS: tuple[type, ...] = (
    NodeQuery,
    DirectoryQuery,
    CatalogueQuery,
    AggregateQuery,
    AccessQuery,
)
MUTATION_PARTS: tuple[type, ...] = (DirectoryMutation, InterviewMutation, AccessMutation)

Query = merge_types("Query", QUERY_PARTS)
Query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Entry points: the directory of labelled clusters, their portfolios, labels and "
    "benchmarking interviews, and the indicator catalogue."
)

Mutation = merge_types("Mutation", MUTATION_PARTS)
Mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Edits of the directory, each behind a scope of the caller's API key (`Authorization: "
    "Bearer ...`): one `input`, a payload with the written object and `userErrors`, "
    "`clientMutationId` echoed; every applied mutation is in the `auditLog`."
)

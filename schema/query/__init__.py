"""The root `Query` type: one class of fields per topic, merged with
`strawberry.tools.merge_types`.

| module        | root fields                                                           |
|---------------|-----------------------------------------------------------------------|
| `nodes`       | `node`, `nodes`                                                       |
| `directory`   | `cluster`, `clusters`, `portfolios`, `portfolio`                      |
| `indicators`  | `indicatorAreas`, `indicators`                                        |
| `aggregates`  | `portfolioStats`, `clustersAggregate`, `labelTimeline`, `indicatorStats` |

To add root fields, write another `@strawberry.type` class in a module of its own and add
it to `QUERY_PARTS`. A field defined in two parts is an error (`merge_types` warns, and
the test suite turns warnings into errors).
"""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.query.aggregates import AggregateQuery
from schema.query.directory import DirectoryQuery
from schema.query.indicators import CatalogueQuery
from schema.query.nodes import NodeQuery

__all__ = ["QUERY_PARTS", "Query"]

QUERY_PARTS: tuple[type, ...] = (NodeQuery, DirectoryQuery, CatalogueQuery, AggregateQuery)

Query = merge_types("Query", QUERY_PARTS)
Query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Entry points: the directory of labelled clusters, their portfolios, labels and "
    "benchmarking interviews, and the indicator catalogue."
)

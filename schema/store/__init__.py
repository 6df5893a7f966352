"""The store: every MongoDB read, write and pipeline of the API, the document shapes, the
indexes.

| module        | holds                                                               |
|---------------|---------------------------------------------------------------------|
| `documents`   | collection names, stored-document TypedDicts, the `Database` alias  |
| `indexes`     | every index, and `ensure_indexes`                                   |
| `filters`     | `ClusterFilter` and the `$match` it becomes                         |
| `pages`       | keyset pagination: cursors and the one `find` per page              |
| `clusters`    | pages and counts of clusters, the portfolio list                    |
| `indicators`  | reads of the indicator catalogue                                    |
| `batches`     | DataLoader batch functions: one query for many keys                 |
| `aggregates`  | grouped counts on a date: `portfolioStats`, `clustersAggregate`, facets |
| `timeline`    | `labelTimeline`: awards, ends and valid clusters per period         |
| `interviews`  | latest interview per cluster, `indicatorStats`                      |
| `peers`       | peer groups for `Cluster.benchmark`                                 |
| `labels`      | a cluster's fields derived from its label history: every writer's   |
| `edits`       | the mutations' plans: reads, rule checks, the writes to make        |
| `writes`      | `apply`: compare-and-set, audit entry, retries, transactions        |
| `keys`, `audit`, `budgets` | API key hashes, the audit trail, per-client budgets    |

Functions here take a `Database` and plain values and return typed rows (TypedDicts or
dataclasses); the GraphQL layer never builds a filter or a pipeline itself. The store
imports `schema.rules` and `schema.errors` only, never Strawberry.
"""

"""GraphQL types: each maps a stored document or a store row in a small `from_document`.

| module        | holds                                                               |
|---------------|---------------------------------------------------------------------|
| `directory`   | `Cluster`, `Portfolio`, `Label`, `Interview`, `IndicatorResult`; clusters |
| `connection`  | `ClusterConnection`, `ClusterEdge`, `PageInfo`, `ClusterFacets`, args |
| `indicators`  | `Indicator`, `IndicatorArea`: the catalogue                         |
| `benchmark`   | `Cluster.benchmark` and its types                                   |
| `aggregates`  | the types of the aggregate root fields                              |
| `enums`, `inputs`, `scalars` | enums, filter and order inputs, the `Date` scalar    |
| `checks`      | filter values checked against what exists (portfolios, countries)   |
| `nodes`, `ids` | the `Node` interface and opaque global IDs                         |
| `context`, `loaders` | the per-request context and its DataLoaders                  |
| `selection`   | what a client selected, so that work nobody asked for is skipped    |
| `mutations`   | the mutations' inputs, payloads and `UserError`                     |
| `access`      | `RateLimit`, `AuditEntry` and its connection, `ApiKey`              |

Types call the store for every read and `schema.rules` for every rule.
"""

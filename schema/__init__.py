"""The data contract: rules, the store, GraphQL types, root fields and request guards.

    rules ← store ← types ← query        guards ← types      errors: shared by all

- `rules/`  pure domain rules (no Strawberry, no driver);
- `store/`  every MongoDB read and pipeline, the document shapes, the indexes;
- `types/`  Strawberry types mapping documents and rows;
- `query/`  root fields by topic, merged into `Query`;
- `guards/` limits, cost and error masking that protect every operation;
- `errors`  the public error tree; `build` assembles the schema; `sdl` exports it.

Imports neither `api` nor `seed`. Importing `schema` itself loads nothing: `seed` imports
`schema.store` and `schema.rules` without Strawberry's schema being built. (Not the
unrelated PyPI package of the same name.)
"""

"""Request guards: what protects every operation before and while it runs.

- `extensions`: the schema extensions every operation runs through (token, depth and alias
  limits, parse and validation caches, cost, error masking, introspection in production);
- `cost`: the requested-nodes cost of an operation, refused over the limit before any read;
- `masking`: internal errors replaced by a coded message, logged with their detail.

Guards import only `schema.rules` and `schema.errors`; the limits they enforce are in
`schema.rules.limits`.
"""

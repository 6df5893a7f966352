"""The GraphiQL page (outside production): the example query it opens on, and where this
app serves GraphiQL's vendored scripts and styles instead of a CDN."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "EXAMPLE_QUERY",
    "GRAPHIQL_ASSETS_DIR",
    "GRAPHIQL_ASSETS_PATH",
    "PAGE_TITLE",
    "graphiql_page",
]

EXAMPLE_QUERY = """# Clusters whose label is valid on a date.
# Ctrl-Enter runs it; the Docs pane lists every field.
query ValidClusters($asOf: Date = "2014-03-01") {
  clusters(
    first: 5
    asOf: $asOf
    where: { labelStatus: [VALID, EXPIRING_SOON] }
  ) {
    totalCount
    nodes {
      name
      portfolio { name }
      label { level validUntil status daysRemaining }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PAGE_TITLE = "ECEI cluster directory · GraphQL API"
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_EXAMPLE_IN_HTML = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
# Where the app serves GraphiQL's vendored files (see scripts/vendor_graphiql.py); the page
# keeps its Subresource Integrity hashes, which the vendored copies match.
GRAPHIQL_ASSETS_PATH = "/graphiql-assets"
GRAPHIQL_ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
_CDN = "https://unpkg.com/"


def graphiql_page(html: str) -> str:
    """Strawberry's GraphiQL page `html`, titled `PAGE_TITLE`, loading its files from
    `GRAPHIQL_ASSETS_PATH` and opening on `EXAMPLE_QUERY`."""
    literal = EXAMPLE_QUERY.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    html = html.replace(_CDN, GRAPHIQL_ASSETS_PATH + "/")
    html = _TITLE.sub(f"<title>{PAGE_TITLE}</title>", html, count=1)
    return _EXAMPLE_IN_HTML.sub(lambda _: f"const EXAMPLE_QUERY = `{literal}`;", html, count=1)

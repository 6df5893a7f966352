"""The web directory: a page of plain JavaScript modules on the public GraphQL API, served
at `/` in every environment. One HTML file answers every view; the page routes itself
(`/#/portfolios`, `/#/clusters/<slug>`), so the server knows a single route and a folder of
static files. It replaces the JSON index of the endpoints that `/` answered before: the
page links to the API, and the README lists the endpoints."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse

__all__ = ["WEB_ASSETS_DIR", "WEB_ASSETS_PATH", "web_page"]

WEB_ASSETS_PATH = "/web"
WEB_ASSETS_DIR = Path(__file__).resolve().parent / "static" / "web"


async def web_page(request: Request) -> FileResponse:
    """The directory's page, whatever view its URL fragment names."""
    return FileResponse(
        WEB_ASSETS_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache"},  # revalidated (ETag) so a release shows at once
    )

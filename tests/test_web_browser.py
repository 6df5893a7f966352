"""The web directory in a real browser: headless Chromium (Playwright driving the system's
`chromium`, never a downloaded one) against a real `ecei serve` on the embedded store.

Every number the page shows is checked against the API's own answer, fetched separately
over HTTP. Every test also checks that the page logged no console error and that no request
left 127.0.0.1. Skipped, with the reason, only when no Chromium is installed.

`WEB_SCREENSHOTS=<dir>` also saves a screenshot of each view there (`make screenshots`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("WEB_SCREENSHOTS")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)",
)


@dataclass
class Server:
    base: str

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of `query`, asked over HTTP as any other client would."""
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        body = response.json()
        assert "errors" not in body, body
        return cast(dict[str, Any], body["data"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve() -> Iterator[Server]:
    """A real `ecei serve` on the embedded store, on a free port of 127.0.0.1."""
    port = _free_port()
    ecei = Path(sys.executable).with_name("ecei")
    command = [str(ecei)] if ecei.is_file() else [sys.executable, "-m", "api"]
    # The server's log goes to a file (a pipe nobody reads could fill and stall it).
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "ECEI_ENV": "development"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not _ready(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    pytest.fail(f"ecei serve did not become ready: {output[-2000:]}")
                time.sleep(0.2)
            yield Server(base)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with _serve() as served:
        yield served


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the module, in a fresh profile that Playwright creates
    (its own `--user-data-dir`) and deletes; each test gets a context of its own."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Browsing:
    """A page in a fresh profile, with what it requested and logged."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def ready(self) -> None:
        """Waits until the view of the current URL has its data on screen."""
        self.page.wait_for_function(
            "() => { const main = document.getElementById('main');"
            " return main.dataset.state === 'ready' && main.dataset.href === location.href; }",
            timeout=15_000,
        )

    def total(self) -> int:
        return int(self.page.get_attribute("#total-count", "data-total") or "-1")

    def graphql_requests(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(url).query) for url in self.requests if "/graphql?" in url]


@contextmanager
def _browse(browser: Browser, server: Server, viewport: dict[str, int]) -> Iterator[Browsing]:
    context = browser.new_context(viewport=cast(Any, viewport))
    try:
        page = context.new_page()
        browsing = Browsing(page)
        context.on("request", lambda request: browsing.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                browsing.errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: browsing.errors.append(str(error)))
        page.goto(f"{server.base}/")
        yield browsing
        assert browsing.errors == [], "console errors"
        outside = [url for url in browsing.requests if not url.startswith(server.base + "/")]
        assert outside == [], "requests that left 127.0.0.1"
    finally:
        context.close()


@pytest.fixture
def web(chromium: Browser, server: Server) -> Iterator[Browsing]:
    with _browse(chromium, server, {"width": 1100, "height": 800}) as browsing:
        yield browsing


def _screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


def _count(server: Server, search: str | None = None, where: Any = None) -> int:
    data = server.graphql(
        "query($s: String, $w: ClusterWhere) { clusters(search: $s, where: $w) { totalCount } }",
        s=search,
        w=where,
    )
    return int(data["clusters"]["totalCount"])


def _has_facets(server: Server) -> bool:
    response = httpx.post(
        f"{server.base}/graphql", json={"query": "{ clusters { facets { __typename } } }"}
    )
    return "errors" not in response.json()


def test_the_directory_lists_every_cluster(web: Browsing, server: Server) -> None:
    web.ready()
    assert web.total() == _count(server) == 88
    assert web.page.locator("table.clusters tbody tr").count() == 20
    assert web.page.get_attribute("#csv-link", "href") == "/export/clusters.csv"
    _screenshot(web.page, "directory")


def test_queries_go_as_persisted_get_requests(web: Browsing) -> None:
    web.ready()
    before = len(web.graphql_requests())
    web.page.reload()
    web.ready()
    sent = web.graphql_requests()
    # One request for the view: the page, its total count and the facets together.
    assert len(sent) - before == 1
    assert sent, "the page asked the API nothing"
    for params in sent:
        extension = json.loads(params["extensions"][0])["persistedQuery"]
        assert extension["version"] == 1
        assert len(extension["sha256Hash"]) == 64
    # The query text went at most once; after the reload the hash alone was answered.
    assert sum("query" in params for params in sent) <= 1
    assert "query" not in sent[-1]


def test_a_search_and_a_facet_narrow_the_list_to_the_api_numbers(
    web: Browsing, server: Server
) -> None:
    web.ready()
    web.page.get_by_label("Search").fill("pole")
    web.page.wait_for_url(lambda url: url.endswith("#/?q=pole"))
    web.ready()
    searched = _count(server, search="pole")
    assert 0 < searched < 88
    assert web.total() == searched
    rows = web.page.locator("table.clusters tbody tr")
    assert rows.count() == min(searched, 20)

    facets = _has_facets(server)
    option = web.page.locator("fieldset[data-facet=portfolio] input:not([disabled])")
    if facets:  # the first portfolio that still has clusters
        option = web.page.locator(
            "fieldset[data-facet=portfolio] .option:not(.empty) input[type=checkbox]"
        )
    slug = option.first.get_attribute("value")
    label_count = web.page.locator(f"label[for='f-portfolio-{slug}'] .count")
    shown = int(label_count.get_attribute("data-count") or "-1") if facets else None
    option.first.check()
    web.page.wait_for_url(lambda url: url.endswith(f"#/?q=pole&portfolio={slug}"))
    web.ready()
    narrowed = _count(server, search="pole", where={"portfolio": [slug]})
    assert 0 < narrowed <= searched
    assert web.total() == narrowed
    if shown is not None:
        assert shown == narrowed
    href = web.page.get_attribute("#csv-link", "href") or ""
    assert f"portfolio%22%3A%5B%22{slug}%22" in href
    csv_rows = httpx.get(server.base + href, timeout=30).text.splitlines()
    assert len(csv_rows) == 1 + narrowed  # the header, then the clusters of the view
    _screenshot(web.page, "directory-filtered")

    # The URL holds the state: back goes to the search alone, then to the whole directory.
    web.page.go_back()
    web.ready()
    assert web.total() == searched
    web.page.go_back()
    web.ready()
    assert web.total() == 88


def test_paging_reaches_the_end_and_comes_back(web: Browsing) -> None:
    web.ready()
    seen: list[str] = []
    pages = 0
    while True:
        slugs = web.page.locator("table.clusters tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.slug)"
        )
        seen += slugs
        pages += 1
        if web.page.locator("#page-next").is_disabled():
            break
        web.page.locator("#page-next").click()
        web.ready()
        assert pages < 10, "paging does not end"
    assert pages == 5
    assert len(seen) == len(set(seen)) == 88
    web.page.locator("#page-previous").click()
    web.ready()
    back = web.page.locator("table.clusters tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.slug)"
    )
    assert back == seen[60:80]


def test_sorting_by_a_column_reverses_it(web: Browsing) -> None:
    web.ready()
    first = web.page.locator("table.clusters tbody tr").first.get_attribute("data-slug")
    web.page.locator("button[data-sort=NAME]").click()  # already ascending: now descending
    web.ready()
    assert web.page.locator("th[aria-sort=descending] button[data-sort=NAME]").count() == 1
    assert web.page.locator("table.clusters tbody tr").first.get_attribute("data-slug") != first
    assert "dir=DESC" in web.page.url
    href = web.page.get_attribute("#csv-link", "href") or ""
    assert "orderBy=%5B%7B%22field%22%3A%22NAME%22%2C%22direction%22%3A%22DESC%22%7D%5D" in href


def test_the_portfolio_chart_and_timeline_show_the_api_numbers(
    web: Browsing, server: Server
) -> None:
    web.page.goto(f"{server.base}/#/portfolios?asOf=2014-01-01")
    web.ready()
    data = server.graphql(
        """{ portfolioStats(asOf: "2014-01-01") { portfolio { name } clusterCount
               byStatus { valid } }
             labelTimeline(interval: YEAR) { year awarded } }"""
    )
    bars = web.page.locator("#status-chart g.bar-row")
    assert bars.count() == len(data["portfolioStats"]) == 14
    totals = {
        bars.nth(i).get_attribute("data-label"): int(bars.nth(i).get_attribute("data-total") or 0)
        for i in range(bars.count())
    }
    assert totals == {s["portfolio"]["name"]: s["clusterCount"] for s in data["portfolioStats"]}
    assert sum(totals.values()) == 88
    assert web.page.locator("#status-chart rect.s-valid").count() == sum(
        1 for s in data["portfolioStats"] if s["byStatus"]["valid"]
    )
    periods = web.page.locator("#timeline-chart g.period")
    assert periods.count() == len(data["labelTimeline"]) > 0
    _screenshot(web.page, "portfolios", full_page=True)

    web.page.get_by_label("Portfolio", exact=True).select_option("ict")
    web.ready()
    assert "portfolio=ict" in web.page.url
    assert web.page.locator("#status-chart g.bar-row").count() == 1
    monthly = server.graphql(
        '{ labelTimeline(interval: MONTH, where: { portfolio: ["ict"] }) { month } }'
    )
    web.page.get_by_label("Timeline per", exact=True).select_option("MONTH")
    web.ready()
    assert periods.count() == len(monthly["labelTimeline"])


def test_the_cluster_view_shows_labels_results_and_benchmark(web: Browsing, server: Server) -> None:
    web.ready()
    link = web.page.locator("table.clusters tbody tr").first.locator("a")
    name = link.inner_text()
    link.click()
    web.ready()
    slug = web.page.url.rsplit("/", 1)[1]
    data = server.graphql(
        """query($slug: String!) { cluster(slug: $slug) { name labels { level }
             latestInterview { isSample results { indicator { area } } }
             benchmark { indicators { withheld } } } }""",
        slug=slug,
    )["cluster"]
    assert web.page.locator("h1#cluster-name").inner_text() == name == data["name"]
    assert web.page.locator("#label-history ol.labels li").count() == len(data["labels"])
    assert web.page.locator("#label-history svg rect").count() == len(data["labels"])
    areas = {r["indicator"]["area"] for r in data["latestInterview"]["results"]}
    assert web.page.locator("#interview section.area").count() == len(areas) == 6
    assert web.page.locator("#interview tbody tr").count() == len(
        data["latestInterview"]["results"]
    )
    assert web.page.locator("#interview [data-rating=GREEN] .light.green").count() > 0
    assert web.page.locator("#benchmark tbody tr").count() == len(data["benchmark"]["indicators"])
    if data["latestInterview"]["isSample"]:
        assert web.page.locator("#interview .sample").inner_text().startswith("Sample data")
    _screenshot(web.page, "cluster")
    web.page.go_back()
    web.ready()
    assert web.total() == 88


def test_an_unknown_cluster_and_an_api_error_are_shown(web: Browsing, server: Server) -> None:
    web.page.goto(f"{server.base}/#/clusters/no-such-cluster")
    web.ready()
    assert web.page.locator("h1").inner_text() == "Cluster not found"
    web.page.goto(f"{server.base}/#/?level=PLATINUM")
    web.ready()
    alert = web.page.get_by_role("alert")
    assert alert.locator(".code").inner_text() == "BAD_USER_INPUT"
    assert "PLATINUM" in alert.locator(".message").inner_text()


def test_withheld_peer_statistics_are_never_shown_as_numbers(web: Browsing, server: Server) -> None:
    # The only cluster of its portfolio: every peer statistic is below the minimum group size.
    slug = "atlanpole-biotherapies"
    data = server.graphql(
        "query($slug: String!) { cluster(slug: $slug) { benchmark { peerClusters"
        " indicators { withheld peerMedian } } } }",
        slug=slug,
    )["cluster"]["benchmark"]
    assert data["peerClusters"] == 1
    assert all(i["withheld"] and i["peerMedian"] is None for i in data["indicators"])
    web.page.goto(f"{server.base}/#/clusters/{slug}")
    web.ready()
    rows = web.page.locator("#benchmark tbody tr")
    assert rows.count() == len(data["indicators"]) > 0
    assert web.page.locator("#benchmark tr[data-withheld=BELOW_MIN_GROUP_SIZE]").count() == (
        rows.count()
    )
    assert web.page.locator("#benchmark svg.peer-range").count() == 0
    assert "Withheld" in rows.first.locator("td.withheld").inner_text()


def test_the_directory_fits_a_phone(chromium: Browser, server: Server) -> None:
    with _browse(chromium, server, {"width": 390, "height": 800}) as web:
        web.ready()
        width = web.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways"
        # The filters start folded: the list is within the first screen.
        assert web.page.locator("details.facet-panel").get_attribute("open") is None
        box = web.page.locator("table.clusters tbody tr").first.bounding_box()
        assert box is not None
        assert box["y"] < 800
        _screenshot(web.page, "directory-phone")
        web.page.keyboard.press("Tab")
        assert web.page.evaluate("document.activeElement.className") == "skip"
        web.page.keyboard.press("Enter")  # skips to the content, in the same view
        assert web.page.evaluate("document.activeElement.id") == "main"
        assert web.page.get_attribute("#main", "data-view") == "directory"


def test_outside_a_secure_context_the_query_text_is_sent(
    playwright: Playwright, server: Server
) -> None:
    # http:// on another name than localhost is not a secure context: no crypto.subtle, so
    # no hash; the page sends `?query=` instead. The name resolves to 127.0.0.1 in Chromium.
    port = urlsplit(server.base).port
    named = Server(f"http://directory.test:{port}")
    rules = "--host-resolver-rules=MAP directory.test 127.0.0.1"
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*FLAGS, rules]
    )
    try:
        with _browse(browser, named, {"width": 1100, "height": 800}) as web:
            web.ready()
            assert web.page.evaluate("window.isSecureContext") is False
            assert web.total() == 88
            sent = web.graphql_requests()
            assert sent
            assert all("query" in params and "extensions" not in params for params in sent)
    finally:
        browser.close()


def test_filters_and_pages_work_from_the_keyboard(web: Browsing, server: Server) -> None:
    web.ready()
    web.page.focus("#f-level-BRONZE")
    web.page.keyboard.press("Space")
    web.page.wait_for_url(lambda url: url.endswith("#/?level=BRONZE"))
    web.ready()
    assert web.total() == _count(server, where={"labelLevel": ["BRONZE"]})
    # The re-rendered checkbox keeps the focus, so the next key goes on from there.
    assert web.page.evaluate("document.activeElement.id") == "f-level-BRONZE"
    web.page.focus("#page-next")
    web.page.keyboard.press("Enter")
    web.ready()
    assert "after=" in web.page.url
    assert web.page.evaluate("document.activeElement.id") == "page-next"

"""The GraphQL contract through HTTP, against the embedded store seeded at start-up.

Expected counts are computed from the raw listing file by a route independent of the seed
parser (`tests.support.LISTING`): a regular expression anchored on the portfolio vocabulary
and the date.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from schema.rules.limits import MAX_ALIASES, MAX_DEPTH, MAX_PAGE_SIZE, MAX_TOKENS
from schema.rules.text import search_key
from tests.support import LISTING, Api, status_on

pytestmark = pytest.mark.anyio


def test_the_listing_parsed_here_has_every_row() -> None:
    assert len(LISTING) == 88
    assert len({row.portfolio for row in LISTING}) == 14


# -- counts ---------------------------------------------------------------------------------


async def test_cluster_counts_per_portfolio_match_the_listing(api: Api) -> None:
    data = await api.data("{ portfolios { slug name clusterCount clusters { totalCount } } }")
    expected = Counter(row.portfolio for row in LISTING)
    got = {p["name"]: p["clusterCount"] for p in data["portfolios"]}
    assert got == dict(expected)
    assert all(p["clusters"]["totalCount"] == p["clusterCount"] for p in data["portfolios"])
    for portfolio in data["portfolios"][:3]:
        filtered = await api.data(
            "query($s: [String!]) { clusters(where: {portfolio: $s}) { totalCount } }",
            s=[portfolio["slug"]],
        )
        assert filtered["clusters"]["totalCount"] == expected[portfolio["name"]]


@pytest.mark.parametrize(
    "as_of", [date(2014, 2, 20), date(2014, 12, 1), date(2015, 3, 1), date(2019, 1, 1)]
)
async def test_counts_per_label_status_match_the_listing(api: Api, as_of: date) -> None:
    expected = Counter(status_on(row.end, as_of) for row in LISTING)
    for status in ("VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED", "NOT_YET_LABELLED"):
        data = await api.data(
            "query($d: Date, $s: [LabelStatus!]) "
            "{ clusters(asOf: $d, where: {labelStatus: $s}) { totalCount } }",
            d=as_of.isoformat(),
            s=[status],
        )
        assert data["clusters"]["totalCount"] == expected[status], status


async def test_status_fields_agree_with_the_status_filter(api: Api) -> None:
    data = await api.data(
        '{ clusters(first: 100, asOf: "2014-02-20", where: {labelStatus: [RENEWABLE]}) '
        "{ nodes { label { status daysRemaining } } } }",
    )
    assert data["clusters"]["nodes"]
    assert {n["label"]["status"] for n in data["clusters"]["nodes"]} == {"RENEWABLE"}
    assert all(n["label"]["daysRemaining"] < 0 for n in data["clusters"]["nodes"])


# -- filters --------------------------------------------------------------------------------

COUNT = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"


def _n(portfolio: str) -> int:
    return sum(1 for row in LISTING if row.portfolio == portfolio)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param({}, 88, id="empty"),
        pytest.param({"portfolio": ["ict"]}, _n("ICT"), id="portfolio"),
        pytest.param({"portfolio": []}, 0, id="empty-list"),
        pytest.param({"labelLevel": ["BRONZE"]}, 88, id="bronze"),
        pytest.param({"labelLevel": ["SILVER", "GOLD"]}, 0, id="silver-gold"),
        pytest.param({"country": ["FR"]}, 88, id="country"),
        pytest.param({"country": ["DE"]}, 0, id="other-country"),
        pytest.param(
            {"validUntil": {"gte": "2015-01-01"}},
            sum(1 for row in LISTING if row.end >= date(2015, 1, 1)),
            id="valid-until-gte",
        ),
        pytest.param(
            {"validUntil": {"gte": "2014-02-01", "lte": "2014-02-28"}},
            sum(1 for row in LISTING if date(2014, 2, 1) <= row.end <= date(2014, 2, 28)),
            id="valid-until-range",
        ),
        pytest.param(
            {"or": [{"portfolio": ["ict"]}, {"portfolio": ["construction"]}]},
            _n("ICT") + _n("Construction"),
            id="or",
        ),
        pytest.param({"not": {"portfolio": ["ict"]}}, 88 - _n("ICT"), id="not"),
        pytest.param(
            {"and": [{"portfolio": ["ict"]}, {"validUntil": {"gte": "2015-01-01"}}]},
            sum(1 for row in LISTING if row.portfolio == "ICT" and row.end >= date(2015, 1, 1)),
            id="and",
        ),
        pytest.param(
            {
                "portfolio": ["food-industry", "ict"],
                "not": {"or": [{"validUntil": {"lte": "2014-02-20"}}, {"country": ["DE"]}]},
            },
            sum(
                1
                for row in LISTING
                if row.portfolio in ("Food industry", "ICT") and not row.end <= date(2014, 2, 20)
            ),
            id="nested",
        ),
    ],
)
async def test_filters(api: Api, where: dict[str, Any], expected: int) -> None:
    data = await api.data(COUNT, w=where)
    assert data["clusters"]["totalCount"] == expected


async def test_where_nested_too_deep_is_a_client_error(api: Api) -> None:
    where: dict[str, Any] = {"country": ["FR"]}
    for _ in range(6):
        where = {"not": where}
    error = (await api.errors(COUNT, w=where))[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_portfolio_clusters_combine_with_where(api: Api) -> None:
    data = await api.data(
        '{ portfolio(slug: "ict") { clusters(where: {validUntil: {gte: "2015-01-01"}}) '
        "{ totalCount nodes { portfolio { slug } } } } }",
    )
    clusters = data["portfolio"]["clusters"]
    assert clusters["totalCount"] == sum(
        1 for row in LISTING if row.portfolio == "ICT" and row.end >= date(2015, 1, 1)
    )
    assert {n["portfolio"]["slug"] for n in clusters["nodes"]} == {"ict"}


# -- search ---------------------------------------------------------------------------------

SEARCH = "query($s: String) { clusters(search: $s, first: 100) { totalCount nodes { name } } }"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("cereales", "Céréales Vallée", id="accents"),
        pytest.param("CÉRÉALES", "Céréales Vallée", id="case"),
        pytest.param("hippolia", "Flière Équine (HIPPOLIA)", id="acronym"),
        pytest.param("novlog", "Nov@log", id="compact"),
        pytest.param("nov log", "Nov@log", id="spaced"),
        pytest.param("Nov@log", "Nov@log", id="as-published"),
        pytest.param("emc2", "Pôle EMC²", id="superscript"),
        pytest.param("l'environnement", "Technologies de l’Environnement", id="apostrophe"),
    ],
)
async def test_search_folds_case_accents_and_punctuation(api: Api, text: str, name: str) -> None:
    data = await api.data(SEARCH, s=text)
    assert any(name in n["name"] for n in data["clusters"]["nodes"]), data


async def test_search_pole_finds_every_pole(api: Api) -> None:
    data = await api.data(SEARCH, s="pole")
    names = {n["name"] for n in data["clusters"]["nodes"]}
    poles = {row.name for row in LISTING if row.name.startswith("Pôle ")}
    assert len(poles) > 20
    assert poles <= names


@pytest.mark.parametrize("text", ["", "   "])
async def test_empty_search_is_no_filter(api: Api, text: str) -> None:
    assert (await api.data(SEARCH, s=text))["clusters"]["totalCount"] == 88


@pytest.mark.parametrize("text", ["!!", ".*", "(", "@", "\\"])
async def test_punctuation_only_search_matches_nothing(api: Api, text: str) -> None:
    assert (await api.data(SEARCH, s=text))["clusters"]["totalCount"] == 0


async def test_search_treats_regex_characters_as_text(api: Api) -> None:
    assert (await api.data(SEARCH, s="p.le"))["clusters"]["totalCount"] == 0


async def test_search_longer_than_the_cap_is_a_client_error(api: Api) -> None:
    assert (await api.data(SEARCH, s="a" * 100))["clusters"]["totalCount"] == 0
    error = (await api.errors(SEARCH, s="a" * 101))[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in error["message"]


# -- pagination -----------------------------------------------------------------------------

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $order: [ClusterOrder!]) {
  clusters(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    edges { cursor node { slug } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _all_slugs(api: Api, order: list[dict[str, str]]) -> list[str]:
    data = await api.data(PAGE, first=100, order=order)
    return [e["node"]["slug"] for e in data["clusters"]["edges"]]


@pytest.mark.parametrize(
    "order",
    [
        pytest.param([], id="default"),
        pytest.param([{"field": "VALID_UNTIL", "direction": "DESC"}], id="valid-until-desc"),
        pytest.param([{"field": "PORTFOLIO"}, {"field": "NAME", "direction": "DESC"}], id="two"),
    ],
)
async def test_paging_forwards_and_backwards_covers_everything_once(
    api: Api, order: list[dict[str, str]]
) -> None:
    everything = await _all_slugs(api, order)
    assert len(everything) == 88
    assert len(set(everything)) == 88

    forward: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await api.data(PAGE, first=7, after=after, order=order))["clusters"]
        forward += [e["node"]["slug"] for e in data["edges"]]
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert forward == everything
    assert pages == 13

    backward: list[str] = []
    before = None
    while True:
        data = (await api.data(PAGE, last=7, before=before, order=order))["clusters"]
        backward = [e["node"]["slug"] for e in data["edges"]] + backward
        assert data["pageInfo"]["hasNextPage"] is (before is not None)
        if not data["pageInfo"]["hasPreviousPage"]:
            break
        before = data["pageInfo"]["startCursor"]
    assert backward == everything


ACCEPTED = "use one key, or PORTFOLIO then NAME, or PORTFOLIO then VALID_UNTIL"


@pytest.mark.parametrize(
    ("order", "search"),
    [
        pytest.param([{"field": "NAME"}, {"field": "COUNTRY"}], None, id="pair"),
        pytest.param([{"field": "NAME"}, {"field": "PORTFOLIO"}], None, id="pair-reversed"),
        pytest.param(
            [{"field": "PORTFOLIO"}, {"field": "NAME"}, {"field": "VALID_UNTIL"}],
            None,
            id="more-keys",
        ),
        pytest.param(
            [{"field": "NAME"}, {"field": "NAME", "direction": "DESC"}], None, id="key-twice"
        ),
        pytest.param([{"field": "RELEVANCE"}, {"field": "NAME"}], "pole", id="relevance-then"),
        pytest.param([{"field": "COUNTRY"}, {"field": "RELEVANCE"}], "pole", id="then-relevance"),
    ],
)
@pytest.mark.parametrize("scope", ["root", "portfolio"])
async def test_an_order_no_index_serves_is_refused_before_any_read(
    api: Api, order: list[dict[str, str]], search: str | None, scope: str
) -> None:
    clusters = "clusters(first: 5, search: $s, orderBy: $o) { totalCount nodes { slug } }"
    if scope == "portfolio":
        clusters = f'portfolio(slug: "ict") {{ {clusters} }}'
    query = f"query ($o: [ClusterOrder!], $s: String) {{ {clusters} }}"
    api.calls.clear()
    [error] = await api.errors(query, o=order, s=search)
    keys = ", ".join(o["field"] for o in order)
    assert error["message"] == f"orderBy [{keys}] is not supported: {ACCEPTED}"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # Nothing read but the portfolio `Portfolio.clusters` hangs from.
    assert sum(api.calls.values()) == (0 if scope == "root" else api.calls["portfolios.find"])
    assert not [call for call in api.calls if call.startswith("clusters.")]


@pytest.mark.parametrize("second", ["NAME", "VALID_UNTIL"])
@pytest.mark.parametrize(
    "directions", [("ASC", "ASC"), ("ASC", "DESC"), ("DESC", "ASC"), ("DESC", "DESC")]
)
async def test_an_accepted_pair_sorts_each_key_its_own_way(
    api: Api, second: str, directions: tuple[str, str]
) -> None:
    order = [
        {"field": "PORTFOLIO", "direction": directions[0]},
        {"field": second, "direction": directions[1]},
    ]
    data = await api.data(
        "query ($o: [ClusterOrder!]) { clusters(first: 100, orderBy: $o) "
        "{ nodes { name portfolio { name } label { validUntil } } } }",
        o=order,
    )
    nodes = data["clusters"]["nodes"]
    assert len(nodes) == 88
    portfolios = [n["portfolio"]["name"] for n in nodes]
    runs = [name for i, name in enumerate(portfolios) if i == 0 or portfolios[i - 1] != name]
    assert len(runs) == len(set(runs)) == 14  # each portfolio in one run
    assert runs == sorted(runs, key=str.casefold, reverse=directions[0] == "DESC")
    for portfolio in runs:
        values = [
            search_key(n["name"]) if second == "NAME" else n["label"]["validUntil"]
            for n in nodes
            if n["portfolio"]["name"] == portfolio
        ]
        assert values == sorted(values, reverse=directions[1] == "DESC")


async def test_search_orders_names_starting_with_the_text_first(api: Api) -> None:
    query = """query ($after: String, $n: Int) {
      clusters(search: "pole", first: $n, after: $after) {
        nodes { name } pageInfo { hasNextPage endCursor }
      }
    }"""
    everything = [n["name"] for n in (await api.data(query, n=100))["clusters"]["nodes"]]
    starts = [n for n in everything if search_key(n).startswith("pole")]
    assert 0 < len(starts) < len(everything)
    assert everything[: len(starts)] == sorted(starts, key=search_key)
    assert everything[len(starts) :] == sorted(everything[len(starts) :], key=search_key)
    walked: list[str] = []
    after = None
    while True:
        data = (await api.data(query, n=4, after=after))["clusters"]
        walked += [n["name"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert walked == everything


@pytest.mark.parametrize("field", ["AWARDED_ON", "COUNTRY", "LABEL_LEVEL"])
async def test_new_orders_are_accepted(api: Api, field: str) -> None:
    data = await api.data(
        "query ($o: [ClusterOrder!]) { clusters(first: 100, orderBy: $o) "
        "{ nodes { label { awardedOn } } } }",
        o=[{"field": field, "direction": "DESC"}],
    )
    awarded = [n["label"]["awardedOn"] for n in data["clusters"]["nodes"]]
    assert len(awarded) == 88
    if field == "AWARDED_ON":
        assert awarded == sorted(awarded, reverse=True)


async def test_name_order_ignores_case_and_accents(api: Api) -> None:
    data = await api.data("{ clusters(first: 100) { nodes { name } } }")
    names = [n["name"] for n in data["clusters"]["nodes"]]
    assert names.index("Céréales Vallée") < names.index("Cluster Edit")
    assert names.index("iconoval - Pôle image Alsace") < names.index("ID2Santé")


async def test_default_page_is_20_and_cursors_are_opaque(api: Api) -> None:
    data = (await api.data(PAGE))["clusters"]
    assert len(data["edges"]) == 20
    assert data["pageInfo"]["hasNextPage"] is True
    assert data["pageInfo"]["hasPreviousPage"] is False


async def test_empty_pages(api: Api) -> None:
    zero = (await api.data(PAGE, first=0))["clusters"]
    assert zero["edges"] == []
    assert zero["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
    last = (await api.data(PAGE, last=1))["clusters"]
    end = (await api.data(PAGE, first=5, after=last["pageInfo"]["endCursor"]))["clusters"]
    assert end["edges"] == []
    assert end["pageInfo"]["hasNextPage"] is False
    assert end["pageInfo"]["hasPreviousPage"] is True
    nothing = await api.data(
        '{ clusters(search: "zzzzzz") { totalCount edges { cursor } pageInfo { hasNextPage } } }',
    )
    assert nothing["clusters"] == {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False}}


async def test_pages_are_stable_when_a_cluster_is_inserted_before_them(
    api: Api,
) -> None:
    first = (await api.data(PAGE, first=5))["clusters"]
    after = first["pageInfo"]["endCursor"]
    expected = [
        e["node"]["slug"] for e in (await api.data(PAGE, first=5, after=after))["clusters"]["edges"]
    ]
    app_db = api.app.state.connection.db
    doc = await app_db["clusters"].find_one({"_id": "advancity"})
    assert doc is not None
    doc.update(
        _id="aaa-inserted", name="AAA inserted", nameKey="aaa inserted", compactKey="aaainserted"
    )
    await app_db["clusters"].insert_one(doc)
    try:
        again = (await api.data(PAGE, first=5, after=after))["clusters"]
        assert [e["node"]["slug"] for e in again["edges"]] == expected
    finally:
        await app_db["clusters"].delete_one({"_id": "aaa-inserted"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


async def test_invalid_cursors_are_client_errors(api: Api) -> None:
    by_date = [{"field": "VALID_UNTIL"}]
    other_order = (await api.data(PAGE, first=1, order=by_date))["clusters"]["pageInfo"]
    real = (await api.data(PAGE, first=1))["clusters"]["pageInfo"]["endCursor"]
    payload = json.loads(base64.urlsafe_b64decode(real))
    tampered_types = dict(payload, k=[{"$gt": ""}, "x"])
    tampered_length = dict(payload, k=["a"])
    for cursor in (
        "not a cursor",
        "",
        _b64(b"not json"),
        _b64(b"[1, 2]"),
        _b64(json.dumps(tampered_types).encode()),
        _b64(json.dumps(tampered_length).encode()),
        other_order["endCursor"],
        "x" * 5000,
    ):
        for argument in ("after", "before"):
            error = (await api.errors(PAGE, first=None, **{argument: cursor}))[0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", cursor
            assert "cursor" in error["message"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"first": MAX_PAGE_SIZE + 1}, "first must be between 0 and 100", id="first"),
        pytest.param({"last": MAX_PAGE_SIZE + 1}, "last must be between 0 and 100", id="last"),
        pytest.param({"first": -1}, "first must be between", id="negative"),
        pytest.param({"first": 1, "last": 1}, "first and last", id="both"),
        pytest.param({"order": [{"field": "NAME"}, {"field": "NAME"}]}, "NAME", id="order-twice"),
    ],
)
async def test_page_arguments_out_of_range_are_client_errors(
    api: Api, arguments: dict[str, Any], message: str
) -> None:
    error = (await api.errors(PAGE, **arguments))[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


async def test_page_size_at_the_cap_is_accepted(api: Api) -> None:
    assert len((await api.data(PAGE, first=MAX_PAGE_SIZE))["clusters"]["edges"]) == 88
    assert len((await api.data(PAGE, last=MAX_PAGE_SIZE))["clusters"]["edges"]) == 88


# -- label status on dates ------------------------------------------------------------------

ADVANCITY_END = date(2014, 3, 7)  # "ADVANCITY Energy and environment 2014/03/07"


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param(ADVANCITY_END, "EXPIRING_SOON", id="last-day"),
        pytest.param(ADVANCITY_END - timedelta(days=90), "EXPIRING_SOON", id="90-days-before"),
        pytest.param(ADVANCITY_END - timedelta(days=91), "VALID", id="91-days-before"),
        pytest.param(ADVANCITY_END + timedelta(days=1), "RENEWABLE", id="day-after"),
        pytest.param(date(2015, 3, 6), "RENEWABLE", id="year-minus-a-day-after"),
        pytest.param(date(2015, 3, 7), "EXPIRED", id="year-after"),
    ],
)
async def test_status_boundaries(api: Api, as_of: date, status: str) -> None:
    data = await api.data(
        """query($d: Date, $s: [LabelStatus!]) {
          cluster(slug: "advancity") { label { validUntil status(asOf: $d) } }
          clusters(asOf: $d, search: "advancity", where: {labelStatus: $s}) {
            nodes { label { status daysRemaining } labels { status } }
          }
        }""",
        d=as_of.isoformat(),
        s=[status],
    )
    assert data["cluster"]["label"] == {"validUntil": "2014-03-07", "status": status}
    # The enclosing query's asOf is the default of every status below it.
    assert data["clusters"]["nodes"] == [
        {
            "label": {"status": status, "daysRemaining": (ADVANCITY_END - as_of).days},
            "labels": [{"status": status}],
        }
    ]


async def test_status_defaults_to_today(api: Api) -> None:
    data = await api.data('{ cluster(slug: "advancity") { label { status daysRemaining } } }')
    assert data["cluster"]["label"]["status"] == "EXPIRED"
    assert data["cluster"]["label"]["daysRemaining"] < -3000


async def test_invalid_date_is_refused_by_typing(api: Api) -> None:
    error = (
        await api.errors("query($d: Date) { clusters(asOf: $d) { totalCount } }", d="2014-02-30")
    )[0]
    assert "Date" in error["message"]


# -- objects, nodes, nesting ----------------------------------------------------------------


async def test_cluster_fields(api: Api) -> None:
    data = await api.data(
        """{ cluster(slug: "pole-images-et-reseaux") {
            slug name country website warnings portfolio { slug name }
            label { level validUntil awardedOn awardedOnInferred }
            labels { level } interviews { isSample } latestInterview { isSample conductedOn }
        } }""",
    )
    cluster = data["cluster"]
    assert cluster["name"] == "Pôle Images et Réseaux"
    assert cluster["country"] == "FR"
    assert cluster["website"] == "http://www.images-et-ré"
    assert cluster["warnings"]
    assert cluster["portfolio"] == {"slug": "ict", "name": "ICT"}
    assert cluster["label"] == {
        "level": "BRONZE",
        "validUntil": "2014-03-01",
        "awardedOn": "2012-03-01",
        "awardedOnInferred": True,
    }
    assert cluster["labels"] == [{"level": "BRONZE"}]
    assert cluster["interviews"] == [{"isSample": True}]
    assert cluster["latestInterview"]["isSample"] is True


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('{ cluster(slug: "no-such-cluster") { id } }', id="slug"),
        pytest.param('{ cluster(id: "bm90IGFuIGlk") { id } }', id="garbage-id"),
        pytest.param('{ cluster(id: "UG9ydGZvbGlvOmljdA==") { id } }', id="portfolio-id"),
        pytest.param('{ portfolio(slug: "no-such") { id } }', id="portfolio"),
        pytest.param('{ node(id: "not base64!") { id } }', id="node-garbage"),
        pytest.param('{ node(id: "Q2x1c3Rlcjpub3BlCg==") { id } }', id="node-unknown"),
    ],
)
async def test_unknown_slugs_and_ids_are_null(api: Api, query: str) -> None:
    data = await api.data(query)
    assert list(data.values()) == [None]


async def test_cluster_needs_exactly_one_of_id_and_slug(api: Api) -> None:
    error = (await api.errors("{ cluster { id } }"))[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_node_round_trips_for_every_node_type(api: Api) -> None:
    data = await api.data(
        """{ cluster(slug: "nov-log") {
            id portfolio { id } label { id }
            latestInterview { id results(codes: ["participants"]) { indicator { id } } }
        } }""",
    )
    cluster = data["cluster"]
    ids = {
        "Cluster": cluster["id"],
        "Portfolio": cluster["portfolio"]["id"],
        "Label": cluster["label"]["id"],
        "Interview": cluster["latestInterview"]["id"],
        "Indicator": cluster["latestInterview"]["results"][0]["indicator"]["id"],
    }
    for type_name, node_id in ids.items():
        node = (await api.data("query($id: ID!) { node(id: $id) { __typename id } }", id=node_id))[
            "node"
        ]
        assert node == {"__typename": type_name, "id": node_id}
    nodes = (
        await api.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            ids=[*ids.values(), "bm9wZQ=="],
        )
    )["nodes"]
    assert [n["id"] for n in nodes[:-1]] == list(ids.values())
    assert nodes[-1] is None
    label = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Label { cluster { slug } validUntil } } }",
        id=ids["Label"],
    )
    assert label["node"] == {"cluster": {"slug": "nov-log"}, "validUntil": "2014-03-20"}
    by_id = await api.data("query($id: ID) { cluster(id: $id) { slug } }", id=ids["Cluster"])
    assert by_id["cluster"] == {"slug": "nov-log"}


async def test_nodes_is_capped(api: Api) -> None:
    error = (await api.errors("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=["x"] * 101))[
        0
    ]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_interview_results_by_area_and_codes(api: Api) -> None:
    data = await api.data(
        """{ cluster(slug: "nov-log") { latestInterview {
            all: results { code }
            structure: results(area: "STRUCTURE") { code indicator { area unit } }
            some: results(codes: ["legal_form", "participants"]) {
              code value text flag items rating indicator { unit }
            }
            none: results(area: "NOPE") { code }
            cluster { slug } catalogueVersion isSample recommendations conductedOnInferred
        } } }""",
    )
    interview = data["cluster"]["latestInterview"]
    assert len(interview["all"]) == 36
    assert len(interview["structure"]) == 9
    assert {r["indicator"]["area"] for r in interview["structure"]} == {"STRUCTURE"}
    assert [r["code"] for r in interview["some"]] == ["legal_form", "participants"]
    legal_form, participants = interview["some"]
    assert legal_form["text"] is not None
    assert legal_form["value"] is None
    assert participants["value"] is not None
    assert participants["text"] is None
    assert interview["none"] == []
    assert interview["cluster"] == {"slug": "nov-log"}
    assert interview["isSample"] is True
    assert interview["catalogueVersion"] == "bronze-36-2010"


async def test_catalogue(api: Api) -> None:
    data = await api.data(
        """{ indicatorAreas { code number name indicators { code } }
             indicators {
               number code name description area unit higherIsBetter evidence catalogueVersion
             }
             structure: indicators(area: "STRUCTURE") { code }
             unknown: indicators(area: "NOPE") { code } }""",
    )
    assert [a["code"] for a in data["indicatorAreas"]] == [
        "STRUCTURE",
        "MANAGEMENT",
        "FINANCING",
        "SERVICES",
        "CONTACTS",
        "ACHIEVEMENTS",
    ]
    assert sum(len(a["indicators"]) for a in data["indicatorAreas"]) == 36
    assert [i["number"] for i in data["indicators"]] == list(range(1, 37))
    assert len(data["structure"]) == 9
    assert data["unknown"] == []


# -- limits ---------------------------------------------------------------------------------


async def test_depth_limit(api: Api) -> None:
    def chain(depth: int) -> str:
        # cluster(0) > label(1) > cluster(2) > ... > leaf(depth)
        fields = ["label" if i % 2 else "cluster" for i in range(1, depth)]
        leaf = "level" if (depth - 1) % 2 else "slug"
        body = leaf
        for name in reversed(fields):
            body = f"{name} {{ {body} }}"
        return f'{{ cluster(slug: "nov-log") {{ {body} }} }}'

    assert "errors" not in await api.post(chain(MAX_DEPTH))
    error = (await api.errors(chain(MAX_DEPTH + 1)))[0]
    assert "exceeds maximum operation depth" in error["message"]


async def test_alias_limit(api: Api) -> None:
    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: portfolios {{ slug }}" for i in range(n)) + " }"

    assert "errors" not in await api.post(aliased(MAX_ALIASES))
    error = (await api.errors(aliased(MAX_ALIASES + 1)))[0]
    assert "aliases" in error["message"]


async def test_token_limit(api: Api) -> None:
    def tokens(n: int) -> str:
        # 16 tokens around the `or` list, 6 around each clause's list, one per string; lists
        # of at most 100 items (MAX_INPUT_LIST_LENGTH), so that only the tokens are too many.
        clauses, left = [], n - 16
        while left > 0:
            strings = min(100, left - 6)
            clauses.append("{country: [" + '"FR" ' * strings + "]}")
            left -= strings + 6
        return "{ clusters(where: {or: [" + " ".join(clauses) + "]}) { totalCount } }"

    assert "errors" not in await api.post(tokens(MAX_TOKENS))
    error = (await api.errors(tokens(MAX_TOKENS + 1)))[0]
    assert "tokens" in error["message"]


# -- round trips ----------------------------------------------------------------------------


async def test_round_trips_do_not_grow_with_page_size(api: Api) -> None:
    query = """query($n: Int) { clusters(first: $n) {
        totalCount pageInfo { hasNextPage hasPreviousPage }
        edges { cursor node {
          name portfolio { name clusterCount } label { status } labels { status validUntil }
          latestInterview { isSample results { code value rating indicator { name unit } } }
        } }
    } }"""
    trips: dict[int, Counter[str]] = {}
    for size in (10, 30):  # 30 with results, indicators and labels: within the cost limit
        api.calls.clear()
        data = await api.data(query, n=size)
        assert len(data["clusters"]["edges"]) == min(size, 88)
        trips[size] = Counter(api.calls)
    print(
        "round trips per request:", {size: sum(c.values()) for size, c in trips.items()}, trips[30]
    )
    assert trips[10] == trips[30]
    assert sum(trips[30].values()) <= 8

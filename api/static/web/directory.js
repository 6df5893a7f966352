// The directory: search, facet filters with counts, sortable columns, keyset pages, CSV.
// One request per state: the page, its total count and the facets (ClusterConnection.facets);
// a server without facets gets the same query without them, and the filters show no counts.
import { ApiError, queryOptional } from "./api.js";
import { LEVELS, STATUSES, add, badge, errorBox, fill, h, showLoading, today, words } from "./dom.js";

const PAGE_SIZE = 20;
let facetsOpen = null;
const FILTERS = ["portfolio", "level", "status", "country"];
// Column keys of ClusterOrderField. No `sort` in the URL is the API's default order: by
// name, or with a search, names starting with it first (RELEVANCE).
const SORTABLE = {
  NAME: "Name",
  PORTFOLIO: "Portfolio",
  COUNTRY: "Country",
  LABEL_LEVEL: "Level",
  VALID_UNTIL: "Label valid until",
};

// Two literal queries (the same but for the facets), so that tests can read them from here.
export const DIRECTORY_QUERY = `query Directory($first: Int, $last: Int, $after: String, $before: String,
  $search: String, $where: ClusterWhere, $orderBy: [ClusterOrder!], $asOf: Date) {
  clusters(first: $first, last: $last, after: $after, before: $before, search: $search,
    where: $where, orderBy: $orderBy, asOf: $asOf) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { slug name country portfolio { slug name } label { level validUntil status } }
    facets {
      portfolio { portfolio { slug name } count }
      labelLevel { level count }
      labelStatus { status count }
      country { country count }
    }
  }
  portfolios { slug name }
}`;

// For a server without `facets`: the filters' values, without counts.
export const DIRECTORY_QUERY_WITHOUT_FACETS = `query DirectoryWithoutFacets($first: Int, $last: Int,
  $after: String, $before: String, $search: String, $where: ClusterWhere,
  $orderBy: [ClusterOrder!], $asOf: Date) {
  clusters(first: $first, last: $last, after: $after, before: $before, search: $search,
    where: $where, orderBy: $orderBy, asOf: $asOf) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { slug name country portfolio { slug name } label { level validUntil status } }
  }
  portfolios { slug name }
  countries: clustersAggregate(groupBy: [COUNTRY]) { country count }
}`;

/** The view's state from the URL's parameters. */
export function readState(params) {
  const list = (name) => (params.get(name) ? params.get(name).split(",").filter(Boolean) : []);
  const sort = params.get("sort");
  return {
    q: params.get("q") ?? "",
    portfolio: list("portfolio"),
    level: list("level"),
    status: list("status"),
    country: list("country"),
    asOf: params.get("asOf") ?? "",
    sort: sort in SORTABLE ? sort : "",
    dir: params.get("dir") === "DESC" ? "DESC" : "ASC",
    after: params.get("after") ?? "",
    before: params.get("before") ?? "",
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const name of FILTERS) if (state[name].length) params.set(name, state[name].join(","));
  if (state.asOf) params.set("asOf", state.asOf);
  if (state.sort) params.set("sort", state.sort);
  if (state.dir !== "ASC") params.set("dir", state.dir);
  if (state.after) params.set("after", state.after);
  if (state.before) params.set("before", state.before);
  return params;
}

/** The API's arguments for `state`, shared by the query and the CSV link. */
export function apiArguments(state) {
  const where = {};
  if (state.portfolio.length) where.portfolio = state.portfolio;
  if (state.level.length) where.labelLevel = state.level;
  if (state.status.length) where.labelStatus = state.status;
  if (state.country.length) where.country = state.country;
  return {
    search: state.q.trim() || null,
    where: Object.keys(where).length ? where : null,
    orderBy: state.sort ? [{ field: state.sort, direction: state.dir }] : null,
    asOf: state.asOf || null,
  };
}

function variables(state) {
  const paging = state.before
    ? { first: null, last: PAGE_SIZE, after: null, before: state.before }
    : { first: PAGE_SIZE, last: null, after: state.after || null, before: null };
  return { ...paging, ...apiArguments(state) };
}

function csvLink(state) {
  const args = apiArguments(state);
  const params = new URLSearchParams();
  if (args.search) params.set("search", args.search);
  if (args.where) params.set("where", JSON.stringify(args.where));
  if (args.orderBy) params.set("orderBy", JSON.stringify(args.orderBy));
  if (args.asOf) params.set("asOf", args.asOf);
  const query = params.toString();
  return `/export/clusters.csv${query ? `?${query}` : ""}`;
}

/** Renders the directory for `params` into `container`; `go(params, {replace})` navigates. */
export async function renderDirectory(container, params, go, isCurrent) {
  const state = readState(params);
  const navigate = (changes, options = {}) => {
    const next = { ...state, after: "", before: "", ...changes };
    go(writeState(next), options);
  };

  const results = h("section", { class: "results", "aria-labelledby": "results-heading" });
  const filters = h("form", { class: "filters", "aria-label": "Filters", role: "search", onsubmit: (e) => e.preventDefault() });
  fill(container,
    h("h1", {}, "Labelled clusters"),
    h("div", { class: "directory" }, filters, results),
  );
  renderSearch(filters, state, navigate);
  showLoading(results, "clusters");

  let answer;
  try {
    answer = await queryOptional("facets", DIRECTORY_QUERY, DIRECTORY_QUERY_WITHOUT_FACETS, variables(state));
  } catch (error) {
    if (!isCurrent()) return;
    results.removeAttribute("aria-busy");
    fill(results, h("h2", { id: "results-heading" }, "Clusters"), errorBox(error instanceof ApiError ? error : new ApiError("ERROR", String(error))));
    return;
  }
  if (!isCurrent()) return;
  results.removeAttribute("aria-busy");
  renderFacets(filters, state, answer, navigate);
  renderResults(results, state, answer.data.clusters, navigate);
}

function renderSearch(form, state, navigate) {
  let timer;
  const search = h("input", {
    id: "search",
    type: "search",
    name: "q",
    value: state.q,
    maxlength: 100,
    autocomplete: "off",
    placeholder: "Name or acronym",
    "aria-describedby": "search-hint",
    oninput: (event) => {
      clearTimeout(timer);
      // A new search is a history entry; refining it replaces that entry.
      const q = event.target.value;
      timer = setTimeout(() => navigate({ q }, { replace: Boolean(state.q), keepFocus: "search" }), 300);
    },
  });
  const asOf = h("input", {
    id: "as-of",
    type: "date",
    name: "asOf",
    value: state.asOf,
    min: "1900-01-01",
    max: "2200-12-31",
    "aria-describedby": "as-of-hint",
    onchange: (event) => navigate({ asOf: event.target.value }, { keepFocus: "as-of" }),
  });
  fill(form,
    h("div", { class: "field" }, h("label", { for: "search" }, "Search"), search,
      h("p", { id: "search-hint", class: "hint" }, "Accents, case and punctuation are ignored.")),
    h("div", { class: "field" }, h("label", { for: "as-of" }, "Directory as of"), asOf,
      h("p", { id: "as-of-hint", class: "hint" }, `Each cluster's label in force ${state.asOf ? `on ${state.asOf}` : `today (${today()})`}, and its status.`)),
    h("div", { class: "facets", "data-facets": "" }),
  );
}

function facetGroups(state, answer) {
  const { data, degraded } = answer;
  const facets = data.clusters.facets;
  const counts = (list, key) => new Map((list ?? []).map((f) => [key(f), f.count]));
  const portfolioCounts = counts(facets?.portfolio, (f) => f.portfolio.slug);
  const levelCounts = counts(facets?.labelLevel, (f) => f.level);
  const statusCounts = counts(facets?.labelStatus, (f) => f.status);
  const countryCounts = counts(facets?.country, (f) => f.country);
  const countryValues = degraded ? data.countries.map((c) => c.country) : [...countryCounts.keys()];
  const statusValues = STATUSES.filter((v) => v !== "NOT_YET_LABELLED" || statusCounts.has(v) || state.status.includes(v));
  const withSelected = (values, selected) => [...values, ...selected.filter((v) => !values.includes(v))];
  return [
    { name: "portfolio", legend: "Portfolio", options: data.portfolios.map((p) => [p.slug, p.name]), counts: portfolioCounts },
    { name: "level", legend: "Label level", options: LEVELS.map((v) => [v, words(v)]), counts: levelCounts },
    { name: "status", legend: "Label status", options: statusValues.map((v) => [v, words(v)]), counts: statusCounts },
    { name: "country", legend: "Country", options: withSelected(countryValues, state.country).map((v) => [v, v]), counts: countryCounts },
  ].map((group) => ({ ...group, degraded }));
}

function renderFacets(form, state, answer, navigate) {
  const holder = form.querySelector("[data-facets]");
  const groups = facetGroups(state, answer);
  const chosen = FILTERS.reduce((n, f) => n + state[f].length, 0);
  // On a phone the filters start folded, so that the list is in view; the choice then stays.
  facetsOpen ??= !matchMedia("(max-width: 48rem)").matches;
  const panel = h("details", { class: "facet-panel", open: facetsOpen, ontoggle: (e) => (facetsOpen = e.target.open) },
    h("summary", {}, "Filters", chosen ? ` (${chosen} chosen)` : ""));
  fill(holder, add(panel,
    answer.degraded ? h("p", { class: "hint" }, "This server gives no facet counts; the filters still apply.") : null,
    groups.map((group) =>
      h(
        "fieldset",
        { class: "facet", "data-facet": group.name },
        h("legend", {}, group.legend),
        group.options.map(([value, label]) => {
          const id = `f-${group.name}-${value}`;
          const count = group.counts.get(value) ?? 0;
          const checked = state[group.name].includes(value);
          return h(
            "div",
            { class: `option${!group.degraded && !count && !checked ? " empty" : ""}` },
            h("input", {
              type: "checkbox",
              id,
              name: group.name,
              value,
              checked,
              onchange: (event) => {
                const selected = new Set(state[group.name]);
                if (event.target.checked) selected.add(value);
                else selected.delete(value);
                navigate({ [group.name]: [...selected] }, { keepFocus: id });
              },
            }),
            h("label", { for: id }, label, group.degraded ? null : h("span", { class: "count", "data-count": count }, ` ${count}`)),
          );
        }),
      ),
    ),
    state.q || FILTERS.some((f) => state[f].length) || state.asOf
      ? h("button", { type: "button", class: "link-button", onclick: () => navigate({ q: "", portfolio: [], level: [], status: [], country: [], asOf: "" }) }, "Clear search and filters")
      : null,
  ));
}

function renderResults(section, state, connection, navigate) {
  const { totalCount, pageInfo, nodes } = connection;
  const hasNext = pageInfo.hasNextPage || Boolean(state.before);
  const hasPrevious = pageInfo.hasPreviousPage || Boolean(state.after);
  const header = (field, label) => {
    if (!(field in SORTABLE)) return h("th", { scope: "col" }, label);
    // Without a chosen order, the API's default: by name unless there is a search.
    const active = state.sort === field || (!state.sort && !state.q.trim() && field === "NAME");
    const sort = active ? (state.dir === "ASC" ? "ascending" : "descending") : "none";
    const nextDir = active && state.dir === "ASC" ? "DESC" : "ASC";
    return h(
      "th",
      { scope: "col", "aria-sort": sort },
      h("button", {
        type: "button",
        class: "sort",
        "data-sort": field,
        id: `sort-${field}`,
        onclick: () => navigate({ sort: field, dir: nextDir }, { keepFocus: `sort-${field}` }),
      }, label, h("span", { class: "sort-mark", "aria-hidden": "true" }, active ? (state.dir === "ASC" ? " ▲" : " ▼") : " ↕")),
    );
  };
  const rows = nodes.map((c) =>
    h(
      "tr",
      { "data-slug": c.slug },
      h("th", { scope: "row" }, h("a", { href: `#/clusters/${encodeURIComponent(c.slug)}` }, c.name)),
      h("td", {}, c.portfolio.name),
      h("td", {}, c.country),
      h("td", {}, c.label ? badge("level", c.label.level) : "—"),
      h("td", {}, c.label ? h("time", { datetime: c.label.validUntil }, c.label.validUntil) : "—"),
      h("td", {}, c.label ? badge("status", c.label.status) : badge("status", "NOT_YET_LABELLED")),
    ),
  );
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", id: "page-previous", disabled: !hasPrevious, onclick: () => navigate({ before: pageInfo.startCursor }, { keepFocus: "page-previous" }) }, "← Previous"),
    h("button", { type: "button", id: "page-next", disabled: !hasNext, onclick: () => navigate({ after: pageInfo.endCursor }, { keepFocus: "page-next" }) }, "Next →"),
  );
  fill(section,
    // Announced once per update, rather than the whole table.
    h("p", { class: "visually-hidden", role: "status" }, `${totalCount} ${totalCount === 1 ? "cluster" : "clusters"} found`),
    h("div", { class: "results-head" },
      h("h2", { id: "results-heading" }, h("span", { id: "total-count", "data-total": totalCount }, String(totalCount)), totalCount === 1 ? " cluster" : " clusters"),
      !state.sort && state.q.trim() ? h("p", { class: "as-of", id: "order-note" }, "Names starting with the search come first.") : null,
      h("p", { class: "as-of" }, "As of ", h("time", { datetime: state.asOf || today() }, state.asOf || `today, ${today()}`)),
      h("a", { class: "csv", id: "csv-link", href: csvLink(state), download: "clusters.csv" }, "Download this view as CSV"),
    ),
    nodes.length
      ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "results-heading" },
          h("table", { class: "clusters" },
            h("caption", { class: "visually-hidden" }, "Clusters, sortable by name, portfolio, country, level and end of validity"),
            h("thead", {}, h("tr", {}, header("NAME", "Name"), header("PORTFOLIO", "Portfolio"), header("COUNTRY", "Country"), header("LABEL_LEVEL", "Level"), header("VALID_UNTIL", "Label valid until"), header("STATUS", "Status"))),
            h("tbody", {}, rows)))
      : h("p", { class: "state empty" }, "No cluster matches this search and these filters."),
    hasNext || hasPrevious ? pager : null,
  );
}

// The portfolios: clusters per portfolio by label status (portfolioStats) and the label
// timeline (labelTimeline) per year or month, for every portfolio or one. One request.
import { ApiError, query } from "./api.js";
import { errorBox, fill, h, showLoading, today } from "./dom.js";
import { stackedBars, timeline } from "./charts.js";

export const PORTFOLIOS_QUERY = `query Portfolios($where: ClusterWhere, $asOf: Date, $interval: TimelineInterval!) {
  portfolios { slug name clusterCount }
  portfolioStats(where: $where, asOf: $asOf) {
    portfolio { slug name }
    clusterCount
    byStatus { valid expiringSoon renewable expired notYetLabelled }
  }
  labelTimeline(interval: $interval, where: $where, asOf: $asOf) {
    start end year month awarded expiring clustersValidAtEnd
  }
}`;

const STATUS_SERIES = [
  { key: "valid", label: "valid", cls: "s-valid" },
  { key: "expiringSoon", label: "expiring soon", cls: "s-expiring_soon" },
  { key: "renewable", label: "renewable", cls: "s-renewable" },
  { key: "expired", label: "expired", cls: "s-expired" },
  { key: "notYetLabelled", label: "not yet labelled", cls: "s-not_yet_labelled" },
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export async function renderPortfolios(container, params, go, isCurrent) {
  const portfolio = params.get("portfolio") ?? "";
  const interval = params.get("interval") === "MONTH" ? "MONTH" : "YEAR";
  const asOf = params.get("asOf") ?? "";
  const navigate = (changes) => {
    const next = new URLSearchParams({ portfolio, interval, asOf, ...changes });
    for (const [k, v] of [...next]) if (!v || (k === "interval" && v === "YEAR")) next.delete(k);
    go(next, { keepFocus: Object.keys(changes)[0] === "portfolio" ? "portfolio-filter" : Object.keys(changes)[0] === "interval" ? "interval" : "portfolio-as-of" });
  };
  const controls = h("form", { class: "controls", "aria-label": "Chart options", onsubmit: (e) => e.preventDefault() });
  const body = h("div", { class: "portfolio-body" });
  fill(container, h("h1", {}, "Portfolios"), controls, body);
  showLoading(body, "portfolio statistics");

  let data;
  try {
    data = await query(PORTFOLIOS_QUERY, {
      where: portfolio ? { portfolio: [portfolio] } : null,
      asOf: asOf || null,
      interval,
    });
  } catch (error) {
    if (!isCurrent()) return;
    body.removeAttribute("aria-busy");
    fill(body, errorBox(error instanceof ApiError ? error : new ApiError("ERROR", String(error))));
    return;
  }
  if (!isCurrent()) return;
  body.removeAttribute("aria-busy");

  fill(controls,
    h("div", { class: "field" }, h("label", { for: "portfolio-filter" }, "Portfolio"),
      h("select", { id: "portfolio-filter", onchange: (e) => navigate({ portfolio: e.target.value }) },
        h("option", { value: "" }, "All portfolios"),
        data.portfolios.map((p) => h("option", { value: p.slug, selected: p.slug === portfolio }, `${p.name} (${p.clusterCount})`)))),
    h("div", { class: "field" }, h("label", { for: "interval" }, "Timeline per"),
      h("select", { id: "interval", onchange: (e) => navigate({ interval: e.target.value }) },
        h("option", { value: "YEAR", selected: interval === "YEAR" }, "year"),
        h("option", { value: "MONTH", selected: interval === "MONTH" }, "month"))),
    h("div", { class: "field" }, h("label", { for: "portfolio-as-of" }, "Label status as of"),
      h("input", { id: "portfolio-as-of", type: "date", value: asOf, min: "1900-01-01", max: "2200-12-31", onchange: (e) => navigate({ asOf: e.target.value }) })),
  );

  const stats = data.portfolioStats.filter((s) => !portfolio || s.portfolio.slug === portfolio);
  const rows = stats.map((s) => ({ label: s.portfolio.name, slug: s.portfolio.slug, values: s.byStatus, total: s.clusterCount }));
  const periods = data.labelTimeline.map((p) => ({
    label: p.month ? `${MONTHS[p.month - 1]} ${p.year}` : String(p.year),
    values: p,
  }));
  const when = asOf || `today, ${today()}`;

  fill(body,
    h("section", { class: "panel", id: "status-chart", "aria-labelledby": "status-heading" },
      h("h2", { id: "status-heading" }, "Clusters by label status"),
      h("p", { class: "as-of" }, "Status of each cluster's label as of ", h("time", { datetime: asOf || today() }, when), "."),
      stackedBars({ title: `Clusters per portfolio by label status, as of ${when}`, rows, series: STATUS_SERIES }),
      dataTable("Clusters per portfolio by label status", ["Portfolio", "Clusters", ...STATUS_SERIES.map((k) => k.label)],
        rows.map((r) => [h("a", { href: `#/?portfolio=${encodeURIComponent(r.slug)}${asOf ? `&asOf=${asOf}` : ""}` }, r.label), r.total, ...STATUS_SERIES.map((k) => r.values[k.key])]))),
    h("section", { class: "panel", id: "timeline-chart", "aria-labelledby": "timeline-heading" },
      h("h2", { id: "timeline-heading" }, `Label timeline per ${interval === "MONTH" ? "month" : "year"}`),
      h("p", { class: "hint" }, "Every label in the clusters' histories, renewals included. Award dates of the listing are inferred from the end of validity."),
      periods.length
        ? [
            timeline({
              title: `Labels awarded and expiring per ${interval.toLowerCase()}, and clusters with a valid label at its end`,
              periods,
              barSeries: [
                { key: "awarded", label: "awarded", cls: "t-awarded" },
                { key: "expiring", label: "expiring", cls: "t-expiring" },
              ],
              lineSeries: { key: "clustersValidAtEnd", label: "clusters valid at the end", cls: "t-valid" },
            }),
            dataTable("Label timeline", ["Period", "Awarded", "Expiring", "Valid at end"],
              periods.map((p) => [p.label, p.values.awarded, p.values.expiring, p.values.clustersValidAtEnd])),
          ]
        : h("p", { class: "state empty" }, "No label in this selection.")),
  );
}

function dataTable(caption, head, rows) {
  return h("details", { class: "data-table" },
    h("summary", {}, "Show the numbers as a table"),
    h("div", { class: "table-wrap" },
      h("table", {},
        h("caption", {}, caption),
        h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, String(c))))))))));
}

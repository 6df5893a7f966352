// One cluster: its listing, the label history on a time line, the latest interview's
// results by area with their traffic lights, and the benchmark against its peers. One
// request. Sample data is marked; withheld and confidential values are never numbers.
import { ApiError, query } from "./api.js";
import { add, badge, errorBox, fill, formatValue, h, s, showLoading, words } from "./dom.js";
import { peerRange } from "./charts.js";

export const CLUSTER_QUERY = `query Cluster($slug: String!) {
  cluster(slug: $slug) {
    slug name country website warnings
    portfolio { slug name }
    label { level validUntil status }
    labels { level awardedOn awardedOnInferred validUntil status }
    latestInterview {
      conductedOn conductedOnInferred isSample resultsWithheld catalogueVersion
      results { code indicator { area areaName name unit } value flag text items rating }
    }
    benchmark {
      peerGroup peerClusters conductedOn isSample includesSample
      indicators { indicator { code name unit } value peerCount peerP25 peerMedian peerP75 rating withheld }
    }
  }
}`;

const WITHHELD = {
  BELOW_MIN_GROUP_SIZE: "Withheld: too few peers to show without revealing one member's value",
  CONFIDENTIAL: "Confidential: this server does not publish a real interview's individual results",
};

export async function renderCluster(container, slug, isCurrent) {
  showLoading(container, "the cluster");
  let data;
  try {
    data = await query(CLUSTER_QUERY, { slug });
  } catch (error) {
    if (!isCurrent()) return;
    container.removeAttribute("aria-busy");
    fill(container, h("h1", {}, "Cluster"), errorBox(error instanceof ApiError ? error : new ApiError("ERROR", String(error))));
    return;
  }
  if (!isCurrent()) return;
  container.removeAttribute("aria-busy");
  const c = data.cluster;
  if (!c) {
    fill(container, h("h1", {}, "Cluster not found"),
      h("p", { class: "state empty" }, `No cluster has the key “${slug}”. `, h("a", { href: "#/" }, "Back to the directory")));
    return;
  }
  document.title = `${c.name} · Cluster excellence directory`;
  fill(container,
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Directory"), " › ", h("a", { href: `#/?portfolio=${encodeURIComponent(c.portfolio.slug)}` }, c.portfolio.name)),
    h("h1", { id: "cluster-name" }, c.name),
    h("dl", { class: "facts" },
      h("dt", {}, "Portfolio"), h("dd", {}, h("a", { href: `#/portfolios?portfolio=${encodeURIComponent(c.portfolio.slug)}` }, c.portfolio.name)),
      h("dt", {}, "Country"), h("dd", {}, c.country),
      h("dt", {}, "Website"), h("dd", {}, websiteOf(c)),
      h("dt", {}, "Current label"), h("dd", {}, c.label ? [badge("level", c.label.level), " until ", h("time", { datetime: c.label.validUntil }, c.label.validUntil), " ", badge("status", c.label.status)] : "none yet")),
    labelHistory(c.labels),
    interviewResults(c.latestInterview),
    benchmark(c.benchmark),
  );
}

function websiteOf(c) {
  if (!c.website) return "not published";
  const warning = c.warnings.length ? h("span", { class: "warning" }, ` (${c.warnings.join("; ")})`) : null;
  // Kept as published, possibly truncated: shown as text, not a link that would lead nowhere.
  return [h("span", { class: "website" }, c.website), warning];
}

function labelHistory(labels) {
  const section = h("section", { class: "panel", id: "label-history", "aria-labelledby": "labels-heading" }, h("h2", { id: "labels-heading" }, "Label history"));
  if (!labels.length) {
    add(section, h("p", { class: "state empty" }, "No label."));
    return section;
  }
  const time = (d) => Date.parse(`${d}T00:00:00Z`);
  const from = new Date(Math.min(...labels.map((l) => time(l.awardedOn)))).getUTCFullYear();
  const to = new Date(Math.max(...labels.map((l) => time(l.validUntil)))).getUTCFullYear() + 1;
  const width = 760;
  const left = 10;
  const right = width - 10;
  const x = (d) => left + ((time(d) - Date.UTC(from, 0, 1)) / (Date.UTC(to, 0, 1) - Date.UTC(from, 0, 1))) * (right - left);
  const rowH = 26;
  const ordered = [...labels].reverse();
  const height = ordered.length * rowH + 30;
  const years = [];
  for (let y = from; y <= to; y += 1) years.push(y);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "Label history: each label from its award to the end of its validity" },
    years.map((y) => s("g", {},
      s("line", { x1: x(`${y}-01-01`), x2: x(`${y}-01-01`), y1: 0, y2: height - 20, class: "grid" }),
      y < to ? s("text", { x: x(`${y}-01-01`) + 3, y: height - 6, class: "axis-label" }, String(y)) : null)),
    ordered.map((l, i) => s("rect", {
      x: x(l.awardedOn), y: i * rowH + 4, width: Math.max(2, x(l.validUntil) - x(l.awardedOn)), height: rowH - 8,
      class: `level-${l.level.toLowerCase()}${l.awardedOnInferred ? " inferred" : ""}`,
    }, s("title", {}, `${words(l.level)}: ${l.awardedOn} to ${l.validUntil}`))));
  add(section, 
    h("figure", { class: "chart-figure" }, svg),
    h("ol", { class: "labels" }, labels.map((l) => h("li", {},
      badge("level", l.level), " awarded ", h("time", { datetime: l.awardedOn }, l.awardedOn),
      l.awardedOnInferred ? h("span", { class: "hint" }, " (inferred from the end of validity)") : null,
      ", valid until ", h("time", { datetime: l.validUntil }, l.validUntil), " ", badge("status", l.status)))),
  );
  return section;
}

function sampleNote(isSample) {
  return isSample
    ? h("p", { class: "sample", role: "note" }, h("strong", {}, "Sample data. "), "Generated to illustrate the benchmarking report: not a real result of this cluster.")
    : null;
}

function resultValue(r) {
  const unit = r.indicator?.unit;
  if (unit === "BOOL") return r.flag === null ? "not collected" : r.flag ? "Yes" : "No";
  if (unit === "ENUM") return r.text ?? "not collected";
  if (unit === "LIST") return r.items ? r.items.join(", ") || "none" : "not collected";
  return r.value === null ? "not collected" : formatValue(r.value, unit);
}

function light(rating) {
  if (!rating) return h("span", { class: "light none" }, "not rated");
  return h("span", { class: `light ${rating.toLowerCase()}` }, h("span", { class: "dot", "aria-hidden": "true" }), words(rating));
}

function interviewResults(interview) {
  const section = h("section", { class: "panel", id: "interview", "aria-labelledby": "interview-heading" }, h("h2", { id: "interview-heading" }, "Latest benchmarking interview"));
  if (!interview) {
    add(section, h("p", { class: "state empty" }, "No benchmarking interview is recorded for this cluster."));
    return section;
  }
  add(section, 
    h("p", {}, "Conducted on ", h("time", { datetime: interview.conductedOn }, interview.conductedOn),
      interview.conductedOnInferred ? " (inferred from the label's dates)" : "", `, catalogue ${interview.catalogueVersion}.`),
    sampleNote(interview.isSample),
  );
  if (!interview.results) {
    add(section, h("p", { class: "withheld", "data-withheld": interview.resultsWithheld ?? "" }, WITHHELD[interview.resultsWithheld] ?? "The results are not published."));
    return section;
  }
  const areas = new Map();
  for (const r of interview.results) {
    const key = r.indicator?.area ?? "OTHER";
    if (!areas.has(key)) areas.set(key, { name: r.indicator?.areaName ?? "Other", results: [] });
    areas.get(key).results.push(r);
  }
  add(section, 
    h("p", { class: "hint" }, "Traffic lights compare each value with the peer group's quartiles, in the indicator's direction of improvement."),
    [...areas.entries()].map(([code, area], i) => h("section", { class: "area", "data-area": code, "aria-labelledby": `area-${code}` },
      h("h3", { id: `area-${code}` }, `${i + 1}. ${area.name}`),
      h("div", { class: "table-wrap" }, h("table", { class: "results-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Indicator"), h("th", { scope: "col" }, "Result"), h("th", { scope: "col" }, "Rating"))),
        h("tbody", {}, area.results.map((r) => h("tr", { "data-rating": r.rating ?? "" },
          h("th", { scope: "row" }, r.indicator?.name ?? r.code), h("td", {}, resultValue(r)), h("td", {}, light(r.rating))))))))),
  );
  return section;
}

function benchmark(b) {
  const section = h("section", { class: "panel", id: "benchmark", "aria-labelledby": "benchmark-heading" }, h("h2", { id: "benchmark-heading" }, "Benchmark against peers"));
  if (!b) {
    add(section, h("p", { class: "state empty" }, "No benchmark: the cluster has no interview this server may compare, or its results are confidential."));
    return section;
  }
  add(section, 
    h("p", {}, `Compared with ${b.peerClusters} cluster${b.peerClusters === 1 ? "" : "s"} of ${b.peerGroup === "PORTFOLIO" ? "the same portfolio" : "the whole directory"}, interview of `, h("time", { datetime: b.conductedOn }, b.conductedOn), "."),
    sampleNote(b.isSample),
    !b.isSample && b.includesSample ? h("p", { class: "sample", role: "note" }, h("strong", {}, "Includes sample data: "), "some peer values are generated illustrations.") : null,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Benchmark table" }, h("table", { class: "benchmark-table" },
      h("thead", {}, h("tr", {}, ["Indicator", "Value", "Peers: lower quartile", "Median", "Upper quartile", "Range", "Rating"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, b.indicators.map((i) => {
        const unit = i.indicator.unit;
        const name = h("th", { scope: "row" }, i.indicator.name);
        if (i.withheld) {
          return h("tr", { class: "withheld-row", "data-withheld": i.withheld }, name, h("td", {}, formatValue(i.value, unit)),
            h("td", { colspan: 5, class: "withheld" }, `${WITHHELD[i.withheld] ?? "Withheld"} (${i.peerCount} with a value).`));
        }
        return h("tr", { "data-rating": i.rating ?? "" }, name,
          h("td", {}, formatValue(i.value, unit)),
          // BOOL quartiles are shares between 0 (no) and 1 (yes), not answers.
          [i.peerP25, i.peerMedian, i.peerP75].map((n) => h("td", {}, formatValue(n, unit === "BOOL" ? "COUNT" : unit))),
          h("td", {}, peerRange({ value: i.value, p25: i.peerP25, median: i.peerMedian, p75: i.peerP75 })),
          h("td", {}, light(i.rating)));
      })))),
  );
  return section;
}

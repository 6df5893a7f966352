// Hand-written SVG charts. Each has a title and description for assistive technology and
// is paired by its caller with a table of the same numbers.
import { h, s } from "./dom.js";

/**
 * Horizontal stacked bars: `rows` [{label, values: {key: n}}], `series` [{key, label, cls}].
 */
export function stackedBars({ title, rows, series }) {
  const rowHeight = 26;
  const labelWidth = 250;
  const width = 760;
  const plot = width - labelWidth - 40;
  const max = Math.max(1, ...rows.map((r) => series.reduce((sum, k) => sum + (r.values[k.key] ?? 0), 0)));
  const height = rows.length * rowHeight + 8;
  const bars = rows.map((row, i) => {
    let x = labelWidth;
    const y = i * rowHeight + 4;
    const total = series.reduce((sum, k) => sum + (row.values[k.key] ?? 0), 0);
    const parts = series.map((k) => {
      const n = row.values[k.key] ?? 0;
      const w = (n / max) * plot;
      const rect = n
        ? s("rect", { x, y, width: w, height: rowHeight - 8, class: k.cls }, s("title", {}, `${row.label}: ${n} ${k.label}`))
        : null;
      x += w;
      return rect;
    });
    return s(
      "g",
      { class: "bar-row", "data-label": row.label, "data-total": total },
      s("text", { x: labelWidth - 8, y: y + rowHeight / 2, class: "axis-label", "text-anchor": "end" }, truncate(row.label, 38)),
      parts,
      s("text", { x: x + 6, y: y + rowHeight / 2, class: "value-label" }, String(total)),
    );
  });
  return figure(title, s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" }, bars), series);
}

/**
 * Vertical bars per period for `barSeries` and a line for `lineSeries`:
 * `periods` [{label, values: {key: n}}].
 */
export function timeline({ title, periods, barSeries, lineSeries }) {
  const width = 760;
  const height = 260;
  const left = 36;
  const bottom = 40;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const keys = [...barSeries, lineSeries];
  const highest = Math.max(1, ...periods.flatMap((p) => keys.map((k) => p.values[k.key] ?? 0)));
  const step = tickStep(highest);
  const max = Math.ceil(highest / step) * step; // the top gridline is above every value
  const slot = plotW / Math.max(1, periods.length);
  const barW = Math.max(1, (slot * 0.8) / barSeries.length);
  const y = (n) => 10 + plotH - (n / max) * plotH;
  const ticks = niceTicks(max, step).map((t) =>
    s("g", {}, s("line", { x1: left, x2: width - 10, y1: y(t), y2: y(t), class: "grid" }),
      s("text", { x: left - 6, y: y(t), class: "axis-label", "text-anchor": "end" }, String(t))),
  );
  const every = Math.ceil(periods.length / 12);
  const groups = periods.map((p, i) => {
    const x0 = left + i * slot + slot * 0.1;
    return s(
      "g",
      { class: "period", "data-period": p.label },
      barSeries.map((k, j) => {
        const n = p.values[k.key] ?? 0;
        return s("rect", { x: x0 + j * barW, y: y(n), width: barW, height: y(0) - y(n), class: k.cls },
          s("title", {}, `${p.label}: ${n} ${k.label}`));
      }),
      i % every === 0
        ? s("text", { x: left + i * slot + slot / 2, y: height - bottom + 16, class: "axis-label", "text-anchor": "middle" }, p.label)
        : null,
    );
  });
  const points = periods.map((p, i) => `${left + i * slot + slot / 2},${y(p.values[lineSeries.key] ?? 0)}`).join(" ");
  const svg = s(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" },
    ticks,
    groups,
    s("polyline", { points, class: `line ${lineSeries.cls}` }),
  );
  return figure(title, svg, keys);
}

/** A peer range: the lower to upper quartile as a box, the median as a tick, the value as a dot. */
export function peerRange({ value, p25, median, p75 }) {
  const lo = Math.min(value, p25);
  const hi = Math.max(value, p75);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  const x = (n) => ((n - lo + pad) / (hi - lo + 2 * pad)) * 120;
  return s(
    "svg",
    { viewBox: "0 0 120 16", class: "peer-range", "aria-hidden": "true", focusable: "false" },
    s("line", { x1: 0, x2: 120, y1: 8, y2: 8, class: "track" }),
    s("rect", { x: x(p25), y: 3, width: Math.max(1, x(p75) - x(p25)), height: 10, class: "box" }),
    s("line", { x1: x(median), x2: x(median), y1: 1, y2: 15, class: "median" }),
    s("circle", { cx: x(value), cy: 8, r: 4, class: "dot" }),
  );
}

function figure(title, svg, series) {
  return h(
    "figure",
    { class: "chart-figure" },
    h("figcaption", {}, title),
    h("ul", { class: "legend" }, series.map((k) => h("li", {}, h("span", { class: `swatch ${k.cls}`, "aria-hidden": "true" }), k.label))),
    svg,
  );
}

function tickStep(max) {
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= raw));
}

function niceTicks(max, step) {
  const ticks = [];
  for (let t = 0; t <= max; t += step) ticks.push(t);
  return ticks;
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

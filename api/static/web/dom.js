// Building the DOM without a framework, and the page's shared formats.

/** Element `tag` with attributes (`on*` functions become listeners) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  el.append(...flat(children));
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** SVG element `tag`, like `h`. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  el.append(...flat(children));
  return el;
}

function flat(children) {
  return children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
}

/** Replaces the children of `el` by `children` (nested arrays and nulls allowed). */
export function fill(el, ...children) {
  el.replaceChildren(...flat(children));
  return el;
}

/** Appends `children` to `el` (nested arrays and nulls allowed). */
export function add(el, ...children) {
  el.append(...flat(children));
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

/** A loading state in `container`, announced to screen readers. */
export function showLoading(container, what) {
  container.setAttribute("aria-busy", "true");
  fill(container, h("p", { class: "state loading", role: "status" }, `Loading ${what}…`));
}

/** An API error in `container`: its `extensions.code` and message. */
export function errorBox(error) {
  return h(
    "div",
    { class: "state error", role: "alert" },
    h("p", {}, h("strong", {}, "The request failed: "), h("code", { class: "code" }, error.code ?? "ERROR")),
    h("p", { class: "message" }, error.message),
  );
}

export const LEVELS = ["BRONZE", "SILVER", "GOLD"];
export const STATUSES = ["VALID", "EXPIRING_SOON", "RENEWABLE", "EXPIRED", "NOT_YET_LABELLED"];

/** "EXPIRING_SOON" → "Expiring soon". */
export function words(constant) {
  const text = constant.toLowerCase().replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function badge(kind, value) {
  return h("span", { class: `badge ${kind}-${value.toLowerCase()}` }, words(value));
}

/** Today as YYYY-MM-DD in UTC, the API's default `asOf`. */
export function today() {
  return new Date().toISOString().slice(0, 10);
}

const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });
const euros = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR", maximumFractionDigits: 0 });

/** A number in the indicator's unit. */
export function formatValue(value, unit) {
  if (value === null || value === undefined) return "—";
  switch (unit) {
    case "EUR":
      return euros.format(value);
    case "PERCENT":
      return `${number.format(value)} %`;
    case "YEAR":
      return String(Math.round(value));
    case "YEARS":
      return `${number.format(value)} yr`;
    case "FTE":
      return `${number.format(value)} FTE`;
    case "BOOL":
      return value >= 0.5 ? "Yes" : "No";
    default:
      return number.format(value);
  }
}

// The page's router. Views live in the URL fragment so that the server answers one page:
//   #/                     the directory (state in its query: #/?q=pole&portfolio=ict)
//   #/portfolios           the portfolio charts (#/portfolios?portfolio=ict&interval=MONTH)
//   #/clusters/<slug>      one cluster
// Every state change is a history entry (search typing replaces it), so links are shareable
// and the back button works.
import { renderCluster } from "./cluster.js";
import { renderDirectory } from "./directory.js";
import { fill, h } from "./dom.js";
import { renderPortfolios } from "./portfolios.js";

const main = document.getElementById("main");
let rendered = null;
let renderCount = 0;
let lastPath = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", params: new URLSearchParams(search) };
}

function go(path, params, { replace = false, keepFocus = null } = {}) {
  const query = params.toString();
  const url = `#${path}${query ? `?${query}` : ""}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route(keepFocus);
}

function route(keepFocus = null) {
  if (rendered === location.href && !keepFocus) return;
  rendered = location.href;
  const { path, params } = parseHash();
  const token = ++renderCount;
  const isCurrent = () => token === renderCount;
  const viewChanged = lastPath !== null && path !== lastPath;
  lastPath = path;
  document.title = "Cluster excellence directory";
  let view = "directory";
  let done;
  const slug = path.match(/^\/clusters\/([^/]+)$/);
  if (path === "/") {
    done = renderDirectory(main, params, (p, o) => go("/", p, o), isCurrent);
  } else if (path === "/portfolios") {
    view = "portfolios";
    done = renderPortfolios(main, params, (p, o) => go("/portfolios", p, o), isCurrent);
  } else if (slug) {
    view = "cluster";
    done = renderCluster(main, decodeURIComponent(slug[1]), isCurrent);
  } else {
    view = "not-found";
    fill(main, h("h1", {}, "Page not found"), h("p", {}, "No view has this address. ", h("a", { href: "#/" }, "Go to the directory")));
    done = Promise.resolve();
  }
  main.dataset.view = view;
  for (const link of document.querySelectorAll("nav [data-view]")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (keepFocus) {
    const el = document.getElementById(keepFocus);
    if (el) {
      el.focus();
      if (el.type === "search") el.setSelectionRange(el.value.length, el.value.length);
    }
  } else if (viewChanged) {
    main.focus({ preventScroll: true });
  }
  done.then(() => {
    if (!isCurrent()) return;
    main.dataset.state = "ready";
    main.dataset.href = location.href;
    // A re-rendered control gets the focus back unless the user has moved on.
    if (keepFocus && document.activeElement === document.body) document.getElementById(keepFocus)?.focus();
  });
  main.dataset.state = "loading";
}

// The skip link moves the focus without touching the fragment, which holds the view.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("popstate", () => route());
window.addEventListener("hashchange", () => route());
route();

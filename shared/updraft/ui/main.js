// The UI's router: each address names a view; views draw themselves into <main> and may ask
// to be refreshed while what they show is still changing (running runs and tasks).

import { currentUser, get, post, setToken } from "./api.js";
import { h, errorBox, loading, link, fill } from "./ui.js";
import * as dags from "./dags.js";
import * as dag from "./dag.js";
import * as task from "./task.js";
import * as admin from "./admin.js";

const ROUTES = [
  [/^\/login$/, login, true],
  [/^\/(dags)?$/, dags.render],
  [/^\/dags\/([^/]+)$/, dag.render],
  [/^\/dags\/([^/]+)\/runs\/([^/]+)\/tasks\/([^/]+)$/, task.render],
  [/^\/variables$/, admin.variables],
  [/^\/connections$/, admin.connections],
];

let current = null; // the view on screen: {refresh, interval, live, dispose}
let timer = null;
let generation = 0;

export function navigate(href, replace = false) {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  show();
}

// Change the address's query without drawing the view again (the view already shows it).
export function setQuery(params) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(params)) {
    url.searchParams.delete(key);
    if (value === undefined || value === null || value === "") continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one));
  }
  history.replaceState(null, "", url.pathname + url.search);
}

async function show() {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const query = new URL(location.href).searchParams;
  const main = document.getElementById("app");
  if (current && current.dispose) current.dispose();
  current = null;
  const mine = ++generation;
  for (const [pattern, view, open] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (!open && !currentUser()) {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
      return;
    }
    header();
    fill(main, loading());
    const params = match.slice(1).filter((p) => p !== undefined && p !== "dags").map(decodeURIComponent);
    try {
      const drawn = await view({ root: main, params, query, navigate, setQuery });
      if (mine === generation) current = drawn || null;
    } catch (err) {
      if (mine === generation) fill(main, errorBox(err));
    }
    return;
  }
  header();
  fill(main, h("div.empty", h("h1", "Page not found"), link("/", "Back to the DAGs")));
}

// Refresh the view on screen at its own pace while the tab is visible.
function tick() {
  clearTimeout(timer);
  const view = current;
  const wait = (view && view.interval) || 3000;
  timer = setTimeout(async () => {
    if (view && view === current && view.refresh && document.visibilityState === "visible" && (!view.live || view.live())) {
      try {
        await view.refresh();
      } catch (err) {
        /* the next tick tries again; a 401 has sent us to the login page */
      }
    }
    tick();
  }, wait);
}

function header() {
  const user = currentUser();
  const nav = document.getElementById("nav");
  const path = location.pathname;
  const item = (href, label, active) => h("a.nav-item", { href, "aria-current": active ? "page" : null }, label);
  fill(nav, 
    user ? item("/", "DAGs", path === "/" || path.startsWith("/dags")) : null,
    user ? item("/variables", "Variables", path === "/variables") : null,
    user ? item("/connections", "Connections", path === "/connections") : null,
    h("span.spacer"),
    user ? health() : null,
    user ? h("span.user", { title: `role: ${user.role}` }, user.name, h("span.role", user.role)) : null,
    user ? h("button.btn.small.ghost", { type: "button", onclick: logout }, "Log out") : null,
  );
}

// The scheduler's latest pass, as Airflow's health badge shows it.
function health() {
  const dot = h("span.health", { title: "scheduler" }, h("span.dot"), "scheduler");
  get("/api/v2/monitor/health").then((body) => {
    const s = (body && body.scheduler) || {};
    dot.dataset.status = s.status || "unknown";
    dot.title = `scheduler ${s.status || "unknown"}; latest pass ${s.latest_scheduler_heartbeat || "never"}`;
  }).catch(() => { dot.dataset.status = "unknown"; });
  return dot;
}

function logout() {
  setToken(null);
  navigate("/login");
}

async function login({ root, query }) {
  const next = query.get("next") || "/";
  const error = h("div.dialog-error", { role: "alert" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form.login", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = "";
      try {
        const body = await post("/auth/token", { username: username.value, password: password.value });
        setToken(body.access_token);
        navigate(next.startsWith("/") && !next.startsWith("//") ? next : "/", true);
      } catch (err) {
        error.textContent = err.status === 401 ? "Invalid username or password" : err.message;
      }
    },
  },
  h("h1", "Sign in to Updraft"),
  h("label", "Username", username),
  h("label", "Password", password),
  error,
  h("button.btn.primary", { type: "submit" }, "Sign in"),
  h("p.muted", "Users are made with ", h("code", "updraft users create"), "."));
  fill(root, h("div.login-page", form));
}

// In-app links: same-origin anchors without a target or a modifier key change the view only.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href]");
  if (!a || a.target || a.hasAttribute("download") || e.defaultPrevented || e.button !== 0) return;
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", show);
window.addEventListener("updraft:logged-out", () => {
  if (location.pathname !== "/login") navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && current && current.refresh) current.refresh().catch(() => {});
});

show();
tick();

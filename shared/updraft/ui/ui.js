// Small DOM helpers shared by the views: elements, state colours, dates, dialogs, messages.

// Airflow's default state colours (airflow.settings.STATE_COLORS).
export const STATE_COLORS = {
  queued: "gray",
  running: "lime",
  success: "green",
  failed: "red",
  up_for_retry: "gold",
  up_for_reschedule: "turquoise",
  upstream_failed: "orange",
  skipped: "hotpink",
  removed: "lightgrey",
  scheduled: "tan",
  deferred: "mediumpurple",
  restarting: "violet",
};
export const STATES = Object.keys(STATE_COLORS);
// States that will change by themselves: pages showing them refresh.
export const ACTIVE = new Set(["queued", "running", "scheduled", "up_for_retry", "up_for_reschedule", "deferred", "restarting"]);

// h("a.cls", {href}, child, ...): an element; children may be strings, nodes, arrays or null.
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  let initial;
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "value") initial = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && key !== "list" && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  if (initial !== undefined) el.value = initial;
  return el;
}

// Replace an element's children (null, false and undefined are left out, as in h()).
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function stateColor(state) {
  return STATE_COLORS[state] || "white";
}

export function badge(state) {
  const label = state || "no status";
  return h("span.badge", { dataset: { state: state || "none" }, title: label },
    h("span.dot", { style: { background: stateColor(state) } }), label.replace(/_/g, " "));
}

// A square coloured by state (grid cells, legends).
export function square(state, title) {
  return h("span.square", { dataset: { state: state || "none" }, title: title || state || "no status",
    style: { background: state ? stateColor(state) : "transparent" } });
}

export function legend() {
  return h("div.legend", STATES.map((s) => h("span.legend-item", square(s), s.replace(/_/g, " "))));
}

export function fmtDate(value) {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m ${s}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function secondsBetween(start, end) {
  if (!start) return null;
  const finish = end ? new Date(end) : new Date();
  return (finish - new Date(start)) / 1000;
}

// An in-app link: the router handles the click without reloading the page.
export function link(href, ...children) {
  return h("a", { href }, ...children);
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div.toast", { dataset: { kind }, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

export function errorBox(err) {
  return h("div.error-box", { role: "alert" }, err && err.message ? err.message : String(err));
}

export function loading() {
  return h("div.loading", "Loading…");
}

// A modal dialog; resolves with the value of the button pressed (null when dismissed).
// A button's `action` may return a promise: the dialog stays open while it runs and shows its
// error instead of closing when it throws.
export function dialog(title, body, buttons) {
  return new Promise((resolve) => {
    const error = h("div.dialog-error", { role: "alert" });
    const close = (value) => {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      resolve(value);
    };
    const onKey = (e) => e.key === "Escape" && close(null);
    const footer = h("div.dialog-buttons", buttons.map((b) => h(`button.btn${b.primary ? ".primary" : ""}${b.danger ? ".danger" : ""}`, {
      type: "button",
      onclick: async (e) => {
        const button = e.currentTarget;
        if (!b.action) return close(b.value);
        error.textContent = "";
        button.disabled = true;
        try {
          close(await b.action());
        } catch (err) {
          error.textContent = err.message || String(err);
          button.disabled = false;
        }
      },
    }, b.label)));
    const overlay = h("div.overlay", { onclick: (e) => e.target === overlay && close(null) },
      h("div.dialog", { role: "dialog", "aria-label": title },
        h("h2", title), h("div.dialog-body", body), error, footer));
    overlay.addEventListener("input", () => { error.textContent = ""; }); // an edit answers the error
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    const first = overlay.querySelector("input, textarea, select");
    if (first) first.focus();
  });
}

export function confirmDialog(title, message, label = "Confirm", danger = false) {
  return dialog(title, h("p", message), [
    { label: "Cancel", value: false },
    { label, value: true, primary: !danger, danger },
  ]);
}

// A JSON text's parse error as "line L, column C: message".
export function jsonError(text) {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const match = /position (\d+)/.exec(err.message);
    if (!match) return err.message;
    const before = text.slice(0, Number(match[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return `line ${line}, column ${column}: ${err.message.replace(/ in JSON at position \d+.*$/, "")}`;
  }
}

export function download(filename, data) {
  const blob = new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" });
  const a = h("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}

export function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

// A pager: "1–25 of 1,000" with previous / next.
export function pager(offset, limit, total, go) {
  const end = Math.min(offset + limit, total);
  return h("div.pager",
    h("button.btn.small", { type: "button", disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, "‹ Previous"),
    h("span.muted", total ? `${(offset + 1).toLocaleString()}–${end.toLocaleString()} of ${total.toLocaleString()}` : "none"),
    h("button.btn.small", { type: "button", disabled: end >= total, onclick: () => go(offset + limit) }, "Next ›"));
}

export function tabs(items, active, onSelect) {
  return h("nav.tabs", { role: "tablist" }, items.map(([id, label]) =>
    h("button.tab", { type: "button", role: "tab", "aria-selected": String(id === active), dataset: { tab: id },
      onclick: () => onSelect(id) }, label)));
}

export function kv(rows) {
  return h("table.kv", h("tbody", rows.filter(Boolean).map(([k, v]) => h("tr", h("th", k), h("td", v ?? "")))));
}

export function pre(value) {
  return h("pre.code", typeof value === "string" ? value : JSON.stringify(value, null, 2));
}

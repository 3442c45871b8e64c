// A task instance's page: its state and tries, actions, and per try its log; its XComs,
// rendered template fields and details. A mapped task lists its instances to choose from.

import { get, qs, enc, may, tiPath, runPath } from "./api.js";
import { h, badge, fmtDate, fmtDuration, secondsBetween, link, tabs, kv, pre, ACTIVE, fill } from "./ui.js";
import { clearDialog, markDialog } from "./actions.js";

const TABS = [["logs", "Logs"], ["xcom", "XCom"], ["rendered", "Rendered templates"], ["details", "Details"]];

export async function render({ root, params: [dagId, runId, taskId], query, setQuery }) {
  let tab = TABS.some(([id]) => id === query.get("tab")) ? query.get("tab") : "logs";
  let mapIndex = query.has("map_index") ? Number(query.get("map_index")) : null;
  let tryNumber = query.has("try") ? Number(query.get("try")) : null;
  const base = tiPath(dagId, runId, taskId);

  let run = await get(runPath(dagId, runId));
  let instances = (await get(`${runPath(dagId, runId)}/taskInstances${qs({ task_id: taskId, limit: 100 })}`)).task_instances;
  if (!instances.length) throw new Error(`Task ${taskId} is not in run ${runId}`);
  const mapped = instances.some((i) => i.map_index >= 0);
  if (mapIndex === null) mapIndex = mapped ? null : -1;

  const head = h("div");
  const picker = h("div");
  const bar = h("div");
  const body = h("div.tab-body");
  fill(root, h("section.page.ti-page", head, picker, bar, body));

  let ti = null;
  let tries = [];

  async function loadInstance() {
    if (mapIndex === null) {
      ti = null;
      return;
    }
    const path = mapIndex >= 0 ? `${base}/${mapIndex}` : base;
    ti = await get(path);
    tries = ti.try_number > 0 ? (await get(`${path}/tries`)).task_instances : [];
    if (tryNumber === null || tryNumber > ti.try_number) tryNumber = ti.try_number || null;
  }

  function drawHead() {
    const dagHref = `/dags/${enc(dagId)}`;
    fill(head, 
      h("div.crumbs", link("/", "DAGs"), " / ", link(dagHref, dagId), " / ", link(`${dagHref}?run_id=${enc(runId)}`, runId), " / ", h("span", taskId)),
      h("div.title-row",
        h("h1", taskId, mapIndex !== null && mapIndex >= 0 ? h("span.muted", ` [${mapIndex}]`) : null),
        ti ? badge(ti.state) : null,
        h("span.spacer"),
        may("user") && (ti || !mapped) ? [
          h("button.btn", { type: "button", onclick: async () => (await clearDialog(dagId, runId, taskId, mapIndex ?? -1)) && refresh() }, "Clear"),
          h("button.btn", { type: "button", onclick: async () => (await markDialog(dagId, runId, taskId, mapIndex ?? -1, "success")) && refresh() }, "Mark success"),
          h("button.btn", { type: "button", onclick: async () => (await markDialog(dagId, runId, taskId, mapIndex ?? -1, "failed")) && refresh() }, "Mark failed"),
        ] : null),
      ti ? h("div.meta",
        h("span", h("span.muted", "Operator "), ti.operator || ""),
        h("span", h("span.muted", "Try "), `${ti.try_number} of ${ti.max_tries + 1}`),
        h("span", h("span.muted", "Started "), fmtDate(ti.start_date) || "—"),
        h("span", h("span.muted", "Duration "), fmtDuration(ti.duration ?? (ti.start_date ? secondsBetween(ti.start_date, ti.end_date) : null)) || "—"),
        h("span", h("span.muted", "Run "), badge(run.state))) : null);
  }

  function drawPicker() {
    if (!mapped) {
      fill(picker);
      return;
    }
    fill(picker, h("div.mapped",
      h("span.muted", `${instances.length} mapped instance${instances.length === 1 ? "" : "s"}: `),
      instances.map((i) => h("button.map-index", {
        type: "button", "aria-pressed": String(i.map_index === mapIndex), title: `${i.map_index}: ${i.state || "no status"}`,
        dataset: { state: i.state || "none" },
        onclick: async () => { mapIndex = i.map_index; tryNumber = null; setQuery({ map_index: mapIndex, try: null }); await refresh(); },
      }, String(i.map_index)))));
  }

  function drawTabs() {
    fill(bar, ti ? tabs(TABS, tab, (id) => { tab = id; setQuery({ tab: id === "logs" ? null : id }); drawTabs(); drawTab(); }) : null);
  }

  async function drawTab() {
    if (!ti) {
      fill(body, h("div.empty", "Choose a mapped instance."));
      return;
    }
    const mine = tab;
    const view = await VIEWS[tab]();
    if (mine === tab) fill(body, view);
  }

  const withMap = (extra = {}) => qs({ ...extra, map_index: mapIndex >= 0 ? mapIndex : null });
  const VIEWS = {
    logs: async () => {
      if (!ti.try_number) return h("div.empty", "This task instance has not run yet.");
      const buttons = h("div.tries", h("span.muted", "Try "), Array.from({ length: ti.try_number }, (_, i) => i + 1).map((n) => {
        const known = tries.find((x) => x.try_number === n);
        return h("button.try", { type: "button", "aria-pressed": String(n === tryNumber), dataset: { state: known?.state || "none" },
          title: known ? `${known.state || "no status"} · ${fmtDate(known.start_date)}` : "",
          onclick: () => { tryNumber = n; setQuery({ try: n }); drawTab(); } }, String(n));
      }));
      let content;
      try {
        const log = await get(`${base}/logs/${tryNumber}${withMap()}`);
        content = logView(log.content || []);
      } catch (err) {
        content = h("div.empty", err.status === 404 ? "No log for this try yet." : err.message);
      }
      return h("div", buttons, content);
    },
    xcom: async () => {
      const list = await get(`${base}/xcomEntries${withMap()}`);
      if (!list.xcom_entries.length) return h("div.empty", "No XCom.");
      const rows = await Promise.all(list.xcom_entries.map(async (x) => {
        const full = await get(`${base}/xcomEntries/${enc(x.key)}${qs({ map_index: x.map_index })}`);
        return h("tr", h("td", h("code", x.key)), h("td", mapped ? x.map_index : null), h("td", pre(full.value)));
      }));
      return h("table.list", h("thead", h("tr", h("th", "Key"), h("th", mapped ? "Map index" : ""), h("th", "Value"))), h("tbody", rows));
    },
    rendered: async () => {
      const fields = Object.entries(ti.rendered_fields || {});
      if (!fields.length) return h("div.empty", "No rendered template fields (the task has none, or has not run).");
      return h("table.kv", h("tbody", fields.map(([k, v]) => h("tr", h("th", k), h("td", pre(v))))));
    },
    details: async () => kv([
      ["Task id", ti.task_id], ["Map index", ti.map_index], ["State", badge(ti.state)], ["Try number", ti.try_number],
      ["Max tries", ti.max_tries], ["Operator", ti.operator], ["Hostname", ti.hostname], ["Queued", fmtDate(ti.queued_when)],
      ["Started", fmtDate(ti.start_date)], ["Ended", fmtDate(ti.end_date)], ["Duration", fmtDuration(ti.duration)],
      ["Priority weight", ti.priority_weight], ["Note", ti.note], ["Run", ti.dag_run_id], ["Logical date", fmtDate(ti.logical_date)],
      tries.length ? ["Tries", h("table.list.compact", h("tbody", tries.map((x) => h("tr", h("td", `try ${x.try_number}`), h("td", badge(x.state)),
        h("td", fmtDate(x.start_date)), h("td", fmtDuration(x.duration))))))] : null,
    ]),
  };

  // Redraw only when something changed (a button redrawn under the pointer loses its click);
  // a running try's log is fetched again each time, since it grows.
  let drawnAs = "";
  async function refresh(force = true) {
    [run, instances] = await Promise.all([
      get(runPath(dagId, runId)),
      get(`${runPath(dagId, runId)}/taskInstances${qs({ task_id: taskId, limit: 100 })}`).then((b) => b.task_instances),
    ]);
    await loadInstance();
    const now = JSON.stringify([run, instances, ti, tries, mapIndex, tryNumber, tab]);
    const running = ti && ti.state === "running" && tab === "logs";
    if (!force && now === drawnAs && !running) return;
    if (force || now !== drawnAs) {
      drawHead();
      drawPicker();
      drawTabs();
    }
    drawnAs = now;
    await drawTab();
  }

  await refresh();
  return {
    refresh: () => refresh(false),
    live: () => ACTIVE.has(run.state) || (ti && ACTIVE.has(ti.state)) || instances.some((i) => ACTIVE.has(i.state)),
    interval: 2000,
  };
}

// Airflow 3's structured log: a group naming where the log is kept, then a message per line.
function logView(messages) {
  const sources = messages.flatMap((m) => (m && m.sources) || []);
  const lines = messages.filter((m) => !(typeof m === "object" && String(m.event || "").startsWith("::")));
  return h("div",
    sources.length ? h("div.muted.small", "Log from ", sources.map((s) => h("code", s))) : null,
    lines.length ? h("pre.log", lines.map((m) => {
      const text = typeof m === "string" ? m : String(m.event ?? JSON.stringify(m));
      const level = /\b(ERROR|CRITICAL)\b/.test(text) ? "error" : /\bWARNING\b/.test(text) ? "warning" : "";
      return h("div.log-line", { dataset: { level } }, text);
    })) : h("div.empty", "The log is empty."));
}

// A DAG's page: its header and actions, the grid of runs × tasks, and for the chosen run its
// graph, Gantt chart, code (the version the run is pinned to) and details.

import { get, qs, enc, may, runPath } from "./api.js";
import { h, badge, fmtDate, fmtDuration, secondsBetween, link, legend, stateColor, tabs, kv, pre, toast, ACTIVE, fill } from "./ui.js";
import { triggerDialog, clearRunDialog, markRunDialog } from "./actions.js";
import { pauseToggle } from "./dags.js";
import { drawGraph } from "./graph.js";
import { drawGantt } from "./gantt.js";

const PAGE = 25;
const TABS = [["grid", "Grid"], ["graph", "Graph"], ["gantt", "Gantt"], ["code", "Code"], ["details", "Run details"]];

export async function render({ root, params: [dagId], query, setQuery }) {
  const base = `/dags/${enc(dagId)}`;
  let tab = TABS.some(([id]) => id === query.get("tab")) ? query.get("tab") : "grid";
  let runId = query.get("run_id") || null;
  const collapsed = new Set();
  const [dag, first] = await Promise.all([get(`/api/v2/dags/${enc(dagId)}`), get(`/ui/grid/${enc(dagId)}${qs({ limit: PAGE })}`)]);
  let tasks = first.tasks;
  let runs = first.dag_runs; // newest first
  let next = first.next;

  const head = h("div.dag-head");
  const runBar = h("div.run-bar");
  const tabBar = h("div");
  const body = h("div.tab-body");
  fill(root, h("section.page.dag-page", head, runBar, tabBar, body));

  const selected = () => runs.find((r) => r.dag_run_id === runId) || null;

  function drawHead() {
    const changes = runs.filter((r) => r.version_changed);
    fill(head, 
      h("div.crumbs", link("/", "DAGs"), " / ", h("span", dagId)),
      h("div.title-row",
        pauseToggle(dag, (updated) => { Object.assign(dag, updated); drawHead(); }),
        h("h1", dag.dag_display_name || dagId),
        dag.is_paused ? h("span.chip", "paused") : null,
        (dag.tags || []).map((t) => h("a.chip", { href: `/?tags=${enc(t.name)}` }, t.name)),
        h("span.spacer"),
        may("user") ? h("button.btn.primary", { type: "button", onclick: () => triggerDialog(dagId) }, "▶ Trigger") : null),
      dag.description ? h("p.muted", dag.description) : null,
      h("div.meta",
        h("span", h("span.muted", "Schedule "), h("code", dag.timetable_summary || "None")),
        h("span", h("span.muted", "Next run "), fmtDate(dag.next_dagrun_logical_date || dag.next_dagrun_run_after) || "—"),
        h("span", h("span.muted", "Owner "), (dag.owners || []).join(", ")),
        h("span", h("span.muted", "File "), h("code", dag.relative_fileloc || dag.fileloc))),
      dag.has_import_errors ? h("div.banner.error", { role: "alert" }, "The DAG's file failed to import on its latest change: runs use the last version that imported. See the import errors on the DAG list.") : null,
      changes.length ? h("div.banner.info", "DAG code changed before ",
        changes.slice(0, 3).map((r, i) => [i ? ", " : "", link(`${base}?run_id=${enc(r.dag_run_id)}&tab=code`, r.dag_run_id)]),
        changes.length > 3 ? ` and ${changes.length - 3} more runs` : "", " (marked ┆ in the grid).") : null);
  }

  function drawRunBar() {
    const run = selected();
    if (!runs.length) {
      fill(runBar, h("div.muted", "No runs yet. Trigger one, or unpause the DAG to let its schedule create them."));
      return;
    }
    const select = h("select", { "aria-label": "Run", onchange: () => selectRun(select.value) },
      !run ? h("option", { value: "" }, "Choose a run") : null,
      runs.map((r) => h("option", { value: r.dag_run_id, selected: r.dag_run_id === runId }, `${r.dag_run_id} · ${r.state}`)));
    fill(runBar, 
      h("span.muted", "Run "), select,
      run ? [badge(run.state), h("span.muted", fmtDuration(secondsBetween(run.start_date, run.end_date))),
        may("user") ? h("span.run-actions",
          h("button.btn.small", { type: "button", onclick: async () => (await clearRunDialog(dagId, run.dag_run_id)) && reload() }, "Clear run"),
          h("button.btn.small", { type: "button", onclick: async () => (await markRunDialog(dagId, run.dag_run_id, "success")) && reload() }, "Mark success"),
          h("button.btn.small", { type: "button", onclick: async () => (await markRunDialog(dagId, run.dag_run_id, "failed")) && reload() }, "Mark failed")) : null] : null);
  }

  function selectRun(id) {
    runId = id || null;
    setQuery({ run_id: runId, tab });
    drawRunBar();
    drawTab();
    drawGridSelection();
  }

  function selectTab(id) {
    tab = id;
    if (!runId && runs.length && id !== "grid") runId = runs[0].dag_run_id;
    setQuery({ tab: id === "grid" ? null : id, run_id: runId });
    fill(tabBar, tabs(TABS, tab, selectTab));
    drawRunBar();
    drawTab();
  }

  // -- grid ------------------------------------------------------------------------------
  let gridEl = null;
  function drawGrid() {
    const columns = [...runs].reverse();
    const longest = Math.max(1, ...columns.map((r) => secondsBetween(r.start_date, r.end_date) || 0));
    const hidden = (t) => t.group_id && [...collapsed].some((g) => t.task_id.startsWith(`${g}.`) || isInside(t, g));
    const rows = tasks.filter((t) => !hidden(t));
    const header = h("tr",
      h("th.task-col", h("div.muted.small", `${runs.length} run${runs.length === 1 ? "" : "s"} shown`),
        next ? h("button.btn.small", { type: "button", onclick: older }, "‹ Older runs") : null),
      columns.map((r) => {
        const seconds = secondsBetween(r.start_date, r.end_date) || 0;
        return h("th.run-col", {
          dataset: { runId: r.dag_run_id }, class: r.version_changed ? "run-col version-changed" : "run-col",
          title: `${r.dag_run_id}\n${r.state}\nlogical date ${fmtDate(r.logical_date) || "none"}\nduration ${fmtDuration(seconds)}\nversion ${r.dag_version}${r.version_changed ? " (code changed)" : ""}`,
        }, h("button.run-bar-btn", { type: "button", "aria-label": `Run ${r.dag_run_id}`, onclick: () => selectRun(r.dag_run_id) },
          h("span.run-bar-fill", { style: { height: `${Math.max(4, Math.round((seconds / longest) * 60))}px`, background: stateColor(r.state) } })));
      }));
    const bodyRows = rows.map((t) => h("tr", { dataset: { taskId: t.task_id } },
      h("td.task-col", { style: { paddingLeft: `${8 + t.depth * 14}px` } },
        t.is_group
          ? h("button.group-toggle", { type: "button", "aria-expanded": String(!collapsed.has(t.task_id)),
            onclick: () => { collapsed.has(t.task_id) ? collapsed.delete(t.task_id) : collapsed.add(t.task_id); drawGrid(); } },
          collapsed.has(t.task_id) ? "▸ " : "▾ ", t.label)
          : h("span.task-label", { title: `${t.task_id} (${t.operator})` }, t.label, t.is_mapped ? h("span.muted", " [ ]") : null)),
      columns.map((r) => h("td.cell", { class: r.version_changed ? "cell version-changed" : "cell" }, cell(t, r)))));
    gridEl = h("div.grid-wrap",
      h("table.grid", h("thead", header), h("tbody", bodyRows)),
      legend());
    if (tab === "grid") fill(body, gridEl);
    drawGridSelection();
  }

  function isInside(t, group) {
    let g = t.group_id;
    while (g) {
      if (g === group) return true;
      const parent = tasks.find((x) => x.is_group && x.task_id === g);
      g = parent ? parent.group_id : null;
    }
    return false;
  }

  function cell(t, r) {
    const tis = r.task_instances || {};
    if (t.is_group) {  // the server gives a group the state of its members, as Airflow's grid
      const state = tis[t.task_id] ? tis[t.task_id].state : null;
      return h("span.square.group", { title: `${t.task_id}: ${state || "no status"}`, style: { background: state ? stateColor(state) : "transparent" }, dataset: { state: state || "none" } });
    }
    const ti = tis[t.task_id];
    const state = ti ? ti.state : null;
    const href = `${base}/runs/${enc(r.dag_run_id)}/tasks/${enc(t.task_id)}`;
    const label = `${t.task_id}\n${r.dag_run_id}\n${state || "no status"}${ti && ti.try_number > 1 ? `\ntry ${ti.try_number}` : ""}${ti && ti.map_count != null ? `\n${ti.map_count} mapped` : ""}`;
    return h("a.square", { href, title: label, "aria-label": `${t.task_id} in ${r.dag_run_id}: ${state || "no status"}`,
      dataset: { state: state || "none", taskId: t.task_id, runId: r.dag_run_id },
      style: { background: state ? stateColor(state) : "transparent" } },
      ti && ti.map_count != null ? h("span.map-count", ti.map_count) : null);
  }

  function drawGridSelection() {
    if (!gridEl) return;
    gridEl.querySelectorAll("[data-run-id].selected").forEach((el) => el.classList.remove("selected"));
    if (runId) gridEl.querySelectorAll(`th[data-run-id="${CSS.escape(runId)}"]`).forEach((el) => el.classList.add("selected"));
  }

  async function older() {
    const page = await get(`/ui/grid/${enc(dagId)}${qs({ limit: PAGE, before: next })}`);
    runs = [...runs, ...page.dag_runs.filter((r) => !runs.some((x) => x.dag_run_id === r.dag_run_id))];
    tasks = mergeTasks(tasks, page.tasks);
    next = page.next;
    drawHead();
    drawRunBar();
    drawGrid();
  }

  // -- the other tabs ----------------------------------------------------------------------
  const cache = new Map();
  async function drawTab() {
    if (tab === "grid") {
      drawGrid();
      return;
    }
    const run = selected();
    if (!run && tab !== "code") {
      fill(body, h("div.empty", "Choose a run in the grid or above."));
      return;
    }
    const mine = tab + (runId || "");
    try {
      const view = await TAB_VIEWS[tab](run);
      if (mine === tab + (runId || "")) fill(body, view);
    } catch (err) {
      fill(body, h("div.error-box", err.message));
    }
  }

  const TAB_VIEWS = {
    graph: async (run) => {
      const key = `structure:${run.dag_version}`;
      if (!cache.has(key)) cache.set(key, await get(`/ui/structure/${enc(dagId)}${qs({ run_id: run.dag_run_id })}`));
      return h("div.graph-wrap", drawGraph(cache.get(key), run, (taskId) => `${base}/runs/${enc(run.dag_run_id)}/tasks/${enc(taskId)}`), legend());
    },
    gantt: async (run) => {
      const data = await get(`/ui/gantt/${enc(dagId)}/${enc(run.dag_run_id)}`);
      return drawGantt(data, tasks.filter((t) => !t.is_group), (taskId) => `${base}/runs/${enc(run.dag_run_id)}/tasks/${enc(taskId)}`);
    },
    code: async (run) => {
      const [code, latest] = await Promise.all([
        get(`/ui/code/${enc(dagId)}${qs({ run_id: run ? run.dag_run_id : null })}`),
        cachedLatestCode(),
      ]);
      const older = run && latest.version !== code.version;
      return h("div.code-view",
        h("div.meta", h("span", h("span.muted", "File "), h("code", code.fileloc)),
          h("span", h("span.muted", "Version "), h("code", code.version)),
          code.bundle_version ? h("span", h("span.muted", "Bundle "), h("code", code.bundle_version)) : null,
          run ? h("span.muted", `as run ${run.dag_run_id} ran it`) : h("span.muted", "latest")),
        older ? h("div.banner.info", `This run ran an earlier version of the DAG (${code.version}); the latest is ${latest.version}.`) : null,
        sourceView(code.content));
    },
    details: async (run) => {
      const fresh = await get(runPath(dagId, run.dag_run_id));
      return h("div.details",
        kv([
          ["Run id", fresh.dag_run_id], ["State", badge(fresh.state)], ["Run type", fresh.run_type],
          ["Triggered by", fresh.triggered_by], ["Logical date", fmtDate(fresh.logical_date) || "none"],
          ["Data interval", fresh.data_interval_start ? `${fmtDate(fresh.data_interval_start)} → ${fmtDate(fresh.data_interval_end)}` : "none"],
          ["Run after", fmtDate(fresh.run_after)], ["Queued at", fmtDate(fresh.queued_at)],
          ["Started", fmtDate(fresh.start_date)], ["Ended", fmtDate(fresh.end_date)],
          ["Duration", fmtDuration(fresh.duration ?? secondsBetween(fresh.start_date, fresh.end_date))],
          ["DAG version", h("code", run.dag_version)], ["Bundle version", fresh.bundle_version],
          ["Note", fresh.note],
        ]),
        h("h3", "Configuration (conf)"), pre(fresh.conf || {}));
    },
  };

  let latestCode = null;
  async function cachedLatestCode() {
    if (!latestCode) latestCode = await get(`/ui/code/${enc(dagId)}`);
    return latestCode;
  }

  // The newest page again (older pages loaded by hand are kept), and the DAG's record.
  async function reload() {
    const [page, fresh] = await Promise.all([get(`/ui/grid/${enc(dagId)}${qs({ limit: PAGE })}`), get(`/api/v2/dags/${enc(dagId)}`)]);
    const ids = new Set(page.dag_runs.map((r) => r.dag_run_id));
    const kept = runs.filter((r) => !ids.has(r.dag_run_id) && isOlder(r, page.dag_runs));
    runs = [...page.dag_runs, ...kept];
    if (!kept.length) next = page.next;
    tasks = mergeTasks(page.tasks, tasks);
    Object.assign(dag, fresh);
    // Redraw only what changed: a part redrawn under the pointer loses the click it was getting.
    if (changed("head", [dag, runs.filter((r) => r.version_changed).map((r) => r.dag_run_id)])) drawHead();
    if (changed("runs", runs.map((r) => [r.dag_run_id, r.state, r.start_date, r.end_date]))) drawRunBar();
    if (!changed("grid", [runs, tasks])) return;
    if (tab === "grid") drawGrid();
    else if (tab !== "code") drawTab();
  }

  const drawnAs = {};
  function changed(part, value) {
    const text = JSON.stringify(value);
    if (drawnAs[part] === text) return false;
    drawnAs[part] = text;
    return true;
  }

  changed("head", [dag, runs.filter((r) => r.version_changed).map((r) => r.dag_run_id)]);
  changed("runs", runs.map((r) => [r.dag_run_id, r.state, r.start_date, r.end_date]));
  changed("grid", [runs, tasks]);
  drawHead();
  fill(tabBar, tabs(TABS, tab, selectTab));
  drawRunBar();
  await drawTab();
  return {
    refresh: reload,
    live: () => runs.some((r) => ACTIVE.has(r.state)),
    interval: 2000,
  };
}

// Runs older than the newest page's oldest run (kept when a refresh reloads the newest page).
function isOlder(run, page) {
  const oldest = page[page.length - 1];
  return oldest && `${run.run_after}#${run.dag_run_id}` < `${oldest.run_after}#${oldest.dag_run_id}`;
}

// The tasks of `primary` in its order, then those only `other` has.
function mergeTasks(primary, other) {
  const seen = new Set(primary.map((t) => t.task_id));
  return [...primary, ...other.filter((t) => !seen.has(t.task_id))];
}

// The DAG file's source with line numbers and light highlighting.
function sourceView(text) {
  const lines = (text || "").split("\n");
  return h("div.source", h("table", h("tbody", lines.map((line, i) => h("tr",
    h("td.ln", String(i + 1)), h("td.src", highlight(line)))))));
}

function highlight(line) {
  const comment = line.indexOf("#");
  const parts = [];
  const code = comment >= 0 && !/["']/.test(line.slice(0, comment)) ? line.slice(0, comment) : line;
  let last = 0;
  for (const m of code.matchAll(/("[^"]*"|'[^']*')|\b(from|import|as|def|class|return|with|if|elif|else|for|in|while|try|except|finally|raise|yield|lambda|and|or|not|is|None|True|False|pass)\b|(@[\w.]+)/g)) {
    parts.push(code.slice(last, m.index));
    parts.push(h(m[1] ? "span.str" : m[2] ? "span.kw" : "span.deco", m[0]));
    last = m.index + m[0].length;
  }
  parts.push(code.slice(last));
  if (code !== line) parts.push(h("span.comment", line.slice(code.length)));
  return parts;
}

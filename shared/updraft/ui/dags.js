// The DAG list: pause toggles, schedules, owners, tags, last and next run, the newest run's
// task states; search by id, filter by tag and by paused; import errors as a banner.

import { get, patch, qs, enc, may } from "./api.js";
import { h, badge, fmtDate, link, pager, stateColor, toast, STATES, fill } from "./ui.js";
import { triggerDialog } from "./actions.js";

const LIMIT = 25;

export async function render({ root, query, setQuery }) {
  const filters = {
    search: query.get("search") || "",
    tags: query.getAll("tags"),
    paused: query.get("paused") || "",
    offset: Number(query.get("offset") || 0),
  };
  const banner = h("div");
  const table = h("div.table-wrap");
  const count = h("span.muted");
  const tagBar = h("div.tag-filter");
  const search = h("input.search", {
    type: "search", placeholder: "Search DAGs", value: filters.search, "aria-label": "Search DAGs",
    oninput: debounce(() => { filters.search = search.value.trim(); filters.offset = 0; load(); }, 250),
  });
  const status = h("div.segmented", [["", "All"], ["false", "Active"], ["true", "Paused"]].map(([value, label]) =>
    h("button.btn.small", { type: "button", "aria-pressed": String(filters.paused === value), dataset: { paused: value },
      onclick: () => { filters.paused = value; filters.offset = 0; load(); } }, label)));

  fill(root, h("section.page",
    h("div.page-head", h("h1", "DAGs"), count),
    banner,
    h("div.toolbar", search, status, tagBar),
    table));

  // The latest request wins (typing in the search box sends several), and a refresh that
  // brings nothing new leaves the page as it is (an open banner, a row being clicked).
  let latest = 0;
  let shown = "";
  async function load(quiet = false) {
    setQuery({ search: filters.search, tags: filters.tags, paused: filters.paused, offset: filters.offset || "" });
    const mine = ++latest;
    const body = await get(`/ui/dags${qs({ limit: LIMIT, offset: filters.offset, search: filters.search, tags: filters.tags, paused: filters.paused })}`);
    const drawn = JSON.stringify([body, filters]);
    if (mine !== latest || (quiet && drawn === shown)) return;
    shown = drawn;
    for (const button of status.children) button.setAttribute("aria-pressed", String(button.dataset.paused === filters.paused));
    count.textContent = `${body.total_entries.toLocaleString()} DAG${body.total_entries === 1 ? "" : "s"}`;
    fill(banner, importErrors(body.import_errors || []));
    fill(tagBar, ...filters.tags.map((t) => h("button.chip.active", { type: "button", title: "Remove this tag filter",
      onclick: () => { filters.tags = filters.tags.filter((x) => x !== t); filters.offset = 0; load(); } }, t, " ×")));
    // A toggled DAG may leave the list only when it is filtered by paused.
    fill(table, dagTable(body.dags, { onTag, onChanged: () => filters.paused && load(true) }),
      pager(filters.offset, LIMIT, body.total_entries, (offset) => { filters.offset = offset; load(); }));
    if (!quiet) window.scrollTo(0, 0);
  }

  function onTag(tag) {
    if (!filters.tags.includes(tag)) filters.tags = [...filters.tags, tag];
    filters.offset = 0;
    load();
  }

  await load();
  return { refresh: () => load(true), interval: 5000 };
}

function importErrors(errors) {
  if (!errors.length) return null;
  return h("details.banner.error", { role: "alert" },
    h("summary", `DAG import error${errors.length === 1 ? "" : "s"} (${errors.length})`),
    errors.map((e) => h("div.import-error", h("div.file", e.filename), h("pre.code", e.stack_trace))));
}

function dagTable(dags, { onTag, onChanged }) {
  if (!dags.length) return h("div.empty", "No DAG matches. DAG files uploaded under the bucket's dags/ prefix appear here once parsed.");
  return h("table.list",
    h("thead", h("tr",
      h("th", { title: "Paused DAGs create no runs" }, ""), h("th", "DAG"), h("th", "Schedule"), h("th", "Owner"),
      h("th", "Last run"), h("th", "Next run"), h("th", "Recent tasks"), h("th", ""))),
    h("tbody", dags.map((d) => dagRow(d, onTag, onChanged))));
}

function dagRow(d, onTag, onChanged) {
  const last = (d.latest_dag_runs || [])[0];
  const href = `/dags/${enc(d.dag_id)}`;
  return h("tr", { dataset: { dagId: d.dag_id } },
    h("td", pauseToggle(d, onChanged)),
    h("td.dag-cell",
      h("div", link(href, h("strong", d.dag_display_name || d.dag_id)),
        d.has_import_errors ? h("span.chip.error", { title: "The DAG's file failed to import" }, "import error") : null),
      h("div.tags", (d.tags || []).map((t) => h("button.chip", { type: "button", onclick: () => onTag(t.name) }, t.name)))),
    h("td", h("code", d.timetable_summary || "None"), d.timetable_description ? h("div.muted.small", d.timetable_description) : null),
    h("td", (d.owners || []).join(", ")),
    h("td", last ? h("div.run-summary",
      link(`${href}?run_id=${enc(last.dag_run_id)}`, badge(last.state)),
      h("div.muted.small", fmtDate(last.logical_date || last.run_after)),
      runDots(d.latest_dag_runs, href)) : h("span.muted", "never")),
    h("td", d.next_dagrun_logical_date || d.next_dagrun_run_after
      ? fmtDate(d.next_dagrun_logical_date || d.next_dagrun_run_after) : h("span.muted", "—")),
    h("td", taskStates(d.latest_run_task_states || {})),
    h("td.actions", may("user") ? h("button.btn.small", { type: "button", title: "Trigger DAG", "aria-label": `Trigger ${d.dag_id}`,
      onclick: () => triggerDialog(d.dag_id) }, "▶ Trigger") : null));
}

// The latest runs as small coloured bars, newest last (as Airflow's "Runs" column).
function runDots(runs, href) {
  return h("div.run-dots", [...(runs || [])].reverse().map((r) =>
    h("a.run-dot", { href: `${href}?run_id=${enc(r.dag_run_id)}`, title: `${r.dag_run_id}: ${r.state}`,
      style: { background: stateColor(r.state) } })));
}

function taskStates(counts) {
  const present = STATES.filter((s) => counts[s]);
  if (!present.length) return h("span.muted", "—");
  return h("div.state-counts", present.map((s) =>
    h("span.count", { title: `${counts[s]} ${s.replace(/_/g, " ")}`, dataset: { state: s }, style: { borderColor: stateColor(s) } }, counts[s])));
}

export function pauseToggle(d, onChanged) {
  const box = h("input", { type: "checkbox", checked: !d.is_paused, disabled: !may("user"),
    "aria-label": `${d.is_paused ? "Unpause" : "Pause"} ${d.dag_id}`, title: d.is_paused ? "Paused: click to unpause" : "Active: click to pause",
    onchange: async () => {
      box.disabled = true;
      try {
        const updated = await patch(`/api/v2/dags/${enc(d.dag_id)}?update_mask=is_paused`, { is_paused: !box.checked });
        d.is_paused = updated.is_paused;
        toast(`${d.dag_id} ${updated.is_paused ? "paused" : "unpaused"}`);
        if (onChanged) onChanged(updated);
      } catch (err) {
        box.checked = !box.checked;
        toast(err.message, "error");
      } finally {
        box.disabled = !may("user");
      }
    } });
  return h("label.switch", box, h("span.slider"));
}

function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

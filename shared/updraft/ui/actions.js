// The actions that change runs and task instances: trigger, clear, mark success / failed.
// Clear and mark first ask the API for a dry run and list what will change.

import { get, post, patch, enc, runPath, tiPath } from "./api.js";
import { h, badge, dialog, jsonError, toast, fill } from "./ui.js";
import { navigate } from "./main.js";

// A DAG's params as the conf a trigger starts from: each param's default.
function defaultConf(params) {
  const conf = {};
  for (const [key, param] of Object.entries(params || {})) {
    conf[key] = param && typeof param === "object" && "default" in param ? param.default : param;
    if (conf[key] === undefined) conf[key] = null;
  }
  return conf;
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export async function triggerDialog(dagId) {
  let details = {};
  try {
    details = await get(`/api/v2/dags/${enc(dagId)}/details`);
  } catch (err) {
    toast(err.message, "error");
    return null;
  }
  const params = details.params || {};
  const logical = h("input", { type: "datetime-local", step: "1", name: "logical_date", value: localInputValue(new Date()) });
  const noDate = h("input", { type: "checkbox", name: "no_logical_date",
    onchange: () => { logical.disabled = noDate.checked; } });
  const runId = h("input", { name: "dag_run_id", placeholder: "manual__<logical date> when empty" });
  const conf = h("textarea.json", { name: "conf", rows: 10, spellcheck: false, value: JSON.stringify(defaultConf(params), null, 2) });
  const confError = h("div.field-error");
  conf.addEventListener("input", () => { confError.textContent = jsonError(conf.value) || ""; });
  const note = h("input", { name: "note", placeholder: "optional" });
  const paramHelp = Object.entries(params).filter(([, p]) => p && p.description).map(([k, p]) => h("li", h("code", k), ": ", p.description));
  const body = h("div.form",
    h("label", "Logical date (your time zone)", logical),
    h("label.inline", noDate, "Run without a logical date"),
    h("label", "Run id", runId),
    h("label", "Configuration JSON (conf)", conf), confError,
    paramHelp.length ? h("ul.muted.small", paramHelp) : null,
    h("label", "Note", note));
  const run = await dialog(`Trigger ${dagId}`, body, [
    { label: "Cancel", value: null },
    {
      label: "Trigger", primary: true,
      action: async () => {
        const problem = jsonError(conf.value);
        if (problem) throw new Error(`The conf is not valid JSON: ${problem}`);
        const parsed = JSON.parse(conf.value || "{}");
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("The conf must be a JSON object");
        const request = { conf: parsed, logical_date: null };
        if (!noDate.checked) {
          if (!logical.value) throw new Error("Choose a logical date, or run without one");
          request.logical_date = new Date(logical.value).toISOString();
        }
        if (runId.value.trim()) request.dag_run_id = runId.value.trim();
        if (note.value.trim()) request.note = note.value.trim();
        return post(`/api/v2/dags/${enc(dagId)}/dagRuns`, request);
      },
    },
  ]);
  if (run) {
    toast(`Triggered ${dagId}: ${run.dag_run_id}`);
    navigate(`/dags/${enc(dagId)}?run_id=${enc(run.dag_run_id)}`);
  }
  return run;
}

function tiList(tis) {
  if (!tis.length) return h("p.muted", "Nothing to change.");
  return h("div.affected", h("p", `${tis.length} task instance${tis.length === 1 ? "" : "s"}:`),
    h("table.list.compact", h("tbody", tis.map((ti) => h("tr",
      h("td", ti.task_id, ti.map_index >= 0 ? h("span.muted", ` [${ti.map_index}]`) : null),
      h("td.muted", ti.dag_run_id), h("td", badge(ti.state)))))));
}

// Clear a task instance (and its relatives): options, then the dry run's list, then confirm.
export async function clearDialog(dagId, runId, taskId, mapIndex = -1) {
  const opts = {
    include_downstream: h("input", { type: "checkbox", name: "include_downstream", checked: true }),
    include_upstream: h("input", { type: "checkbox", name: "include_upstream" }),
    only_failed: h("input", { type: "checkbox", name: "only_failed" }),
  };
  const preview = h("div.preview");
  const request = (dryRun) => ({
    dry_run: dryRun, dag_run_id: runId,
    task_ids: [mapIndex >= 0 ? [taskId, mapIndex] : taskId],
    include_downstream: opts.include_downstream.checked,
    include_upstream: opts.include_upstream.checked,
    only_failed: opts.only_failed.checked,
    reset_dag_runs: true,
  });
  const refresh = async () => {
    try {
      const body = await post(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, request(true));
      fill(preview, tiList(body.task_instances || []));
    } catch (err) {
      fill(preview, h("div.field-error", err.message));
    }
  };
  Object.values(opts).forEach((box) => box.addEventListener("change", refresh));
  await refresh();
  const body = h("div.form",
    h("div.options",
      h("label.inline", opts.include_downstream, "Downstream"),
      h("label.inline", opts.include_upstream, "Upstream"),
      h("label.inline", opts.only_failed, "Only failed")),
    preview);
  const done = await dialog(`Clear ${taskId}${mapIndex >= 0 ? ` [${mapIndex}]` : ""}`, body, [
    { label: "Cancel", value: null },
    { label: "Clear", primary: true, action: () => post(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, request(false)) },
  ]);
  if (done) toast(`Cleared ${(done.task_instances || []).length} task instance(s)`);
  return done;
}

// Mark a task instance success or failed (and its relatives), after listing what changes.
export async function markDialog(dagId, runId, taskId, mapIndex, state) {
  const path = tiPath(dagId, runId, taskId) + (mapIndex >= 0 ? `/${mapIndex}` : "");
  const opts = {
    include_downstream: h("input", { type: "checkbox", name: "include_downstream" }),
    include_upstream: h("input", { type: "checkbox", name: "include_upstream" }),
  };
  const preview = h("div.preview");
  const request = () => ({ new_state: state, include_downstream: opts.include_downstream.checked, include_upstream: opts.include_upstream.checked });
  const refresh = async () => {
    try {
      const body = await patch(`${path}/dry_run`, request());
      fill(preview, tiList(body.task_instances || []));
    } catch (err) {
      fill(preview, h("div.field-error", err.message));
    }
  };
  Object.values(opts).forEach((box) => box.addEventListener("change", refresh));
  await refresh();
  const done = await dialog(`Mark ${taskId} as ${state}`, h("div.form",
    h("div.options", h("label.inline", opts.include_downstream, "Downstream"), h("label.inline", opts.include_upstream, "Upstream")),
    preview), [
    { label: "Cancel", value: null },
    { label: `Mark ${state}`, primary: state === "success", danger: state === "failed", action: () => patch(path, request()) },
  ]);
  if (done) toast(`Marked ${taskId} ${state}`);
  return done;
}

// Clear a whole run (all its task instances, or only the failed ones).
export async function clearRunDialog(dagId, runId) {
  const onlyFailed = h("input", { type: "checkbox", name: "only_failed" });
  const preview = h("div.preview");
  const refresh = async () => {
    try {
      const body = await post(`${runPath(dagId, runId)}/clear`, { dry_run: true, only_failed: onlyFailed.checked });
      fill(preview, tiList(body.task_instances || []));
    } catch (err) {
      fill(preview, h("div.field-error", err.message));
    }
  };
  onlyFailed.addEventListener("change", refresh);
  await refresh();
  const done = await dialog(`Clear run ${runId}`, h("div.form", h("label.inline", onlyFailed, "Only failed"), preview), [
    { label: "Cancel", value: null },
    { label: "Clear", primary: true, action: () => post(`${runPath(dagId, runId)}/clear`, { dry_run: false, only_failed: onlyFailed.checked }) },
  ]);
  if (done) toast(`Cleared run ${runId}`);
  return done;
}

export async function markRunDialog(dagId, runId, state) {
  const done = await dialog(`Mark run ${runId} as ${state}`,
    h("p", state === "success"
      ? "Every unfinished task instance of the run is marked success, and the run success."
      : "Running task instances are marked failed, the other unfinished ones skipped, and the run failed."), [
      { label: "Cancel", value: null },
      { label: `Mark ${state}`, primary: state === "success", danger: state === "failed", action: () => patch(runPath(dagId, runId), { state }) },
    ]);
  if (done) toast(`Marked run ${runId} ${state}`);
  return done;
}

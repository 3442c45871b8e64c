// The Gantt view of a run: every try of every task instance on one time axis, the wait from
// queued to start in grey and the try itself in its state's colour: where the time went.

import { h, fmtDate, fmtDuration, stateColor } from "./ui.js";

const ROW = 24, LABEL = 220, WIDTH = 900, MAX_ROWS = 300;

export function drawGantt(data, tasks, hrefOf) {
  const tries = data.tries.filter((t) => t.start_date || t.queued_at);
  if (!tries.length) return h("div.empty", "Nothing has started in this run yet.");
  const now = Date.now();
  const t = (v) => (v ? new Date(v).getTime() : null);
  const start = Math.min(...tries.map((x) => t(x.queued_at) ?? t(x.start_date)));
  const end = Math.max(...tries.map((x) => t(x.end_date) ?? (x.start_date ? now : t(x.queued_at))), start + 1);
  const scale = (v) => ((v - start) / (end - start)) * WIDTH;

  const order = new Map(tasks.map((task, i) => [task.task_id, i]));
  const rows = new Map();
  for (const x of tries) {
    const key = `${x.task_id}#${x.map_index}`;
    if (!rows.has(key)) rows.set(key, { task_id: x.task_id, map_index: x.map_index, tries: [] });
    rows.get(key).tries.push(x);
  }
  const sorted = [...rows.values()].sort((a, b) =>
    (order.get(a.task_id) ?? 1e9) - (order.get(b.task_id) ?? 1e9) || a.map_index - b.map_index);
  const shown = sorted.slice(0, MAX_ROWS);

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h("span.tick", { style: { left: `${LABEL + f * WIDTH}px` } },
    fmtDuration(((end - start) / 1000) * f)));
  return h("div.gantt", { style: { width: `${LABEL + WIDTH + 90}px` } },
    h("div.gantt-axis", ticks, h("span.muted.small.gantt-start", `from ${fmtDate(new Date(start).toISOString())}`)),
    shown.map((row) => h("div.gantt-row", { style: { height: `${ROW}px` }, dataset: { taskId: row.task_id } },
      h("a.gantt-label", { href: hrefOf(row.task_id) + (row.map_index >= 0 ? `?map_index=${row.map_index}` : ""), style: { width: `${LABEL}px` } },
        row.task_id, row.map_index >= 0 ? h("span.muted", ` [${row.map_index}]`) : null),
      row.tries.map((x) => {
        const queued = t(x.queued_at), began = t(x.start_date), ended = t(x.end_date) ?? (began ? now : null);
        const title = `${x.task_id}${x.map_index >= 0 ? ` [${x.map_index}]` : ""} try ${x.try_number}: ${x.state || "no status"}\nqueued ${fmtDate(x.queued_at)}\nstarted ${fmtDate(x.start_date)}\nended ${fmtDate(x.end_date)}`;
        return [
          queued && began && began > queued ? h("span.gantt-wait", { title, style: { left: `${LABEL + scale(queued)}px`, width: `${Math.max(1, scale(began) - scale(queued))}px` } }) : null,
          began ? h("span.gantt-bar", { title, dataset: { state: x.state || "none", try: x.try_number },
            style: { left: `${LABEL + scale(began)}px`, width: `${Math.max(2, scale(ended) - scale(began))}px`, background: stateColor(x.state) } },
          h("span.gantt-dur", fmtDuration((ended - began) / 1000))) : null,
        ];
      }))),
    sorted.length > MAX_ROWS ? h("p.muted", `${sorted.length - MAX_ROWS} more task instances not shown.`) : null);
}

// One state for many task instances (a mapped task, a task group), as Airflow's grid picks it:
// the first of these present.
const PRIORITY = [
  "failed", "upstream_failed", "up_for_retry", "up_for_reschedule", "running", "restarting", "deferred",
  "queued", "scheduled", "success", "skipped", "removed",
];

export function aggregate(states) {
  const present = new Set(states.filter(Boolean));
  if (!present.size) return null;
  return PRIORITY.find((s) => present.has(s)) || [...present][0];
}

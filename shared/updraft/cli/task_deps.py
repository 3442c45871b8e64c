"""Why a task instance is not running (`updraft tasks failed-deps`), from what the store keeps:
the run's state, the task instance's state and retry time, and the upstream tallies its
trigger rule is decided on. Names and wording follow Airflow's dependencies (DagrunRunningDep,
ValidStateDep, TaskNotRunningDep, NotInRetryPeriodDep, TriggerRuleDep)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from updraft.models.records import DagRun, TaskInstance
from updraft.models.serialized import tasks_by_id
from updraft.models.states import FINISHED_STATES, DagRunState
from updraft.models.states import TaskInstanceState as TIS, TriggerRule as TR
from updraft.models.trigger_rules import Decision, Tally, decide
from updraft.timeutil import iso, parse_iso

Dep = tuple[str, str]  # (dependency name, why it is not met)


def failed_deps(
    run: DagRun, serialized: dict[str, Any], task: dict[str, Any], ti: TaskInstance | None, now: datetime
) -> list[Dep]:
    failed: list[Dep] = []
    if run.state is not DagRunState.RUNNING:
        failed.append(("Dagrun Running", "Task instance's dagrun was not in the 'running' state but in the "
                                         f"state '{run.state}'."))
    state = ti.state if ti is not None else TIS.NONE
    if state in FINISHED_STATES:
        failed.append(("Task Instance State", f"Task is in the '{state}' state which is not a valid state for "
                                              "execution. The task must be cleared in order to be run."))
    elif state is TIS.RUNNING:
        failed.append(("Task Instance Not Running", "Task is in the running state"))
    elif state is TIS.QUEUED:
        failed.append(("Task Instance State", "Task is in the 'queued' state: its message is on the task "
                                              "queue, waiting for a worker."))
    elif state is TIS.SCHEDULED:
        length = ti.map_length if ti is not None else None
        failed.append(("Task Instance State", f"Task is mapped and expanded into {length} instances: "
                                              "ask for one of them with --map-index."))
    elif state is TIS.UP_FOR_RETRY and ti is not None:
        retry_at = parse_iso(ti.next_retry_at)
        if retry_at is not None and retry_at > now:
            failed.append(("Not In Retry Period", "Task is not ready for retry yet but will be retried "
                                                  f"automatically. Current date is {iso(now)} and task will "
                                                  f"be retried at {iso(retry_at)}."))
    elif state is TIS.UP_FOR_RESCHEDULE:
        failed.append(("Ready To Reschedule", "Task is waiting to be rescheduled; the scheduler queues it "
                                              "again when it is due."))
    elif state is TIS.NONE:
        reason = trigger_rule_reason(task, ti, tasks_by_id(serialized) if serialized.get("tasks") else {})
        if reason:
            failed.append(("Trigger Rule", reason))
    return failed


def tally_of(task: dict[str, Any], ti: TaskInstance | None, tasks: dict[str, Any] | None = None) -> Tally:
    """The upstream counts the engine keeps on the task instance (none yet without an item),
    as the engine reads them (setups, indirect setups and a teardown's scope apart)."""
    from updraft.models.setup_teardown import tally_of as engine_tally

    task = {"upstream": [], **task}
    return engine_tally(tasks or {}, task, ti or TaskInstance("", "", str(task.get("task_id", ""))))


def trigger_rule_reason(
    task: dict[str, Any], ti: TaskInstance | None, tasks: dict[str, Any] | None = None
) -> str | None:
    """Why the trigger rule does not let the task run yet, in Airflow's words; None if it does."""
    rule = TR(str(task.get("trigger_rule") or TR.ALL_SUCCESS))
    t = tally_of(task, ti, tasks)
    if decide(rule, t) is Decision.RUN:
        return None
    n, s, f, k, uf = t.total, t.success, t.failed, t.skipped, t.upstream_failed
    not_done = n - t.done
    states = {"success": s, "skipped": k, "failed": f, "upstream_failed": uf, "removed": t.removed, "done": t.done}
    suffix = f"upstream_states={states}, upstream_task_ids={sorted(task.get('upstream', []))}"
    if t.indirect_success < t.indirect_setups:  # Airflow's setup constraint, checked first
        return (f"All setup tasks must complete successfully. Relevant setups: "
                f"{sorted(task.get('indirect_setups', []))}: {suffix}")
    if t.scope_done < t.scope and decide(rule, replace(t, scope=0)) is Decision.RUN:
        return (f"Task's trigger rule '{rule}' requires all tasks between setup and teardown to have "
                f"completed, but found {t.scope - t.scope_done} in-scope task(s) not done. "
                f"in_scope_task_ids={_set_text(task.get('teardown_scope', []))}")
    text = {
        TR.ONE_SUCCESS: "requires one upstream task success, but none were found.",
        TR.ONE_FAILED: "requires one upstream task failure, but none were found.",
        TR.ONE_DONE: "requires at least one upstream task failure or success but none were failed or success.",
        TR.ALL_SUCCESS: f"requires all upstream tasks to have succeeded, but found {n - s} non-success(es).",
        TR.ALL_FAILED: f"requires all upstream tasks to have failed, but found {n - f - uf} non-failure(s).",
        TR.ALL_DONE: f"requires all upstream tasks to have completed, but found {not_done} task(s) that were not done.",
        TR.NONE_FAILED: (
            f"requires all upstream tasks to have succeeded or been skipped, but found {n - s - k} non-success(es)."
        ),
        TR.NONE_FAILED_MIN_ONE_SUCCESS: (
            f"requires all upstream tasks to have succeeded or been skipped, but found {n - s - k} non-success(es)."
            if n - s - k > 0 else "requires at least one upstream task to have succeeded, but none were found."
        ),
        TR.NONE_SKIPPED: (
            f"requires all upstream tasks to not have been skipped, but found {k} task(s) skipped."
            if k else f"requires all upstream tasks to have completed, but found {not_done} task(s) that were not done."
        ),
        TR.ALL_SKIPPED: (
            f"requires all upstream tasks to have been skipped, but found {n - k} task(s) in non skipped state."
        ),
        TR.ALL_DONE_SETUP_SUCCESS: (
            f"requires all upstream tasks to have completed, but found {not_done} task(s) that were not done."
            if not_done > 0 else f"requires at least one upstream setup task be successful, but found "
            f"{t.setups - t.setup_success} task(s) that were not."
        ),
        TR.ALL_DONE_MIN_ONE_SUCCESS: (
            f"requires all upstream tasks to have completed, but found {not_done} task(s) that were not done."
            if not_done > 0 else "requires at least one upstream task to have succeeded, but none were found."
        ),
    }.get(rule, "is not met.")
    return f"Task's trigger rule '{rule}' {text} {suffix}"


def _set_text(items: list[str]) -> str:
    """A set as Python prints one (Airflow's message does), in a stable order."""
    return "{" + ", ".join(repr(i) for i in sorted(set(items))) + "}" if items else "set()"

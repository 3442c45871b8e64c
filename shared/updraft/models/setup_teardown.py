"""Setups and teardowns in the engine: what each task needs to know of them, worked out once
from the serialized graph, and the tallies the trigger rules read.

Airflow reads the whole run to decide (trigger_rule_dep.py `_evaluate_setup_constraint` and
`_evaluate_teardown_scope`; dagrun.py `_tis_for_dagrun_state`). Here the serialized DAG says,
for the few tasks that need it, which other tasks count for them beyond their direct
upstreams: a task's *indirect setups*, a teardown's *scope*. Those tasks report to it as an
upstream does (`notifies`), into the same tally sets, so a decision still costs one write per
edge and reads only the task instance decided. A DAG without setups or teardowns gets none of
these fields, so its serialized form and hash are as before."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from updraft.models.mapping import upstream_total
from updraft.models.states import TriggerRule
from updraft.models.trigger_rules import Tally

Tasks = Mapping[str, Mapping[str, Any]]


# -- the graph (Airflow's DAGNode helpers, on serialized tasks) --------------------------
def flat_relatives(tasks: Tasks, task_id: str, direction: str) -> set[str]:
    """Every task upstream (or downstream) of `task_id`, however far."""
    found: set[str] = set()
    frontier = list(tasks[task_id][direction])
    while frontier:
        current = frontier.pop()
        if current not in found:
            found.add(current)
            frontier.extend(tasks[current][direction])
    return found


def _teardowns_after(tasks: Tasks, task_id: str) -> list[str]:
    return [d for d in tasks[task_id]["downstream"] if tasks[d].get("is_teardown")]


def relevant_setups_and_teardowns(tasks: Tasks, task_id: str) -> set[str]:
    """Airflow's `get_upstreams_only_setups_and_teardowns`: the setups upstream of the task
    that have no teardown or a teardown downstream of it, and their teardowns."""
    downstream_teardowns = {t for t in flat_relatives(tasks, task_id, "downstream") if tasks[t].get("is_teardown")}
    found: set[str] = set()
    for up in flat_relatives(tasks, task_id, "upstream"):
        if not tasks[up].get("is_setup"):
            continue
        teardowns = _teardowns_after(tasks, up)
        if not teardowns or downstream_teardowns.intersection(tasks[up]["downstream"]):
            found.add(up)
            found.update(t for t in teardowns if t != task_id)
    return found


def upstreams_follow_setups(tasks: Tasks, task_id: str) -> set[str]:
    """Airflow's `get_upstreams_follow_setups`: all upstreams, and each upstream setup's teardowns."""
    found: set[str] = set()
    for up in flat_relatives(tasks, task_id, "upstream"):
        found.add(up)
        if tasks[up].get("is_setup"):
            found.update(t for t in _teardowns_after(tasks, up) if t != task_id)
    return found


def with_setups_and_teardowns(
    tasks: Tasks, matched: Iterable[str], *, include_upstream: bool, include_downstream: bool
) -> set[str]:
    """What Airflow's `partial_subset` adds to the matched tasks (clearing a task clears its
    setups and teardowns): relatives as asked, plus the setups and teardowns they need."""
    matched = set(matched)
    found = set(matched)
    for task_id in matched:
        task = tasks[task_id]
        marked = task.get("is_setup") or task.get("is_teardown")
        if include_downstream:
            for rel in flat_relatives(tasks, task_id, "downstream"):
                found.add(rel)
                if rel not in matched and not (tasks[rel].get("is_setup") or tasks[rel].get("is_teardown")):
                    found |= relevant_setups_and_teardowns(tasks, rel)
        if include_upstream:
            found |= upstreams_follow_setups(tasks, task_id)
        elif not marked:
            found |= relevant_setups_and_teardowns(tasks, task_id)
        if task.get("is_setup") and not include_downstream:
            found.update(_teardowns_after(tasks, task_id))
    return found


# -- what serialization adds --------------------------------------------------------------
def annotate(serialized_tasks: list[dict[str, Any]]) -> None:
    """Add, where they apply, `indirect_setups`, `teardown_scope`, `notifies` and
    `dagrun_leaf` to the serialized tasks of a DAG that has setups or teardowns."""
    tasks = {t["task_id"]: t for t in serialized_tasks}
    if not any(t.get("is_setup") or t.get("is_teardown") for t in serialized_tasks):
        return
    notifies: dict[str, set[str]] = {}
    for setup_id, task in tasks.items():
        if not task.get("is_setup"):
            continue
        teardowns = _teardowns_after(tasks, setup_id)
        scope = flat_relatives(tasks, setup_id, "downstream")
        if teardowns:
            before = set().union(*(flat_relatives(tasks, t, "upstream") for t in teardowns))
            scope &= before
        for task_id in scope:
            down = tasks[task_id]
            if not down.get("is_teardown") and setup_id not in down["upstream"]:
                down.setdefault("indirect_setups", []).append(setup_id)
                notifies.setdefault(setup_id, set()).add(task_id)
    for teardown_id, task in tasks.items():
        if not task.get("is_teardown"):
            continue
        setups = [u for u in task["upstream"] if tasks[u].get("is_setup")]
        indirect = flat_relatives(tasks, teardown_id, "upstream") - set(task["upstream"])
        scope = set()
        for setup_id in setups:
            scope |= indirect & flat_relatives(tasks, setup_id, "downstream")
        if scope:
            task["teardown_scope"] = sorted(scope)
            for task_id in scope:
                notifies.setdefault(task_id, set()).add(teardown_id)
    for task in tasks.values():
        if "indirect_setups" in task:
            task["indirect_setups"] = sorted(task["indirect_setups"])
    for task_id, ids in notifies.items():
        tasks[task_id]["notifies"] = sorted(ids)
    _mark_run_leaves(tasks)


def _ignorable(task: Mapping[str, Any]) -> bool:
    """A teardown left out of the run's state (not on_failure_fail_dagrun)."""
    return bool(task.get("is_teardown")) and not task.get("on_failure_fail_dagrun")


def _mark_run_leaves(tasks: Mapping[str, dict[str, Any]]) -> None:
    """Airflow's `_tis_for_dagrun_state`: a task counts for the run's state if everything
    after it is an ignorable teardown and it is not one itself; if no task does, the leaves
    do. `dagrun_leaf` is set only where that differs from having no downstream task."""
    leaves = {
        task_id for task_id, task in tasks.items()
        if not _ignorable(task) and all(_ignorable(tasks[d]) for d in task["downstream"])
    }
    if not leaves:
        leaves = {task_id for task_id, task in tasks.items() if not task["downstream"]}
    for task_id, task in tasks.items():
        if (task_id in leaves) != (not task["downstream"]):
            task["dagrun_leaf"] = task_id in leaves


# -- what the engine reads ---------------------------------------------------------------
def counts_for_run_state(task: Mapping[str, Any]) -> bool:
    """Whether this task failing (or upstream_failed) fails its run."""
    return bool(task.get("dagrun_leaf", not task["downstream"]))


def notified(task: Mapping[str, Any]) -> list[str]:
    """The task instances that tally this one's end: its downstream, and those it is an
    indirect setup of or in the scope of."""
    extra = task.get("notifies")
    return [*task["downstream"], *extra] if extra else list(task["downstream"])


def reported_by(task: Mapping[str, Any]) -> list[str]:
    """The tasks that tally on this one beyond its direct upstreams (see `notified`)."""
    return [*task.get("indirect_setups", ()), *task.get("teardown_scope", ())]


def needs_setup_tally(task: Mapping[str, Any]) -> bool:
    """Whether deciding the task needs more than its direct upstreams' counts (so it cannot
    be queued from one upstream's state alone)."""
    return bool(task.get("is_teardown") or task.get("indirect_setups") or task.get("teardown_scope")
                or task.get("trigger_rule") == TriggerRule.ALL_DONE_SETUP_SUCCESS.value)


def _count(keys: Iterable[str], ids: set[str]) -> int:
    """How many tally keys (`task` or `task#map_index`) belong to the tasks in `ids`."""
    return sum(1 for key in keys if key.partition("#")[0] in ids)


def tally_of(tasks: Tasks, task: Mapping[str, Any], ti: Any) -> Tally:
    """The trigger rule's counts for a task instance, from its tally sets: its direct
    upstreams (of which the setups, for all_done_setup_success), its indirect setups and its
    scope. Proportional to its upstream edges, like the sets themselves."""
    upstream = list(task["upstream"])
    lengths = ti.upstream_lengths
    sets = {"success": ti.up_success, "failed": ti.up_failed, "skipped": ti.up_skipped,
            "upstream_failed": ti.up_upstream_failed, "removed": ti.up_removed}
    indirect = task.get("indirect_setups") or []
    scope = task.get("teardown_scope") or []
    if indirect or scope:
        direct = set(upstream)
        counts = {name: _count(keys, direct) for name, keys in sets.items()}
    else:
        counts = {name: len(keys) for name, keys in sets.items()}
    extra: dict[str, int] = {}
    if task.get("trigger_rule") == TriggerRule.ALL_DONE_SETUP_SUCCESS.value:
        setups = {u for u in upstream if tasks.get(u, {}).get("is_setup")}
        if setups:
            extra.update(setups=upstream_total(sorted(setups), lengths),
                         setup_success=_count(ti.up_success, setups),
                         setup_skipped=_count(ti.up_skipped, setups))
    if indirect:
        ids = set(indirect)
        extra.update(indirect_setups=upstream_total(indirect, lengths),
                     indirect_success=_count(ti.up_success, ids),
                     indirect_failed=_count(ti.up_failed, ids) + _count(ti.up_upstream_failed, ids),
                     indirect_skipped=_count(ti.up_skipped, ids))
    if scope:
        ids = set(scope)
        extra.update(scope=upstream_total(scope, lengths),
                     scope_done=sum(_count(keys, ids) for keys in sets.values()))
    return Tally(total=upstream_total(upstream, lengths), **counts, **extra)

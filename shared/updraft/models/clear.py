"""Clearing task instances, as Airflow's "Clear": they go back to `none` and run again.

The selected task instances (optionally with their upstream or downstream tasks, optionally
only the failed ones) are reset with a conditional write each; the run goes back to running
with its counters adjusted; and each cleared task whose upstream tasks are not themselves
being cleared is decided again from those upstreams' states. A task instance that is queued
or running is left alone: it is still on its way."""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from updraft.exceptions import DagRunNotFound, TaskNotFound
from updraft.models.outcome import skip_plans
from updraft.models.records import TaskInstance
from updraft.models.serialized import tasks_by_id
from updraft.models.setup_teardown import counts_for_run_state, reported_by, with_setups_and_teardowns
from updraft.models.states import FAILED_STATES, FINISHED_STATES, TaskInstanceState as TIS
from updraft.models.taskinstance import Advance, advance, expand_mapped, make_ready
from updraft.store.ti_history import record_try

log = logging.getLogger("updraft.engine")


@dataclass
class ClearResult:
    cleared: list[TaskInstance] = field(default_factory=list)
    left_running: list[TaskInstance] = field(default_factory=list)
    queued: int = 0


def select_tasks(
    serialized: dict[str, Any],
    task_ids: Iterable[str] | None = None,
    *,
    task_regex: str | None = None,
    include_upstream: bool = False,
    include_downstream: bool = False,
    setups_teardowns: bool = False,
) -> set[str]:
    """The task ids to clear: named ones (or matching a regex), and their relatives; with
    `setups_teardowns`, also the setups and teardowns they need (Airflow's `partial_subset`)."""
    tasks = tasks_by_id(serialized)
    chosen: set[str] = set()
    for task_id in task_ids or ():
        if task_id not in tasks:
            raise TaskNotFound(f"Task {task_id} not found in DAG '{serialized['dag_id']}'")
        chosen.add(task_id)
    if task_regex is not None:
        pattern = re.compile(task_regex)
        chosen |= {t for t in tasks if pattern.search(t)}
    if task_ids is None and task_regex is None:
        chosen = set(tasks)
    matched = set(chosen)
    for direction, wanted in (("upstream", include_upstream), ("downstream", include_downstream)):
        if not wanted:
            continue
        frontier = list(chosen)
        while frontier:
            for relative in tasks[frontier.pop()][direction]:
                if relative not in chosen:
                    chosen.add(relative)
                    frontier.append(relative)
    if setups_teardowns:
        chosen |= with_setups_and_teardowns(tasks, matched, include_upstream=include_upstream,
                                            include_downstream=include_downstream)
    return chosen


def clear_task_instances(
    services: Any,
    dag_id: str,
    run_id: str,
    task_ids: set[str],
    *,
    only_failed: bool = False,
    dry_run: bool = False,
    now: datetime,
) -> ClearResult:
    run = services.runs.get(dag_id, run_id, consistent=True)
    if run is None:
        raise DagRunNotFound(f"DagRun {run_id} of DAG '{dag_id}' not found")
    serialized = services.serialized_dag(dag_id, run.dag_version)
    tasks = tasks_by_id(serialized)
    result = ClearResult()
    existing = [ti for ti in services.tis.list(dag_id, run_id) if ti.task_id in task_ids]
    for ti in existing:
        if ti.state in (TIS.QUEUED, TIS.RUNNING, TIS.UP_FOR_RETRY, TIS.UP_FOR_RESCHEDULE):
            result.left_running.append(ti)
        elif ti.state is TIS.SCHEDULED and ti.map_index < 0:
            if not only_failed:
                result.cleared.append(ti)  # a mapped task's expansion: expanded again
        elif ti.state in FINISHED_STATES and (not only_failed or ti.state in FAILED_STATES):
            result.cleared.append(ti)
    if dry_run or not result.cleared:
        return result
    counters = {"tis_finished": 0, "leaves_failed": 0, "tis_total": 0}
    reset: list[TaskInstance] = []
    for ti in result.cleared:
        task = tasks[ti.task_id]
        if not services.tis.reset(dag_id, run_id, ti.task_id, ti.map_index, from_state=ti.state,
                                  try_number=ti.try_number, max_tries=ti.try_number + int(task.get("retries", 0))):
            continue
        reset.append(ti)
        if ti.try_number > 0 and ti.state in FINISHED_STATES:
            record_try(services.table, ti, ti.state)  # the API still lists the try it ended
        if ti.state in FINISHED_STATES:
            counters["tis_finished"] -= 1
            if counts_for_run_state(task) and ti.state in FAILED_STATES:
                counters["leaves_failed"] -= 1
        if ti.state is TIS.SCHEDULED and ti.map_length:
            counters["tis_total"] -= ti.map_length - 1
    from updraft.models.dagrun import slot_of

    services.runs.reopen(run, {k: v for k, v in counters.items() if v}, slot_of(run)[0])
    run = services.runs.get(dag_id, run_id, consistent=True)
    assert run is not None
    result.queued = _redispatch(services, run, serialized, {ti.task_id for ti in reset}, now)
    log.info("cleared %d task instances of %s %s", len(reset), dag_id, run_id)
    return result


def _redispatch(services: Any, run: Any, serialized: dict[str, Any], cleared: set[str], now: datetime) -> int:
    """Decide the cleared tasks whose upstreams stay as they are; the rest follow as their
    cleared upstreams finish again, the other upstreams' states counted on them afresh. A
    branch upstream's choice still holds: what it skipped is skipped again, as Airflow's
    NotPreviouslySkippedDep does."""
    tasks = tasks_by_id(serialized)
    current = services.tis.list(run.dag_id, run.run_id)
    result = Advance()
    finished: list[tuple[str, TIS, int]] = []
    skips: dict[str, tuple[set[str], bool]] = {}
    roots: deque[tuple[str, TIS, int]] = deque()
    retally: set[str] = set()
    for task_id in sorted(cleared):
        # Its indirect setups and its scope (a teardown's) count on it as upstreams do.
        upstream = [*tasks[task_id]["upstream"], *reported_by(tasks[task_id])]
        if any(u in cleared for u in upstream):
            # Its tallies were reset with it: the upstreams that stay as they are count again
            # now (the rule may wait for the cleared ones, or decide without them, as Airflow).
            retally.update(u for u in upstream if u not in cleared)
            continue
        if not upstream:
            if tasks[task_id].get("is_mapped"):
                expand_mapped(services, run, tasks, tasks[task_id], now, result, roots, recovering=True)
            elif make_ready(services, run, tasks[task_id], now, result):
                roots.append((task_id, TIS.SUCCESS, -1))
            continue
        retally.update(upstream)
    for ti in current:
        if ti.task_id in retally and ti.state in FINISHED_STATES:
            finished.append((ti.task_id, ti.state, ti.map_index))
            skips.update(skip_plans(ti))
    services.queue.send(result.queued)
    more = advance(services, run, serialized, finished + list(roots), now, skips=skips)
    return len(result.queued) + len(more.queued)

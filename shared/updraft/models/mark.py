"""Setting states by hand, as Airflow's mark_tasks: a task instance (and its relatives) marked
success, failed or skipped; a whole run marked success, failed or queued.

Each task instance changes with a conditional write from the state it was read in, and is
counted on its run in the same transaction (`tis_finished`, `leaves_failed`), so the run's
counters stay true. A try still running on a worker is not stopped — Lambda cannot be
interrupted from outside — but its worker finds the state taken when it ends and records
nothing. Marking a task instance then moves its downstream on, and clears the failed ones
below it so they run again, as Airflow's `set_task_instance_state` does."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from updraft.models.records import DagRun, TaskInstance
from updraft.models.serialized import task_slot, tasks_by_id
from updraft.models.setup_teardown import counts_for_run_state
from updraft.models.states import FAILED_STATES, FINISHED_STATES, DagRunState, TaskInstanceState as TIS
from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Condition, Update
from updraft.store.timers import TIMER_ATTRS, timer_fields
from updraft.timeutil import iso

log = logging.getLogger("updraft.engine")

# Where Airflow's set_dag_run_state_to_failed fails a task instance rather than skip it.
RUNNING_STATES = frozenset({TIS.RUNNING, TIS.UP_FOR_RESCHEDULE})


@dataclass
class Instance:
    """One task instance the run counts; `ti` is None when nothing has touched it yet."""

    task: dict[str, Any]
    map_index: int
    ti: TaskInstance | None

    @property
    def task_id(self) -> str:
        return str(self.task["task_id"])

    @property
    def state(self) -> TIS:
        return self.ti.state if self.ti is not None else TIS.NONE


def instances(serialized: dict[str, Any], stored: list[TaskInstance]) -> list[Instance]:
    """Every task instance of the run, as its counters count them: one per task, or one per
    index of a mapped task once it has expanded (its decision record, map index -1, is not one)."""
    by_key = {(ti.task_id, ti.map_index): ti for ti in stored}
    found: list[Instance] = []
    for task in serialized["tasks"]:
        decision = by_key.get((task["task_id"], -1))
        if task.get("is_mapped") and decision is not None and decision.state is TIS.SCHEDULED \
                and decision.map_length:
            found += [Instance(task, i, by_key.get((task["task_id"], i))) for i in range(decision.map_length)]
        else:
            found.append(Instance(task, -1, decision))
    return found


def counter_change(task: dict[str, Any], before: TIS, after: TIS) -> dict[str, int]:
    """What moving a task instance from `before` to `after` changes in its run's counters."""
    change = {"tis_finished": int(after in FINISHED_STATES) - int(before in FINISHED_STATES)}
    if counts_for_run_state(task):
        failed = int(after in FAILED_STATES) - int(before in FAILED_STATES)
        if failed:
            change["leaves_failed"] = failed
    return change


def mark(
    services: Any, run: DagRun, serialized: dict[str, Any], targets: list[Instance], state: TIS, now: datetime
) -> list[Instance]:
    """Put each target in `state`, from the state it was read in; returns those changed (one
    that changed meanwhile is left as it now is)."""
    slot = task_slot(serialized)
    changed: list[Instance] = []
    for inst in targets:
        before = inst.state
        if before is state:
            continue
        fields: dict[str, Any] = {"end_date": iso(now), "operator": inst.task.get("task_type")}
        if inst.ti is None or inst.ti.start_date is None:
            fields["start_date"] = iso(now)
        fields["duration"] = _duration(inst.ti, now)
        if services.tis.finish(
            run.dag_id, run.run_id, inst.task_id, inst.map_index, state, from_state=before,
            try_number=inst.ti.try_number if inst.ti is not None and before is not TIS.NONE else None,
            fields=fields, run_counters=counter_change(inst.task, before, state),
            slot=slot if before is TIS.RUNNING else None,
        ):
            changed.append(inst)
    log.info("marked %d task instance(s) of %s %s %s", len(changed), run.dag_id, run.run_id, state)
    return changed


def _duration(ti: TaskInstance | None, now: datetime) -> float:
    if ti is None or not ti.start_date:
        return 0.0
    return max((now - datetime.fromisoformat(ti.start_date)).total_seconds(), 0.0)


# -- task instances ----------------------------------------------------------------------
def task_instance_targets(
    serialized: dict[str, Any],
    stored: list[TaskInstance],
    task_id: str,
    map_indexes: list[int] | None,
    state: TIS,
    *,
    upstream: bool = False,
    downstream: bool = False,
) -> list[Instance]:
    """What marking `task_id` (those map indexes, or all) and its relatives would change."""
    from updraft.models.clear import select_tasks

    chosen = select_tasks(serialized, [task_id], include_upstream=upstream, include_downstream=downstream)
    return [
        inst for inst in instances(serialized, stored)
        if inst.task_id in chosen and inst.state is not state
        and (inst.task_id != task_id or map_indexes is None or inst.map_index in map_indexes)
    ]


def set_task_instance_state(
    services: Any, run: DagRun, targets: list[Instance], task_id: str, state: TIS, now: datetime
) -> list[Instance]:
    """Mark the targets, tally their new states on their downstream task instances, and clear
    the failed and upstream_failed ones downstream of `task_id` so they run again."""
    from updraft.models.clear import clear_task_instances, select_tasks
    from updraft.models.taskinstance import advance

    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    changed = mark(services, run, serialized, targets, state, now)
    if not changed:
        return changed
    advance(services, run, serialized, [(i.task_id, state, i.map_index) for i in changed], now)
    below = select_tasks(serialized, [task_id], include_downstream=True, setups_teardowns=True) \
        - {i.task_id for i in changed}
    if below:
        clear_task_instances(services, run.dag_id, run.run_id, below, only_failed=True, now=now)
    return changed


def set_note(services: Any, run: DagRun, task_id: str, map_index: int, note: str | None) -> None:
    """A task instance's note (made with its item if nothing touched it yet)."""
    services.table.update(
        keys.ti_key(run.dag_id, run.run_id, task_id, map_index),
        Update(set={"dag_id": run.dag_id, "run_id": run.run_id, "kind": "ti", "note": note},
               set_if_absent={"state": str(TIS.NONE), "try_number": 0}),
    )


# -- runs ----------------------------------------------------------------------------------
def dag_run_targets(serialized: dict[str, Any], stored: list[TaskInstance], state: DagRunState) -> list[tuple[Instance, TIS]]:
    """What marking the run `state` does to its task instances, as Airflow's
    set_dag_run_state_to_success (every one not successful → success) and _to_failed (running
    ones → failed, the unfinished others → skipped); queued changes none."""
    found: list[tuple[Instance, TIS]] = []
    for inst in instances(serialized, stored):
        if state is DagRunState.SUCCESS and inst.state is not TIS.SUCCESS:
            found.append((inst, TIS.SUCCESS))
        elif state is DagRunState.FAILED and inst.state not in FINISHED_STATES:
            found.append((inst, TIS.FAILED if inst.state in RUNNING_STATES else TIS.SKIPPED))
    return found


def set_dag_run_state(services: Any, run: DagRun, state: DagRunState, now: datetime) -> DagRun:
    """Mark the run `state`: its task instances as `dag_run_targets` says, then the run itself.
    A run set back to queued starts again as soon as it has a place (its finished task
    instances stay as they are, so a run whose task instances all finished ends again)."""
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    targets = dag_run_targets(serialized, services.tis.list(run.dag_id, run.run_id), state)
    for wanted in (TIS.SUCCESS, TIS.FAILED, TIS.SKIPPED):
        mark(services, run, serialized, [i for i, s in targets if s is wanted], wanted, now)
    if state is DagRunState.QUEUED:
        _requeue(services, run, now)
    else:
        _end(services, run, state, now)
    current = services.runs.get(run.dag_id, run.run_id, consistent=True)
    return current or run


def _end(services: Any, run: DagRun, state: DagRunState, now: datetime) -> None:
    from updraft.models.dagrun import slot_of, start_waiting_runs

    fields = {"end_date": iso(now)}
    for _ in range(3):  # a worker may start or end the run meanwhile: act on what it is now
        current = services.runs.get(run.dag_id, run.run_id, consistent=True)
        if current is None or current.state is state:
            return
        if current.state is DagRunState.RUNNING:
            if services.runs.end_in_slot(current, slot_of(current)[0], state, fields, remove=list(TIMER_ATTRS)):
                start_waiting_runs(services, run.dag_id, now)
                return
        elif services.runs.transition(run.dag_id, run.run_id, [current.state], state, fields,
                                      remove=["wait_order", *TIMER_ATTRS]):
            if current.wait_order:
                services.table.delete(keys.waiting_run_key(run.dag_id, current.wait_order))
            return


def _requeue(services: Any, run: DagRun, now: datetime) -> None:
    """Back to queued, among the DAG's runs waiting for a place (giving its place back if it
    was running), then started if a place is free."""
    from updraft.models.dagrun import WAITING_RUN_RECHECK_SECONDS, slot_of, start_dag_run

    current = services.runs.get(run.dag_id, run.run_id, consistent=True)
    if current is None or current.state is DagRunState.QUEUED:
        return
    order = f"{iso(now)}#000000#{run.run_id}"
    due = now + timedelta(seconds=WAITING_RUN_RECHECK_SECONDS)
    fields = {"state": str(DagRunState.QUEUED), "queued_at": iso(now), "wait_order": order,
              **timer_fields(f"{keys.run_pk(run.dag_id)}#{run.run_id}", due, services.settings.timer_shards)}
    table = services.table
    ops = [
        table.transact_update(keys.run_key(run.dag_id, run.run_id),
                              Update(set=fields, remove=["start_date", "end_date", "callback_claimed"]),
                              Condition("#st = :st", {"#st": "state"}, {":st": str(current.state)})),
        table.transact_put({**keys.waiting_run_key(run.dag_id, order), "run_id": run.run_id}),
    ]
    if current.state is DagRunState.RUNNING:
        ops.append(table.transact_update(slot_of(current)[0], Update(add={"active_runs": -1})))
    try:
        table.transact(ops)
    except ConditionFailed:
        return  # it changed meanwhile
    queued = services.runs.get(run.dag_id, run.run_id, consistent=True)
    if queued is not None:
        start_dag_run(services, queued, now)

"""What happens when a task instance finishes: its downstream task instances are tallied and
decided, the ready ones queued, and the run finished when its last task instance is.

This is the worker's own dispatch (no scheduler tick between two tasks). Every step is a
conditional write or an idempotent one, so a message handled twice changes nothing more."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from updraft.dispatch.messages import TaskMessage
from updraft.models.records import DagRun
from updraft.models.serialized import tasks_by_id
from updraft.models.states import FAILED_STATES, FINISHED_STATES, DagRunState, TaskInstanceState as TIS
from updraft.exceptions import AirflowException
from updraft.models.mapping import mapped_length, tally_key, upstream_total
from updraft.models.past import past_allows, wait_on_past
from updraft.models.setup_teardown import counts_for_run_state, needs_setup_tally, notified, tally_of
from updraft.models.trigger_rules import Decision, Tally, decide
from updraft.store.keys import ti_pk
from updraft.store.timers import timer_fields
from updraft.timeutil import iso

log = logging.getLogger("updraft.engine")

# Final states that the engine decides itself, without a worker running the task.
DECIDED_STATES = {TIS.SKIPPED, TIS.UPSTREAM_FAILED, TIS.SUCCESS}


@dataclass
class Advance:
    """What one call to `advance` did, for logs and tests."""

    queued: list[TaskMessage] = field(default_factory=list)
    decided: list[tuple[str, TIS]] = field(default_factory=list)
    run_state: DagRunState | None = None


def run_counters(task: dict[str, Any], state: TIS) -> dict[str, int]:
    """What a task instance reaching `state` adds to its run's counters."""
    counters = {"tis_finished": 1}
    if counts_for_run_state(task) and state in FAILED_STATES:
        counters["leaves_failed"] = 1
    return counters


def queue_fields(services: Any, shard_of: str, now: datetime) -> dict[str, Any]:
    """A queued task instance's timer: if its message is lost, the scheduler sends it again."""
    return {
        "queued_at": iso(now),
        **timer_fields(shard_of, now + timedelta(seconds=services.settings.queued_timeout),
                       services.settings.timer_shards),
    }


def make_ready(
    services: Any, run: DagRun, task: dict[str, Any], now: datetime, result: Advance,
    map_index: int = -1,
) -> bool:
    """A task whose trigger rule says run: queue it (or, for EmptyOperator, mark it done).

    Returns True if the task instance finished here and its downstream must be advanced."""
    task_id = task["task_id"]
    shard_of = f"{ti_pk(run.dag_id, run.run_id)}#{task_id}#{map_index}"
    if task.get("depends_on_past") and not past_allows(services, run, task, map_index):
        wait_on_past(services, run, task_id, map_index, now)
        return False
    if task.get("is_empty") and map_index < 0:
        done = services.tis.finish(
            run.dag_id, run.run_id, task_id, -1, TIS.SUCCESS, from_state=TIS.NONE, try_number=None,
            fields={"start_date": iso(now), "end_date": iso(now), "duration": 0.0,
                    "operator": task["task_type"]},
            run_counters=run_counters(task, TIS.SUCCESS), counts_a_try=True,
        )
        if done:
            result.decided.append((task_id, TIS.SUCCESS))
        return done
    queued_try = services.tis.queue(
        run.dag_id, run.run_id, task_id, map_index, None,
        {**queue_fields(services, shard_of, now), "operator": task["task_type"]},
    )
    if queued_try is not None:
        result.queued.append(TaskMessage(run.dag_id, run.run_id, task_id, try_number=queued_try, map_index=map_index))
    return False


def expand_mapped(
    services: Any, run: DagRun, tasks: dict[str, dict[str, Any]], task: dict[str, Any], now: datetime,
    result: Advance, pending: deque[tuple[str, TIS, int]], *, recovering: bool = False,
) -> bool:
    """A mapped task whose upstreams are done: count its instances, tell its downstream
    task instances how many to wait for, and queue the instances. Expanding to nothing skips
    it; a length that cannot be had (or is over the limit) fails it. True when instances
    were queued (the task is still open)."""
    task_id = task["task_id"]
    try:
        length = mapped_length(services, run, tasks, task)
    except AirflowException as err:
        if services.tis.finish(
            run.dag_id, run.run_id, task_id, -1, TIS.FAILED, from_state=TIS.NONE, try_number=None,
            fields={"end_date": iso(now), "operator": task["task_type"], "error": str(err)},
            run_counters=run_counters(task, TIS.FAILED),
        ):
            log.warning("%s.%s cannot expand: %s", run.dag_id, task_id, err)
            result.decided.append((task_id, TIS.FAILED))
            pending.append((task_id, TIS.FAILED, -1))
        return False
    if length == 0:
        if services.tis.finish(
            run.dag_id, run.run_id, task_id, -1, TIS.SKIPPED, from_state=TIS.NONE, try_number=None,
            fields={"end_date": iso(now), "operator": task["task_type"], "map_length": 0},
            run_counters=run_counters(task, TIS.SKIPPED),
        ):
            result.decided.append((task_id, TIS.SKIPPED))
            pending.append((task_id, TIS.SKIPPED, -1))
        return False
    if not services.tis.expand(run.dag_id, run.run_id, task_id, length, {"operator": task["task_type"]}) \
            and not recovering:
        return True
    queue_instances(services, run, task, length, now, result)
    return True


def queue_instances(
    services: Any, run: DagRun, task: dict[str, Any], length: int, now: datetime, result: Advance
) -> None:
    """Downstream task instances learn the length first, then the instances are queued (in a
    mapped task group, those waiting on other tasks of the group wait for their instances)."""
    tell_downstream_length(services, run, task, length)
    if task.get("group_upstream"):
        return
    for map_index in range(length):
        make_ready(services, run, task, now, result, map_index)


def tell_downstream_length(services: Any, run: DagRun, task: dict[str, Any], length: int) -> None:
    """Each downstream task instance waits for `length` instances of `task` (not one); a
    downstream task of the same mapped task group waits instance by instance instead."""
    for down_id in notified(task):
        if task_in_group(task, down_id):
            continue
        services.tis.set_upstream_length(run.dag_id, run.run_id, down_id, task["task_id"], length)


def task_in_group(task: dict[str, Any], down_id: str) -> bool:
    """Whether `down_id` comes after `task` inside the same mapped task group."""
    return down_id in task.get("group_downstream", ())


def advance_in_group(
    services: Any, run: DagRun, tasks: dict[str, dict[str, Any]], up_id: str, state: TIS,
    map_index: int, down: dict[str, Any], now: datetime, result: Advance,
    pending: deque[tuple[str, TIS, int]], recovering: bool,
) -> bool:
    """Instance `map_index` of a task in a mapped task group finished: tally it on instance
    `map_index` of a downstream task of the same group and act on its decision. The
    downstream task expands (to the group's length) the first time one of its instances is
    decided. True when that instance is left open."""
    down_id = down["task_id"]
    ti = services.tis.tally(run.dag_id, run.run_id, down_id, map_index, up_id, state)
    if ti.state is not TIS.NONE:
        if recovering and ti.state in DECIDED_STATES and not _ran(ti):
            pending.append((down_id, ti.state, map_index))
        return ti.state not in FINISHED_STATES
    decision = decide(down["trigger_rule"], Tally(
        total=len(down["group_upstream"]), success=len(ti.up_success), failed=len(ti.up_failed),
        skipped=len(ti.up_skipped), upstream_failed=len(ti.up_upstream_failed), removed=len(ti.up_removed),
    ))
    if decision is Decision.WAIT:
        return True
    parent = services.tis.get(run.dag_id, run.run_id, down_id, -1, consistent=True)
    if parent is None or not parent.map_length:
        length = mapped_length(services, run, tasks, down)
        if services.tis.expand(run.dag_id, run.run_id, down_id, length, {"operator": down["task_type"]}) or recovering:
            tell_downstream_length(services, run, down, length)
    if decision is Decision.RUN:
        make_ready(services, run, down, now, result, map_index)
        return True
    final = decision.final_state
    assert final is not None
    if services.tis.finish(
        run.dag_id, run.run_id, down_id, map_index, final, from_state=TIS.NONE, try_number=None,
        fields={"end_date": iso(now), "operator": down["task_type"]},
        run_counters=run_counters(down, final),
    ) or recovering:
        result.decided.append((down_id, final))
        pending.append((down_id, final, map_index))
    return False


# An upstream's final state as counted in its downstream's tally.
_TALLY_FIELD = {TIS.SUCCESS: "success", TIS.FAILED: "failed", TIS.SKIPPED: "skipped",
                TIS.UPSTREAM_FAILED: "upstream_failed", TIS.REMOVED: "removed"}


def runs_on_this_upstream(down: dict[str, Any], up: dict[str, Any], state: TIS, map_index: int) -> bool:
    """Whether `down` is queued by this one upstream ending in `state`, whatever else: its only
    upstream, not mapped, and a task that a worker runs. Then its tally and its queueing are
    one write instead of two."""
    if len(down["upstream"]) != 1 or map_index >= 0 or up.get("is_mapped") or state not in _TALLY_FIELD:
        return False
    if down.get("is_mapped") or down.get("is_empty") or down.get("depends_on_past") or needs_setup_tally(down):
        return False
    return decide(down["trigger_rule"], Tally(total=1, **{_TALLY_FIELD[state]: 1})) is Decision.RUN


def advance(
    services: Any,
    run: DagRun,
    serialized: dict[str, Any],
    finished: list[tuple[str, TIS]] | list[tuple[str, TIS, int]],
    now: datetime,
    *,
    recovering: bool = False,
    skips: dict[str, tuple[set[str], bool]] | None = None,
) -> Advance:
    """Tally each finished task instance on its downstream ones and act on their decisions.

    `recovering` is set when this repeats work a previous attempt may have half done: then a
    downstream found already decided is advanced again, in case that attempt died before."""
    tasks = tasks_by_id(serialized)
    result = Advance()
    pending: deque[tuple[str, TIS, int]] = deque(
        (entry[0], entry[1], entry[2] if len(entry) > 2 else -1) for entry in finished  # type: ignore[misc]
    )
    # The downstream task instances left unfinished: while there are any the run cannot be
    # done yet, and reading it to find out is saved. One left waiting and decided later in
    # this same loop (a join reached by two paths) is no longer open.
    open_tis: set[tuple[str, int]] = set()

    def left_open(key: tuple[str, int], is_open: bool) -> None:
        (open_tis.add if is_open else open_tis.discard)(key)
    while pending:
        task_id, state, map_index = pending.popleft()
        skipped_here: set[str] = set()
        if skips and task_id in skips:
            skipped_here = skip_directly(services, run, tasks, skips[task_id], now, result, pending, recovering)
        for down_id in notified(tasks[task_id]):
            if down_id in skipped_here:
                continue
            down = tasks[down_id]
            if map_index >= 0 and task_in_group(tasks[task_id], down_id):
                opened = advance_in_group(services, run, tasks, task_id, state, map_index, down, now,
                                          result, pending, recovering)
                left_open((down_id, map_index), opened)
                continue
            ti = None
            if runs_on_this_upstream(down, tasks[task_id], state, map_index):
                # Tallied and queued in one write; a repeat finds it queued and reads as below.
                queued_try, ti = services.tis.tally_and_queue(
                    run.dag_id, run.run_id, down_id, task_id, state,
                    {**queue_fields(services, f"{ti_pk(run.dag_id, run.run_id)}#{down_id}#-1", now),
                     "operator": down["task_type"]},
                )
                if queued_try is not None:
                    result.queued.append(TaskMessage(run.dag_id, run.run_id, down_id, try_number=queued_try))
                    left_open((down_id, -1), True)
                    continue
            if ti is None:
                ti = services.tis.tally(run.dag_id, run.run_id, down_id, -1, tally_key(task_id, map_index), state)
            if ti.state is not TIS.NONE:
                left_open((down_id, -1), ti.state not in FINISHED_STATES)
                if recovering and ti.state in DECIDED_STATES and not _ran(ti):
                    pending.append((down_id, ti.state, -1))
                elif recovering and ti.state is TIS.SCHEDULED and ti.map_length:
                    queue_instances(services, run, down, ti.map_length, now, result)
                continue
            decision = decide(down["trigger_rule"], tally_of(tasks, down, ti))
            if decision is Decision.WAIT:
                left_open((down_id, -1), True)
                continue
            if decision is Decision.RUN:
                if down.get("is_mapped"):
                    opened = expand_mapped(services, run, tasks, down, now, result, pending, recovering=recovering)
                    left_open((down_id, -1), opened)
                elif make_ready(services, run, down, now, result):
                    left_open((down_id, -1), False)
                    pending.append((down_id, TIS.SUCCESS, -1))
                else:
                    left_open((down_id, -1), True)
                continue
            final = decision.final_state
            assert final is not None
            if services.tis.finish(
                run.dag_id, run.run_id, down_id, -1, final, from_state=TIS.NONE, try_number=None,
                fields={"end_date": iso(now), "operator": down["task_type"]},
                run_counters=run_counters(down, final),
            ):
                result.decided.append((down_id, final))
                pending.append((down_id, final, -1))
            elif recovering:
                pending.append((down_id, final, -1))
            left_open((down_id, -1), False)
    services.queue.send(result.queued)
    for message in result.queued:
        log.info("queued %s.%s try %s", message.dag_id, message.task_id, message.try_number)
    if recovering or not open_tis:
        result.run_state = finish_run_if_done(services, run.dag_id, run.run_id, now)
    return result


def skip_directly(
    services: Any,
    run: DagRun,
    tasks: dict[str, dict[str, Any]],
    plan: tuple[set[str], bool],
    now: datetime,
    result: Advance,
    pending: deque[tuple[str, TIS, int]],
    recovering: bool,
) -> set[str]:
    """Mark the task instances a branch did not follow (or a short circuit cut off) skipped.

    Skipped directly, they flow on through their downstream's trigger rules — unless the
    plan covers every descendant, which are then all skipped outright."""
    direct, descendants = plan
    targets = set(direct)
    if descendants:
        frontier = list(direct)
        while frontier:
            for child in tasks[frontier.pop()]["downstream"]:
                if child not in targets:
                    targets.add(child)
                    frontier.append(child)
    for target in sorted(targets):
        done = services.tis.finish(
            run.dag_id, run.run_id, target, -1, TIS.SKIPPED, from_state=TIS.NONE, try_number=None,
            fields={"end_date": iso(now), "operator": tasks[target]["task_type"]},
            run_counters=run_counters(tasks[target], TIS.SKIPPED),
        )
        if done:
            result.decided.append((target, TIS.SKIPPED))
        if (done or recovering) and not descendants:
            pending.append((target, TIS.SKIPPED, -1))
    return set(direct)


def _ran(ti: Any) -> bool:
    """Whether a worker ran this task instance (it has tries), as opposed to a decision."""
    return ti.try_number > 0


def finish_run_if_done(services: Any, dag_id: str, run_id: str, now: datetime) -> DagRunState | None:
    """Finish the run when every task instance has: failed if a leaf failed, else success."""
    run = services.runs.get(dag_id, run_id, consistent=True)
    if run is None or run.state is not DagRunState.RUNNING:
        return run.state if run else None
    if run.tis_finished < run.tis_total:
        return None
    state = DagRunState.FAILED if run.leaves_failed else DagRunState.SUCCESS
    from updraft.models.dagrun import slot_of, start_waiting_runs

    if services.runs.end_in_slot(run, slot_of(run)[0], state, {"end_date": iso(now)}):
        log.info("DagRun %s %s finished: %s", dag_id, run_id, state)
        request_dag_callback(services, run, state, "success" if state is DagRunState.SUCCESS else "task_failure")
        start_waiting_runs(services, dag_id, now)
    return state


def request_dag_callback(services: Any, run: DagRun, state: DagRunState, reason: str) -> None:
    """Ask a worker to call the DAG's callback for the finished run, if it has one: only the
    worker imports DAG code (the scheduler never does)."""
    if state is DagRunState.FAILED:
        from updraft.models.alerts import publish_run_failure

        publish_run_failure(services, run, reason)
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    wanted = "has_on_success_callback" if state is DagRunState.SUCCESS else "has_on_failure_callback"
    if serialized.get(wanted):
        services.queue.send([TaskMessage(run.dag_id, run.run_id, "", 0, kind="dag_callback", reason=reason)])

"""`depends_on_past` and `wait_for_downstream`, as Airflow's PrevDagrunDep.

A task instance whose trigger rule says run may still wait for the same task in the DAG's
previous run (and, with wait_for_downstream, for that task's direct downstream tasks) to
have succeeded or been skipped. A waiting task instance keeps a timer, so the scheduler looks
at it again; and the previous run's task nudges it as soon as it finishes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from updraft.models.records import DagRun
from updraft.models.serialized import tasks_by_id
from updraft.models.states import DagRunState, TaskInstanceState as TIS
from updraft.models.trigger_rules import Decision, Tally, decide
from updraft.store.keys import ti_pk
from updraft.store.timers import timer_fields

log = logging.getLogger("updraft.engine")

DONE_FOR_PAST = (TIS.SUCCESS, TIS.SKIPPED)
RECHECK_SECONDS = 60


def past_allows(services: Any, run: DagRun, task: dict[str, Any], map_index: int = -1) -> bool:
    if not task.get("depends_on_past"):
        return True
    previous = services.runs.neighbour(run, before=True)
    if previous is None:
        return True  # the first run has no past to wait for
    ti = services.tis.get(previous.dag_id, previous.run_id, task["task_id"], map_index, consistent=True)
    if ti is None:
        # Not touched in a finished run: the task is new since. In a running one: not done yet.
        return previous.state in (DagRunState.SUCCESS, DagRunState.FAILED)
    if ti.state not in DONE_FOR_PAST:
        return False
    if task.get("wait_for_downstream"):
        for down_id in task["downstream"]:
            down = services.tis.get(previous.dag_id, previous.run_id, down_id, -1, consistent=True)
            if down is None or down.state not in DONE_FOR_PAST:
                return False
    return True


def wait_on_past(services: Any, run: DagRun, task_id: str, map_index: int, now: datetime) -> None:
    """Leave the task instance undecided, with a timer to look again."""
    shard_of = f"{ti_pk(run.dag_id, run.run_id)}#{task_id}#{map_index}"
    services.tis.mark_waiting(
        run.dag_id, run.run_id, task_id, map_index,
        timer_fields(shard_of, now + timedelta(seconds=RECHECK_SECONDS), services.settings.timer_shards),
    )
    log.info("%s.%s in %s waits for its previous run (depends_on_past)", run.dag_id, task_id, run.run_id)


def recheck(services: Any, run: DagRun, task_id: str, map_index: int, now: datetime) -> bool:
    """Decide a waiting task instance again; True if it was queued (or finished) now."""
    from updraft.models.taskinstance import Advance, advance, make_ready
    from updraft.models.mapping import upstream_total

    ti = services.tis.get(run.dag_id, run.run_id, task_id, map_index, consistent=True)
    if ti is None or ti.state is not TIS.NONE or run.state is not DagRunState.RUNNING:
        if ti is not None:
            services.tis.clear_waiting(run.dag_id, run.run_id, task_id, map_index)
        return False
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    task = tasks_by_id(serialized)[task_id]
    decision = decide(task["trigger_rule"], Tally(
        total=upstream_total(task["upstream"], ti.upstream_lengths), success=len(ti.up_success),
        failed=len(ti.up_failed), skipped=len(ti.up_skipped),
        upstream_failed=len(ti.up_upstream_failed), removed=len(ti.up_removed),
    ))
    if decision is not Decision.RUN:
        return False
    result = Advance()
    finished = make_ready(services, run, task, now, result, map_index)
    services.queue.send(result.queued)
    if finished:
        advance(services, run, serialized, [(task_id, TIS.SUCCESS, map_index)], now)
    return finished or bool(result.queued)


def nudge_next_run(services: Any, run: DagRun, task: dict[str, Any], map_index: int, now: datetime) -> None:
    """The task finished here: the same task in the next run may have been waiting for it."""
    if not task.get("depends_on_past"):
        return
    following = services.runs.neighbour(run, before=False)
    if following is None:
        return
    waiting = services.tis.get(following.dag_id, following.run_id, task["task_id"], map_index, consistent=True)
    if waiting is not None and waiting.state is TIS.NONE and waiting.waiting_on_past:
        recheck(services, following, task["task_id"], map_index, now)




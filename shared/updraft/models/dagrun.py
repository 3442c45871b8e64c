"""Creating and starting DagRuns.

A run is created with a conditional write (its run id and its logical date are each taken
once), then started: queued → running, and its root task instances queued. A run whose start
was cut short keeps a timer, and the scheduler starts it again; every step is idempotent."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from updraft.exceptions import DagRunAlreadyExists
from updraft.models.records import DagRun
from updraft.models.serialized import roots, task_slot, tasks_by_id
from updraft.models.states import FINISHED_STATES, DagRunState, DagRunType, TaskInstanceState as TIS
from updraft.models.taskinstance import (
    Advance,
    advance,
    expand_mapped,
    finish_run_if_done,
    make_ready,
    request_dag_callback,
)
from updraft.store import keys
from updraft.store.keys import run_pk
from updraft.store.timers import timer_fields
from updraft.timeutil import iso

log = logging.getLogger("updraft.engine")

# A queued run that found no free place looks again this often (besides being started when
# another run ends or its DAG is unpaused).
WAITING_RUN_RECHECK_SECONDS = 300


def create_dag_run(
    services: Any,
    dag: dict[str, Any],
    *,
    run_id: str,
    run_type: DagRunType,
    logical_date: datetime | None,
    data_interval: tuple[datetime, datetime] | None,
    run_after: datetime,
    now: datetime,
    conf: dict[str, Any] | None = None,
    note: str | None = None,
    triggered_by: str | None = None,
    backfill_id: str | None = None,
    sequence: int = 0,
) -> DagRun:
    """Create a run of the DAG's current version; DagRunAlreadyExists if it exists.
    `sequence` orders runs created at the same instant (a backfill's) for starting."""
    serialized = services.serialized_dag(dag["dag_id"], dag["version_hash"])
    run = DagRun(
        dag_id=dag["dag_id"],
        run_id=run_id,
        run_type=str(run_type),
        state=DagRunState.QUEUED,
        logical_date=iso(logical_date),
        data_interval_start=iso(data_interval[0]) if data_interval else None,
        data_interval_end=iso(data_interval[1]) if data_interval else None,
        run_after=iso(run_after) or "",
        conf=dict(conf or {}),
        dag_version=dag["version_hash"],
        fileloc=serialized["fileloc"],
        bundle_version=dag.get("bundle_version"),
        bundle_manifest=dag.get("bundle_manifest") or {},  # a DAG record parsed before bundle items
        bundle_manifest_id=dag.get("bundle_manifest_id"),
        tis_total=len(serialized["tasks"]),
        queued_at=iso(now),
        note=note,
        triggered_by=triggered_by,
        backfill_id=backfill_id,
    )
    due = now + timedelta(seconds=services.settings.run_start_grace)
    extra = timer_fields(f"{run_pk(run.dag_id)}#{run.run_id}", due, services.settings.timer_shards)
    run.wait_order = f"{iso(now)}#{sequence:06d}#{run.run_id}"
    if not services.runs.create(run, extra, run.wait_order):
        raise DagRunAlreadyExists(run.dag_id, run.run_id, run.logical_date)
    log.info("created DagRun %s %s", run.dag_id, run.run_id)
    return run


def slot_of(run: DagRun) -> tuple[dict[str, str], bool]:
    """Whose max_active_runs a run counts against: its backfill's, or its DAG's (then a
    paused DAG starts none of its runs, as in Airflow)."""
    if run.backfill_id:
        return keys.backfill_key(run.dag_id, run.backfill_id), False
    # `updraft dags test` runs a paused DAG, as Airflow's does.
    return keys.dag_key(run.dag_id), run.triggered_by != "test"


def slot_limit(services: Any, run: DagRun, serialized: dict[str, Any]) -> int:
    if run.backfill_id:
        backfill = services.table.get(keys.backfill_key(run.dag_id, run.backfill_id)) or {}
        return int(backfill.get("max_active_runs") or 10)
    return int(serialized.get("max_active_runs") or 16)


def start_dag_run(services: Any, run: DagRun, now: datetime) -> Advance:
    """queued → running when a place is free (max_active_runs; not while the DAG is paused),
    then queue the roots; safe to repeat after a crash at any point. A run that cannot start
    stays queued: the end of another run, an unpause, or its timer starts it later."""
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    result = Advance()
    if run.state is DagRunState.QUEUED:
        slot, respect_pause = slot_of(run)
        outcome = services.runs.start_in_slot(
            run, slot, slot_limit(services, run, serialized), {"start_date": iso(now)},
            respect_pause=respect_pause,
        )
        if outcome == "no_slot":
            due = now + timedelta(seconds=WAITING_RUN_RECHECK_SECONDS)
            services.runs.set_fields(run.dag_id, run.run_id, timer_fields(
                f"{run_pk(run.dag_id)}#{run.run_id}", due, services.settings.timer_shards))
            result.run_state = DagRunState.QUEUED
            return result
        current = services.runs.get(run.dag_id, run.run_id, consistent=True)
        if current is None or current.state is not DagRunState.RUNNING:
            return result
        run = current
    finished: deque[tuple[str, TIS, int]] = deque()
    tasks = tasks_by_id(serialized)
    for task in roots(serialized):
        if task.get("is_mapped"):
            expand_mapped(services, run, tasks, task, now, result, finished, recovering=True)
        elif make_ready(services, run, task, now, result):
            finished.append((task["task_id"], TIS.SUCCESS, -1))
    services.queue.send(result.queued)
    if finished:
        more = advance(services, run, serialized, list(finished), now)
        result.queued += more.queued
        result.decided += more.decided
    result.run_state = finish_run_if_done(services, run.dag_id, run.run_id, now)
    timeout = serialized.get("dagrun_timeout")
    if timeout and result.run_state not in (DagRunState.SUCCESS, DagRunState.FAILED):
        # The run's timer now waits for its dagrun_timeout.
        started = datetime.fromisoformat(run.start_date) if run.start_date else now
        deadline = started + timedelta(seconds=float(timeout))
        services.runs.set_fields(run.dag_id, run.run_id, {
            "timeout_at": iso(deadline),
            **timer_fields(f"{run_pk(run.dag_id)}#{run.run_id}", deadline, services.settings.timer_shards),
        })
    else:
        services.runs.clear_timer(run.dag_id, run.run_id)
    return result


def time_out_run(services: Any, run: DagRun, now: datetime) -> bool:
    """A run past its dagrun_timeout: its unfinished task instances are skipped and the run
    fails, as in Airflow. A worker still running one finds its try taken and records nothing."""
    slot = task_slot(services.serialized_dag(run.dag_id, run.dag_version))
    for ti in services.tis.list(run.dag_id, run.run_id):
        if ti.state in FINISHED_STATES:
            continue
        services.tis.force_state(
            run.dag_id, run.run_id, ti.task_id, ti.map_index, TIS.SKIPPED,
            from_state=ti.state, try_number=ti.try_number, fields={"end_date": iso(now)}, slot=slot,
        )
    timed_out = services.runs.end_in_slot(
        run, slot_of(run)[0], DagRunState.FAILED,
        {"end_date": iso(now), "note": run.note or "dagrun_timeout"}, remove=["tpk", "tsk"],
    )
    if timed_out:
        log.info("DagRun %s %s timed out (dagrun_timeout)", run.dag_id, run.run_id)
        request_dag_callback(services, run, DagRunState.FAILED, "timed_out")
        start_waiting_runs(services, run.dag_id, now)
    return timed_out


def start_waiting_runs(services: Any, dag_id: str, now: datetime) -> int:
    """Start the DAG's queued runs, in order, while their slots have places."""
    started = 0
    full: set[str] = set()
    for waiting in services.runs.waiting(dag_id):
        slot = slot_of(waiting)[0]["pk"] + slot_of(waiting)[0]["sk"]
        if slot in full:
            continue
        if start_dag_run(services, waiting, now).run_state is DagRunState.QUEUED:
            full.add(slot)  # this slot is full (or the DAG paused); others may have room
            continue
        started += 1
    return started

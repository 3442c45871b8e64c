"""The scheduler's pass: act on every timer that is due, and nothing else.

Due DAGs get their DagRuns; runs whose start was cut short are started; queued task instances
whose message may be lost are sent again; retries beyond SQS's delay are queued; running task
instances whose worker died (zombies) are failed or retried. A pass reads what is due, not
what exists, and repeating a pass (EventBridge invokes at least once) creates nothing twice."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from updraft.dispatch.messages import TaskMessage
from updraft.dispatch.sqs import MAX_DELAY_SECONDS
from updraft.exceptions import DagRunAlreadyExists
from updraft.models.dagrun import create_dag_run, start_dag_run, time_out_run
from updraft.models.outcome import Outcome, record
from updraft.models.past import recheck
from updraft.models.states import DagRunState, DagRunType, TaskInstanceState as TIS
from updraft.models.taskinstance import queue_fields
from updraft.scheduling import run_id_for
from updraft.scheduling.next_run import last_automated_interval, next_run_fields
from updraft.store.bucket import log_key
from updraft.store.keys import ti_pk
from updraft.store.heartbeat import SCHEDULER, record_heartbeat
from updraft.store.timers import TIMER_ATTRS
from updraft.timeutil import iso, parse_iso

log = logging.getLogger("updraft.scheduler")

MAX_RUNS_PER_DAG_PER_PASS = 50


@dataclass
class PassReport:
    started_at: str
    dagruns_created: list[str] = field(default_factory=list)
    runs_started: list[str] = field(default_factory=list)
    runs_timed_out: list[str] = field(default_factory=list)
    past_waits_released: int = 0
    reschedules_queued: int = 0
    runs_handed_over: int = 0
    messages_resent: int = 0
    retries_queued: int = 0
    zombies: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timers_due: int = 0
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_pass(services: Any, now: datetime) -> PassReport:
    began = time.perf_counter()
    report = PassReport(started_at=iso(now) or "")
    horizon = now + timedelta(seconds=services.settings.scheduler_tick_seconds)
    upcoming = services.timers.due(horizon)
    due = [item for item in upcoming if item["tsk"] <= (iso(now) or "")]
    report.timers_due = len(due)
    hand_over_upcoming_runs(services, [i for i in upcoming if i["tsk"] > (iso(now) or "")], now, report)
    for item in due:
        try:
            kind = item.get("kind")
            if kind == "dag":
                schedule_dag(services, item["sk"], now, report)
            elif kind == "run":
                resume_run(services, item["dag_id"], item["run_id"], now, report)
            elif kind == "ti":
                task_id, _, map_index = item["sk"].rpartition("#")
                ti_timer(services, item, task_id, int(map_index), now, report)
        except Exception as err:  # noqa: BLE001 - one bad item must not stop the pass
            log.exception("scheduler: %s %s failed", item.get("pk"), item.get("sk"))
            report.errors.append(f"{item.get('pk')} {item.get('sk')}: {type(err).__name__}: {err}")
    report.duration_ms = round((time.perf_counter() - began) * 1000, 1)
    # The scheduler's heartbeat, which GET /monitor/health reports as Airflow reports its own.
    try:
        record_heartbeat(services.table, SCHEDULER, now, f"errors: {len(report.errors)}" if report.errors else "ok")
    except Exception:  # noqa: BLE001 - a missed heartbeat must not fail the pass
        log.exception("scheduler: recording the heartbeat failed")
    return report


def hand_over_upcoming_runs(services: Any, upcoming: list[dict[str, Any]], now: datetime, report: PassReport) -> None:
    """DAGs due before the next pass: a message delayed to their due time creates the run
    then, so a run starts within about a second of its time, not at the next tick. The run
    is created idempotently, so the next pass (or a repeated message) creates nothing more."""
    messages: dict[int, list[TaskMessage]] = {}
    for item in upcoming:
        if item.get("kind") != "dag":
            continue
        due = parse_iso(item["tsk"])
        assert due is not None
        delay = max(0, min(math.ceil((due - now).total_seconds()), MAX_DELAY_SECONDS))
        messages.setdefault(delay, []).append(TaskMessage(item["sk"], "", "", 0, kind="schedule_dag"))
    for delay, batch in messages.items():
        services.queue.send(batch, delay_seconds=delay)
        report.runs_handed_over += len(batch)


def schedule_dag(services: Any, dag_id: str, now: datetime, report: PassReport) -> None:
    """Create the DAG's due runs (all missed ones with catchup) and move its next run on."""
    dag = services.dags.get(dag_id, consistent=True)
    if dag is None:
        return
    if dag.get("is_paused") or not dag.get("is_active", True):
        services.dags.refresh(dag_id, {}, list(TIMER_ATTRS))
        return
    expected = dag.get("next_dagrun")
    if not dag.get("catchup"):
        # Without catchup only the latest due interval runs: the next run stored when the DAG
        # was last scheduled may be stale by now, so work it out again for this instant.
        fields, remove = next_run_fields(services.settings, dag, last_automated_interval(dag), now)
        dag = {**{k: v for k, v in dag.items() if k not in remove}, **fields}
    for _ in range(MAX_RUNS_PER_DAG_PER_PASS):
        create_after = parse_iso(dag.get("next_dagrun_create_after"))
        if create_after is None or create_after > now:
            return
        logical = parse_iso(dag["next_dagrun"])
        interval = (dag["next_dagrun_data_interval_start"], dag["next_dagrun_data_interval_end"])
        run_id = run_id_for("scheduled", logical, create_after)
        try:
            run = create_dag_run(
                services, dag, run_id=run_id, run_type=DagRunType.SCHEDULED, logical_date=logical,
                data_interval=(parse_iso(interval[0]), parse_iso(interval[1])),  # type: ignore[arg-type]
                run_after=create_after, now=now, triggered_by="timetable",
            )
            start_dag_run(services, run, now)
            report.dagruns_created.append(f"{dag_id}/{run_id}")
        except DagRunAlreadyExists:
            pass
        fields, remove = next_run_fields(services.settings, dag, interval, now)
        fields["last_automated_data_interval_start"] = interval[0]
        fields["last_automated_data_interval_end"] = interval[1]
        if not services.dags.advance(dag_id, expected, fields, remove):
            return  # another pass moved it on
        dag = {**{k: v for k, v in dag.items() if k not in remove}, **fields}
        expected = dag.get("next_dagrun")


def resume_run(services: Any, dag_id: str, run_id: str, now: datetime, report: PassReport) -> None:
    run = services.runs.get(dag_id, run_id, consistent=True)
    if run is None:
        return
    deadline = parse_iso(run.timeout_at)
    if run.state is DagRunState.RUNNING and deadline is not None and deadline <= now:
        if time_out_run(services, run, now):
            report.runs_timed_out.append(f"{dag_id}/{run_id}")
    elif run.state in (DagRunState.QUEUED, DagRunState.RUNNING):
        if start_dag_run(services, run, now).run_state is not DagRunState.QUEUED:
            report.runs_started.append(f"{dag_id}/{run_id}")
    else:
        services.runs.clear_timer(dag_id, run_id)


def ti_timer(
    services: Any, item: dict[str, Any], task_id: str, map_index: int, now: datetime, report: PassReport
) -> None:
    dag_id, run_id = item["dag_id"], item["run_id"]
    state, try_number = TIS(item.get("state", "none")), int(item.get("try_number", 0))
    shard_of = f"{ti_pk(dag_id, run_id)}#{task_id}"
    if state is TIS.QUEUED:
        # The message may be lost (a worker died between queueing and sending): send again;
        # if it was not lost, the second copy finds the try claimed and does nothing.
        if services.tis.touch_timer(dag_id, run_id, task_id, map_index, state, try_number,
                                    queue_fields(services, shard_of, now)):
            services.queue.send([TaskMessage(dag_id, run_id, task_id, try_number, map_index)])
            report.messages_resent += 1
    elif state is TIS.UP_FOR_RETRY:
        if services.tis.queue(dag_id, run_id, task_id, map_index, try_number + 1,
                              queue_fields(services, shard_of, now)) is not None:
            services.queue.send([TaskMessage(dag_id, run_id, task_id, try_number + 1, map_index)])
            report.retries_queued += 1
    elif state is TIS.UP_FOR_RESCHEDULE:
        if services.tis.requeue_rescheduled(dag_id, run_id, task_id, map_index, try_number,
                                            queue_fields(services, shard_of, now)):
            services.queue.send([TaskMessage(dag_id, run_id, task_id, try_number, map_index)])
            report.reschedules_queued += 1
    elif state is TIS.RUNNING:
        fail_zombie(services, dag_id, run_id, task_id, map_index, try_number, now)
        report.zombies.append(f"{dag_id}/{run_id}/{task_id}")
    elif state is TIS.NONE:
        # Waiting on its previous run (depends_on_past): look again.
        run = services.runs.get(dag_id, run_id, consistent=True)
        if run is not None and recheck(services, run, task_id, map_index, now):
            report.past_waits_released += 1


def fail_zombie(
    services: Any, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int, now: datetime
) -> None:
    """A running task instance whose worker stopped (timeout, memory): fail this try."""
    ti = services.tis.get(dag_id, run_id, task_id, map_index, consistent=True)
    run = services.runs.get(dag_id, run_id, consistent=True)
    if ti is None or run is None or ti.state is not TIS.RUNNING or ti.try_number != try_number:
        return
    message = (
        f"Task instance {dag_id}.{task_id} try {try_number} was running on {ti.hostname} since "
        f"{ti.start_date}, but its worker stopped before it finished (the Lambda timed out or ran "
        f"out of memory). Marked failed by the scheduler at {iso(now)}."
    )
    key = log_key(dag_id, run_id, task_id, map_index, try_number)
    previous = services.bucket.get(key)
    services.bucket.put(key, (previous.decode() if previous else "") + message + "\n")
    serialized = services.serialized_dag(dag_id, run.dag_version)
    record(services, run, serialized, ti, Outcome(TIS.FAILED, "zombie: " + message), now)




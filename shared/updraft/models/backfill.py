"""Backfill, as Airflow 3's `backfill create`: a run of type `backfill` for every logical date
the DAG's timetable gives between two dates, started a few at a time (the backfill's own
max_active_runs), and never twice for the same date."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from updraft.exceptions import AirflowException, DagNotFound, DagRunAlreadyExists
from updraft.models.clear import clear_task_instances, select_tasks
from updraft.models.dagrun import create_dag_run, start_waiting_runs
from updraft.models.states import DagRunState, DagRunType
from updraft.scheduling import DataInterval, TimeRestriction, deserialize_timetable, run_id_for
from updraft.store import keys
from updraft.timeutil import iso

log = logging.getLogger("updraft.engine")

REPROCESS_BEHAVIORS = ("none", "failed", "completed")
DEFAULT_MAX_ACTIVE_RUNS = 10
MAX_BACKFILL_RUNS = 10_000


@dataclass
class BackfillEntry:
    logical_date: datetime
    data_interval: DataInterval
    action: str  # "create", "reprocess" or "skip"
    run_id: str
    reason: str = ""


@dataclass
class Backfill:
    dag_id: str
    backfill_id: str
    entries: list[BackfillEntry] = field(default_factory=list)
    dry_run: bool = False

    @property
    def run_ids(self) -> list[str]:
        return [e.run_id for e in self.entries if e.action != "skip"]


def logical_dates(dag: dict[str, Any], start: datetime, end: datetime, *, backwards: bool) -> list[tuple[datetime, DataInterval]]:
    """Every (logical date, data interval) the timetable gives from `start` to `end`, inclusive."""
    timetable = deserialize_timetable(dag["timetable"])
    if not timetable.periodic:
        raise AirflowException(f"DAG '{dag['dag_id']}' has no schedule to backfill ({timetable.summary})")
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    found: list[tuple[datetime, DataInterval]] = []
    last: DataInterval | None = None
    while len(found) <= MAX_BACKFILL_RUNS:
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction, now=end)
        if info is None or info.logical_date > end:
            break
        found.append((info.logical_date, info.data_interval))
        last = info.data_interval
    if len(found) > MAX_BACKFILL_RUNS:
        raise AirflowException(f"A backfill may create at most {MAX_BACKFILL_RUNS} runs; narrow the dates")
    return list(reversed(found)) if backwards else found


def plan(
    services: Any, dag: dict[str, Any], start: datetime, end: datetime, *,
    reprocess_behavior: str, run_backwards: bool,
) -> list[BackfillEntry]:
    entries = []
    for logical, interval in logical_dates(dag, start, end, backwards=run_backwards):
        existing_id = services.runs.run_id_for_logical_date(dag["dag_id"], iso(logical))
        if existing_id is None:
            entries.append(BackfillEntry(logical, interval, "create", run_id_for("backfill", logical, logical)))
            continue
        existing = services.runs.get(dag["dag_id"], existing_id, consistent=True)
        state = existing.state if existing else None
        if state in (DagRunState.QUEUED, DagRunState.RUNNING):
            entries.append(BackfillEntry(logical, interval, "skip", existing_id, f"run {existing_id} is {state}"))
        elif reprocess_behavior == "completed" or (reprocess_behavior == "failed" and state is DagRunState.FAILED):
            entries.append(BackfillEntry(logical, interval, "reprocess", existing_id, f"run {existing_id} was {state}"))
        else:
            entries.append(BackfillEntry(logical, interval, "skip", existing_id, f"run {existing_id} exists ({state})"))
    return entries


def create_backfill(
    services: Any,
    dag_id: str,
    from_date: datetime,
    to_date: datetime,
    *,
    now: datetime,
    reprocess_behavior: str = "none",
    max_active_runs: int = DEFAULT_MAX_ACTIVE_RUNS,
    run_backwards: bool = False,
    dag_run_conf: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> Backfill:
    """Plan the backfill and (unless a dry run) create its runs and start the first ones."""
    if reprocess_behavior not in REPROCESS_BEHAVIORS:
        raise ValueError(f"--reprocess-behavior must be one of {', '.join(REPROCESS_BEHAVIORS)}")
    if from_date > to_date:
        raise ValueError(f"--from-date {iso(from_date)} is after --to-date {iso(to_date)}")
    if max_active_runs < 1:
        raise ValueError("--max-active-runs must be at least 1")
    dag = services.dags.get(dag_id, consistent=True)
    if dag is None or not dag.get("is_active", True):
        raise DagNotFound(f"Dag with id {dag_id} was not found")
    seed = f"{dag_id}|{iso(from_date)}|{iso(to_date)}|{iso(now)}"
    backfill = Backfill(dag_id, hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:12], dry_run=dry_run)
    backfill.entries = plan(services, dag, from_date, to_date, reprocess_behavior=reprocess_behavior,
                            run_backwards=run_backwards)
    if dry_run:
        return backfill
    services.table.put({
        **keys.backfill_key(dag_id, backfill.backfill_id), "kind": "backfill", "dag_id": dag_id,
        "backfill_id": backfill.backfill_id, "from_date": iso(from_date), "to_date": iso(to_date),
        "reprocess_behavior": reprocess_behavior, "max_active_runs": max_active_runs,
        "run_backwards": run_backwards, "created_at": iso(now), "run_ids": backfill.run_ids,
        "active_runs": 0,
    })
    for sequence, entry in enumerate(backfill.entries):
        if entry.action == "create":
            try:
                create_dag_run(
                    services, dag, run_id=entry.run_id, run_type=DagRunType.BACKFILL,
                    logical_date=entry.logical_date,
                    data_interval=(entry.data_interval.start, entry.data_interval.end),
                    run_after=entry.data_interval.end, now=now, conf=dag_run_conf,
                    triggered_by="backfill", backfill_id=backfill.backfill_id, sequence=sequence,
                )
            except DagRunAlreadyExists:
                entry.action, entry.reason = "skip", "created meanwhile"
        elif entry.action == "reprocess":
            run = services.runs.get(dag_id, entry.run_id, consistent=True)
            serialized = services.serialized_dag(dag_id, run.dag_version)
            clear_task_instances(services, dag_id, entry.run_id, select_tasks(serialized, None), now=now)
    start_waiting_runs(services, dag_id, now)
    log.info("backfill %s of %s: %d runs", backfill.backfill_id, dag_id, len(backfill.run_ids))
    return backfill


def backfill_progress(services: Any, dag_id: str, run_ids: list[str]) -> dict[str, int]:
    """How many of the backfill's runs are in each state."""
    counts: dict[str, int] = {}
    for run_id in run_ids:
        run = services.runs.get(dag_id, run_id)
        state = str(run.state) if run else "missing"
        counts[state] = counts.get(state, 0) + 1
    return counts




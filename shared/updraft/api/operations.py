"""What the REST API and the CLI both do to DAGs: trigger a run, pause or unpause.

Each operation takes the services and the time, and raises the domain's exceptions
(`DagNotFound`, `DagRunAlreadyExists`, `DagNotTriggerable`, `ValueError` for a bad run id);
the API turns them into status codes, the CLI into messages."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from updraft.exceptions import AirflowException, DagNotFound
from updraft.models.dagrun import create_dag_run, start_dag_run
from updraft.models.records import DagRun
from updraft.models.states import DagRunType
from updraft.scheduling import deserialize_timetable, run_id_for
from updraft.scheduling.next_run import last_automated_interval, next_run_fields
from updraft.store.timers import TIMER_ATTRS
from updraft.timeutil import coerce_datetime

log = logging.getLogger("updraft.api")

# Airflow's default `[scheduler] allowed_run_id_pattern`: a run id also names S3 log keys.
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.~:+-]+$")


class DagNotTriggerable(AirflowException):
    """The DAG exists but cannot run now (its file has an import error)."""


def get_active_dag(services: Any, dag_id: str) -> dict[str, Any]:
    """The DAG's record; DagNotFound when it is unknown or no longer defined by any file."""
    dag = services.dags.get(dag_id, consistent=True)
    if dag is None or not dag.get("is_active", True):
        raise DagNotFound(f"DAG with dag_id: '{dag_id}' not found")
    return dag


def validate_conf(services: Any, dag: dict[str, Any], conf: dict[str, Any] | None) -> None:
    """Refuse a trigger's conf that breaks the DAG's params, with the reason (as Airflow)."""
    from updraft.authoring.params import deserialize_params, resolve_params

    serialized = services.serialized_dag(dag["dag_id"], dag["version_hash"])
    if serialized.get("params"):
        resolve_params(deserialize_params(serialized["params"]), None, conf or {})


def trigger_dag_run(
    services: Any,
    dag_id: str,
    *,
    run_id: str | None = None,
    logical_date: datetime | None = None,
    data_interval: tuple[datetime, datetime] | None = None,
    run_after: datetime | None = None,
    conf: dict[str, Any] | None = None,
    note: str | None = None,
    triggered_by: str = "rest_api",
    now: datetime,
) -> DagRun:
    """Create a manual run of the DAG's current version and start it, as Airflow 3 does.

    With a logical date and no data interval, the interval is the timetable's manual one
    and the run may start at its end; without a logical date the run has no interval.
    The run id defaults to `manual__<run_after>` (with a random suffix when there is no
    logical date). A second run for the same run id or logical date raises
    DagRunAlreadyExists."""
    dag = get_active_dag(services, dag_id)
    fileloc = dag.get("fileloc")
    if fileloc and (services.dags.get_file(fileloc) or {}).get("error"):
        raise DagNotTriggerable(f"DAG with dag_id: '{dag_id}' has import errors and cannot be triggered")
    validate_conf(services, dag, conf)
    logical = coerce_datetime(logical_date)
    requested_after = coerce_datetime(run_after) or now
    interval, starts_after = _manual_interval(dag, logical, data_interval, requested_after)
    run_id = run_id or run_id_for(DagRunType.MANUAL, logical, requested_after)
    if not RUN_ID_PATTERN.match(run_id):
        raise ValueError(
            f"The run_id provided '{run_id}' does not match regex pattern '{RUN_ID_PATTERN.pattern}'"
        )
    run = create_dag_run(
        services, dag, run_id=run_id, run_type=DagRunType.MANUAL, logical_date=logical,
        data_interval=interval, run_after=starts_after, now=now, conf=conf, note=note,
        triggered_by=triggered_by,
    )
    try:
        start_dag_run(services, run, now)
    except Exception:  # noqa: BLE001 - the run exists; its timer has the scheduler start it
        log.exception("starting DagRun %s %s failed; the scheduler will resume it", dag_id, run_id)
    return services.runs.get(dag_id, run_id, consistent=True) or run


def _manual_interval(
    dag: dict[str, Any],
    logical: datetime | None,
    given: tuple[datetime, datetime] | None,
    run_after: datetime,
) -> tuple[tuple[datetime, datetime] | None, datetime]:
    """(data interval, run_after) of a manual run, as Airflow's trigger endpoint works them out."""
    if logical is None:
        return None, run_after
    if given is not None:
        start, end = coerce_datetime(given[0]), coerce_datetime(given[1])
        assert start is not None and end is not None
        return (start, end), run_after
    inferred = deserialize_timetable(dag["timetable"]).infer_manual_data_interval(run_after=logical)
    return (inferred.start, inferred.end), inferred.end


def set_paused(services: Any, dag_id: str, paused: bool, now: datetime) -> dict[str, Any]:
    """Pause or unpause a DAG; returns its record as updated.

    Pausing takes the DAG out of the scheduler's timers (and its queued runs wait; running
    ones go on, as in Airflow). Unpausing a paused DAG works its
    next run out afresh from now (with catchup, from its last scheduled interval), so the
    scheduler neither sees a stale next run nor runs the intervals missed while paused
    unless the DAG catches up."""
    dag = services.dags.get(dag_id, consistent=True)
    if dag is None:
        raise DagNotFound(f"Dag with id: {dag_id} was not found")
    fields: dict[str, Any] = {"is_paused": paused}
    remove: list[str] = []
    if paused:
        remove = list(TIMER_ATTRS)
    elif dag.get("is_paused"):
        nxt, remove = next_run_fields(
            services.settings, {**dag, "is_paused": False}, last_automated_interval(dag), now
        )
        fields.update(nxt)
    services.dags.refresh(dag_id, fields, remove)
    if not paused and dag.get("is_paused"):
        # Runs triggered while it was paused have waited, queued: they may start now.
        from updraft.models.dagrun import start_waiting_runs

        start_waiting_runs(services, dag_id, now)
    return {**{k: v for k, v in dag.items() if k not in remove}, **fields}

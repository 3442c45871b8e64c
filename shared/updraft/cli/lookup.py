"""Finding what a command names in the stack — a DAG, a task, a run by its id or its logical
date — or saying clearly that it is not there, with the closest name that is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from updraft.cli.errors import dag_not_found, task_not_found
from updraft.exceptions import DagRunNotFound
from updraft.models.records import DagRun
from updraft.models.serialized import tasks_by_id
from updraft.timeutil import coerce_datetime, iso


def require_dag(services: Any, dag_id: str) -> dict[str, Any]:
    """The DAG's record (one GetItem); DagNotFound with the nearest DAG id when it is unknown."""
    dag = services.dags.get(dag_id, consistent=True)
    if dag is None or not dag.get("is_active", True):
        known = [d["dag_id"] for d in services.dags.list_all() if d.get("is_active", True)]
        raise dag_not_found(dag_id, known)
    return dag


def require_task(serialized: dict[str, Any], task_id: str) -> dict[str, Any]:
    tasks = tasks_by_id(serialized)
    if task_id not in tasks:
        raise task_not_found(serialized["dag_id"], task_id, tasks)
    return tasks[task_id]


def find_run(services: Any, dag_id: str, value: str) -> DagRun | None:
    """The run whose id is `value`, else the one whose logical date it is (as Airflow's CLI)."""
    run = services.runs.get(dag_id, value, consistent=True)
    if run is not None:
        return run
    try:
        logical = coerce_datetime(value)
    except Exception:  # noqa: BLE001 - not a date: it was a run id, and there is no such run
        return None
    run_id = services.runs.run_id_for_logical_date(dag_id, iso(logical) or "")
    return services.runs.get(dag_id, run_id, consistent=True) if run_id else None


def require_run(services: Any, dag_id: str, value: str) -> DagRun:
    run = find_run(services, dag_id, value)
    if run is None:
        raise DagRunNotFound(f"DagRun for {dag_id} with run_id or logical_date of '{value}' not found")
    return run


def all_runs(services: Any, dag_id: str) -> Iterator[DagRun]:
    """Every run of the DAG, the latest (by run_after) first, a page at a time."""
    start: dict[str, Any] | None = None
    while True:
        runs, start = services.runs.list(dag_id, newest_first=True, limit=100, start_key=start)
        yield from runs
        if not start:
            return

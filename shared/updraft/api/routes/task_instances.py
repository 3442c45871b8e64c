"""GET …/dagRuns/{dag_run_id}/taskInstances, …/taskInstances/{task_id} and
…/taskInstances/{task_id}/logs/{try_number}.

A run's task instances are every task of the DAG version the run is pinned to: Updraft
writes a task instance's item only when something first touches it, so a task with no
item is listed with state null, as Airflow lists one that is not yet scheduled."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.errors import NotFound
from updraft.api.listing import page
from updraft.api.request import Query, parse_int, path_value, services
from updraft.api.serializers import log_messages, priority_weights, task_instance_json
from updraft.models.records import DagRun, TaskInstance
from updraft.models.serialized import tasks_by_id
from updraft.store.bucket import log_key

router = Router()

PREFIX = "/dags/<dag_id>/dagRuns/<dag_run_id>/taskInstances"
NDJSON = "application/x-ndjson"
# Airflow's `state` filter names a task instance with no state `no_status` (or `none`).
NO_STATUS = {"no_status", "none"}


@router.get(PREFIX)
def get_task_instances(dag_id: str, dag_run_id: str) -> dict:
    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    query = Query.of(router)
    limit, offset = query.paging()
    states = set(query.many("state"))
    task_ids = set(query.many("task_id"))
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    if run is None:
        raise NotFound(f"DagRun with run_id: `{dag_run_id}` was not found")
    serialized = _serialized(svc, run)
    weights = priority_weights(serialized)
    rows = [
        task_instance_json(run, task_id, task, ti, weights.get(task_id))
        for task_id, task, ti in _rows(serialized, svc.tis.list(dag_id, dag_run_id))
        if not task_ids or task_id in task_ids
    ]
    if states:
        rows = [r for r in rows if _state_matches(r["state"], states)]
    return {"task_instances": page(rows, offset, limit), "total_entries": len(rows)}


@router.get(PREFIX + "/<task_id>")
def get_task_instance(dag_id: str, dag_run_id: str, task_id: str) -> dict:
    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    svc = services(router)
    missing = NotFound(
        f"The Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}` and task_id: `{task_id}` "
        "was not found"
    )
    run = svc.runs.get(dag_id, dag_run_id)
    if run is None:
        raise missing
    serialized = _serialized(svc, run)
    task = tasks_by_id(serialized).get(task_id)
    ti = svc.tis.get(dag_id, dag_run_id, task_id)
    if ti is None and task is None:
        raise missing
    return task_instance_json(run, task_id, task, ti, priority_weights(serialized).get(task_id))


@router.get(PREFIX + "/<task_id>/logs/<try_number>")
def get_log(dag_id: str, dag_run_id: str, task_id: str, try_number: str) -> Any:
    """One try's log as `{"content": [...], "continuation_token": null}`, or NDJSON on request."""
    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    attempt = parse_int(try_number, ["path", "try_number"], minimum=1)
    map_index = Query.of(router).integer("map_index", -1)
    svc = services(router)
    ti = svc.tis.get(dag_id, dag_run_id, task_id, map_index)
    if ti is None or ti.try_number < attempt:
        raise NotFound("TaskInstance not found")
    key = log_key(dag_id, dag_run_id, task_id, map_index, attempt)
    body = svc.bucket.get(key)
    text = body.decode("utf-8", errors="replace") if body is not None else None
    messages = log_messages(text, f"s3://{svc.bucket.name}/{key}")
    if NDJSON in (router.current_event.headers.get("accept") or ""):
        lines = "".join(json.dumps(m) + "\n" for m in messages)
        return Response(status_code=200, content_type=NDJSON, body=lines)
    return {"content": messages, "continuation_token": None}


def _state_matches(state: str | None, wanted: set[str]) -> bool:
    return state in wanted if state is not None else bool(wanted & NO_STATUS)


def _serialized(svc: Any, run: DagRun) -> dict[str, Any]:
    try:
        return svc.serialized_dag(run.dag_id, run.dag_version)
    except LookupError:
        return {"tasks": []}


def _rows(
    serialized: dict[str, Any], stored: list[TaskInstance]
) -> list[tuple[str, dict[str, Any] | None, TaskInstance | None]]:
    """(task id, task, stored task instance or None) in the DAG's task order, mapped ones by index;
    then any stored task instance whose task the version does not have."""
    by_task: dict[str, list[TaskInstance | None]] = {}
    for ti in sorted(stored, key=lambda t: t.map_index):
        by_task.setdefault(ti.task_id, []).append(ti)
    rows: list[tuple[str, dict[str, Any] | None, TaskInstance | None]] = []
    for task in serialized["tasks"]:
        found = by_task.pop(task["task_id"], None) or [None]
        rows.extend((task["task_id"], task, ti) for ti in found)
    for task_id, tis in by_task.items():
        rows.extend((task_id, None, ti) for ti in tis)
    return rows

"""Task instances: GET …/dagRuns/{dag_run_id}/taskInstances, GET and PATCH (state, note;
`/dry_run`) …/taskInstances/{task_id}[/{map_index}], GET …/{task_id}[/{map_index}]/tries[/{n}],
GET …/taskInstances/{task_id}/logs/{try_number}, and POST /dags/{dag_id}/clearTaskInstances.

A run's task instances are every task of the DAG version the run is pinned to: Updraft
writes a task instance's item only when something first touches it, so a task with no
item is listed with state null, as Airflow lists one that is not yet scheduled."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, Conflict, NotFound
from updraft.api.lazy import lazy_module
from updraft.api.listing import page
from updraft.api.request import Query, now, parse_int, path_value, services
from updraft.api.serializers import log_messages, priority_weights, task_instance_json
from updraft.models.records import DagRun, TaskInstance
from updraft.models.serialized import tasks_by_id
from updraft.store.bucket import log_key

# Request models and query parameters, loaded with the first request that needs them.
bodies = lazy_module("updraft.api.bodies")
openapi = lazy_module("aws_lambda_powertools.event_handler.openapi.params")

router = Router()

PREFIX = "/dags/<dag_id>/dagRuns/<dag_run_id>/taskInstances"
NDJSON = "application/x-ndjson"
# Airflow's `state` filter names a task instance with no state `no_status` (or `none`).
NO_STATUS = {"no_status", "none"}


@router.get(PREFIX)
@requires("dag")
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
@requires("dag")
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


# Routes whose path ends in a word are registered before those ending in a map index:
# the first pattern that matches a path wins.
@router.get(PREFIX + "/<task_id>/tries")
@requires("dag")
def get_task_instance_tries(
    dag_id: str, dag_run_id: str, task_id: str, map_index: Annotated[int, openapi.Query()] = -1,
) -> dict:
    """Every try of the task instance: the earlier ones, then the current one."""
    tries = _tries(path_value(dag_id), path_value(dag_run_id), path_value(task_id), map_index)
    return {"task_instances": tries, "total_entries": len(tries)}


@router.get(PREFIX + "/<task_id>/tries/<task_try_number>")
@requires("dag")
def get_task_instance_try_details(
    dag_id: str, dag_run_id: str, task_id: str, task_try_number: int,
    map_index: Annotated[int, openapi.Query()] = -1,
) -> dict:
    return _one_try(path_value(dag_id), path_value(dag_run_id), path_value(task_id), map_index, task_try_number)


@router.patch(PREFIX + "/<task_id>/dry_run")
@requires("dag")
def patch_task_instance_dry_run(
    dag_id: str, dag_run_id: str, task_id: str, body: bodies.PatchTaskInstanceBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    """What PATCH would change, changing nothing."""
    return _patch(dag_id, dag_run_id, task_id, None, body, update_mask, dry_run=True)


@router.get(PREFIX + "/<task_id>/<map_index>/tries")
@requires("dag")
def get_mapped_task_instance_tries(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> dict:
    tries = _tries(path_value(dag_id), path_value(dag_run_id), path_value(task_id), map_index)
    return {"task_instances": tries, "total_entries": len(tries)}


@router.get(PREFIX + "/<task_id>/<map_index>/tries/<task_try_number>")
@requires("dag")
def get_mapped_task_instance_try_details(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int, task_try_number: int,
) -> dict:
    return _one_try(path_value(dag_id), path_value(dag_run_id), path_value(task_id), map_index, task_try_number)


@router.patch(PREFIX + "/<task_id>/<map_index>/dry_run")
@requires("dag")
def patch_mapped_task_instance_dry_run(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int, body: bodies.PatchTaskInstanceBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    return _patch(dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=True)


@router.patch(PREFIX + "/<task_id>")
@requires("dag")
def patch_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, body: bodies.PatchTaskInstanceBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    """Mark the task instance (every map index of a mapped task) `success`, `failed` or
    `skipped` — with its upstream or downstream tasks if asked — or set its note. Its downstream
    moves on, and the failed task instances below it are cleared to run again."""
    return _patch(dag_id, dag_run_id, task_id, None, body, update_mask, dry_run=False)


@router.patch(PREFIX + "/<task_id>/<map_index>")
@requires("dag")
def patch_mapped_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int, body: bodies.PatchTaskInstanceBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    return _patch(dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=False)


@router.get(PREFIX + "/<task_id>/logs/<try_number>")
@requires("dag")
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


@router.get(PREFIX + "/<task_id>/<map_index>")
@requires("dag")
def get_mapped_task_instance(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> dict:
    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    ti = svc.tis.get(dag_id, dag_run_id, task_id, map_index) if run is not None else None
    if run is None or ti is None:
        raise NotFound(
            f"The Mapped Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}`, task_id: `{task_id}`, "
            f"and map_index: `{map_index}` was not found"
        )
    serialized = _serialized(svc, run)
    task = tasks_by_id(serialized).get(task_id)
    return task_instance_json(run, task_id, task, ti, priority_weights(serialized).get(task_id))


@router.post("/dags/<dag_id>/clearTaskInstances")
@requires("dag")
def post_clear_task_instances(dag_id: str, body: bodies.ClearTaskInstancesBody) -> dict:
    """Clear task instances of one run (`dag_run_id`) or of the runs whose logical date is within
    [start_date, end_date] — the named tasks (with their upstream or downstream ones), else every
    task; only the failed ones by default. A dry run (the default) changes nothing. The answer
    lists the task instances cleared (or that would be). A `[task_id, map_index]` pair clears
    every instance of that mapped task; queued and running task instances are left alone."""
    from updraft.models.clear import clear_task_instances

    dag_id = path_value(dag_id)
    if body.only_running:
        raise BadRequest("only_running is not supported: Updraft leaves queued and running task "
                         "instances alone when clearing")
    svc = services(router)
    if svc.dags.get(dag_id) is None:
        raise NotFound(f"The Dag with ID: `{dag_id}` was not found")
    runs = _runs_to_clear(svc, dag_id, body)
    names = None if body.task_ids is None else {t if isinstance(t, str) else t[0] for t in body.task_ids}
    found: list[dict[str, Any]] = []
    for run in runs:
        serialized = _serialized(svc, run)
        task_ids = _selected(serialized, names, body.include_upstream, body.include_downstream)
        if not task_ids:
            continue
        result = clear_task_instances(svc, dag_id, run.run_id, task_ids, only_failed=body.only_failed,
                                      dry_run=body.dry_run, now=now(router))
        found += cleared_json(svc, run, result.cleared, cleared=not body.dry_run)["task_instances"]
    return {"task_instances": found, "total_entries": len(found)}


# -- helpers ---------------------------------------------------------------------------------
def cleared_json(svc: Any, run: DagRun, tis: list[TaskInstance], *, cleared: bool) -> dict[str, Any]:
    """A TaskInstanceCollectionResponse of task instances a clear took (state null once cleared)."""
    from dataclasses import replace

    from updraft.models.states import TaskInstanceState

    serialized = _serialized(svc, run)
    tasks, weights = tasks_by_id(serialized), priority_weights(serialized)
    rows = [
        task_instance_json(run, ti.task_id, tasks.get(ti.task_id),
                           replace(ti, state=TaskInstanceState.NONE) if cleared else ti, weights.get(ti.task_id))
        for ti in tis
    ]
    return {"task_instances": rows, "total_entries": len(rows)}


def _runs_to_clear(svc: Any, dag_id: str, body: Any) -> list[DagRun]:
    """The run named by `dag_run_id` (and, with include_past/include_future, the runs before or
    after its logical date), or the runs whose logical date is within the body's dates."""
    start, end = body.start_date, body.end_date
    if body.dag_run_id is not None:
        run = svc.runs.get(dag_id, body.dag_run_id, consistent=True)
        if run is None:
            raise NotFound(f"Dag Run id {body.dag_run_id} not found in dag {dag_id}")
        if not (body.include_past or body.include_future):
            return [run]
        if run.logical_date is None:
            raise BadRequest("Cannot use include_past or include_future with no logical_date(e.g. manually or "
                             "asset-triggered).")
        start = end = datetime.fromisoformat(run.logical_date)
    if body.include_past:
        start = None
    if body.include_future:
        end = None
    found: list[DagRun] = []
    page_start: dict | None = None
    while True:
        runs, page_start = svc.runs.list(dag_id, limit=100, start_key=page_start)
        found += [r for r in runs if _within(r, start, end)]
        if not page_start:
            return found


def _within(run: DagRun, start: datetime | None, end: datetime | None) -> bool:
    """Whether the run's logical date (its run_after when it has none) is within [start, end]."""
    if start is None and end is None:
        return True
    when = datetime.fromisoformat(run.logical_date or run.run_after)
    return (start is None or when >= start) and (end is None or when <= end)


def _selected(serialized: dict[str, Any], names: set[str] | None, upstream: bool, downstream: bool) -> set[str]:
    from updraft.models.clear import select_tasks

    known = tasks_by_id(serialized)
    if names is not None:
        names = {n for n in names if n in known}  # a task this run's version does not have
        if not names:
            return set()
    # As Airflow's clear: the setups and teardowns of what is cleared come with it when
    # relatives are asked for (its `partial_subset`), not for the named tasks alone.
    return select_tasks(serialized, names, include_upstream=upstream, include_downstream=downstream,
                        setups_teardowns=upstream or downstream)


def _patch(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int | None, body: Any,
    update_mask: list[str] | None, *, dry_run: bool,
) -> dict[str, Any]:
    from updraft.models.mark import instances, set_note, set_task_instance_state, task_instance_targets
    from updraft.models.states import TaskInstanceState

    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    if body.include_future or body.include_past:
        raise BadRequest("include_future and include_past are not supported: mark the task instances "
                         "of each run")
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id, consistent=True)
    if run is None:
        raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` was not found")
    serialized = _serialized(svc, run)
    if task_id not in tasks_by_id(serialized):
        raise NotFound(f"Task '{task_id}' not found in DAG '{dag_id}'")
    fields = set(body.model_fields_set) & set(update_mask) if update_mask else set(body.model_fields_set)
    map_indexes = None if map_index is None else [map_index]

    def addressed() -> list[Any]:
        found = [i for i in instances(serialized, svc.tis.list(dag_id, dag_run_id))
                 if i.task_id == task_id and (map_index is None or i.map_index == map_index)]
        if not found:
            raise NotFound(
                f"The Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}`, task_id: `{task_id}` "
                f"and map_index: `{map_index}` was not found"
            )
        return found

    shown = addressed()
    new_state = TaskInstanceState(body.new_state) if "new_state" in fields and body.new_state else None
    if new_state is not None:
        targets = task_instance_targets(serialized, svc.tis.list(dag_id, dag_run_id), task_id, map_indexes,
                                        new_state, upstream=body.include_upstream, downstream=body.include_downstream)
        if dry_run:
            shown = targets
        elif not targets:
            raise Conflict(f"Task id {task_id} is already in {new_state} state")
        else:
            set_task_instance_state(svc, run, targets, task_id, new_state, now(router))
    if "note" in fields and not dry_run:
        for inst in shown:
            set_note(svc, run, task_id, inst.map_index, body.note)
    if not dry_run:
        shown = addressed()
    weights = priority_weights(serialized)
    rows = [task_instance_json(run, i.task_id, i.task, i.ti, weights.get(i.task_id)) for i in shown]
    return {"task_instances": rows, "total_entries": len(rows)}


def _tries(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> list[dict[str, Any]]:
    """TaskInstanceHistoryResponse of each try, oldest first: the recorded earlier tries, then
    the task instance's item (unless it waits to retry: its try is recorded already)."""
    from updraft.api.serializers import task_instance_try_json
    from updraft.models.states import TaskInstanceState
    from updraft.store.keys import ti_key
    from updraft.store.ti_history import list_tries

    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    if run is None:
        raise _no_try(dag_id, dag_run_id, task_id, map_index)
    serialized = _serialized(svc, run)
    task = tasks_by_id(serialized).get(task_id)
    by_try = {int(item["try_number"]): item for item in list_tries(svc.table, dag_id, dag_run_id, task_id, map_index)}
    current = svc.table.get(ti_key(dag_id, dag_run_id, task_id, map_index))
    if current is None and task is not None and not by_try and map_index == -1:
        current = {"try_number": 0, "map_index": -1}  # nothing has touched it yet
    if current is not None and current.get("state") != str(TaskInstanceState.UP_FOR_RETRY):
        by_try.setdefault(int(current.get("try_number", 0)), current)
    if not by_try:
        raise _no_try(dag_id, dag_run_id, task_id, map_index)
    weight = priority_weights(serialized).get(task_id)
    return [task_instance_try_json(run, task_id, task, by_try[n], weight) for n in sorted(by_try)]


def _one_try(dag_id: str, dag_run_id: str, task_id: str, map_index: int, try_number: int) -> dict[str, Any]:
    for found in _tries(dag_id, dag_run_id, task_id, map_index):
        if found["try_number"] == try_number:
            return found
    raise NotFound(
        f"The Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}`, task_id: `{task_id}`, "
        f"try_number: `{try_number}` and map_index: `{map_index}` was not found"
    )


def _no_try(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> NotFound:
    return NotFound(
        f"The Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}`, task_id: `{task_id}` and "
        f"map_index: `{map_index}` was not found"
    )

"""XCom entries: GET, POST …/taskInstances/{task_id}/xcomEntries, GET and PATCH
…/xcomEntries/{xcom_key}.

A run's XComs are one partition (`XCOM#<dag_id>#<run_id>`, sorted by task, map index and
key): a listing is one query of it (values are not read, so no S3 body is fetched), with
`~` as the task id for every task of the run and as the run id for every run of the DAG.
Updraft keeps no time per XCom: an entry's `timestamp` is when its task instance ended (or
started). Values are JSON, shown as they are (`stringify=true`: as text)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, Conflict, NotFound
from updraft.api.lazy import lazy_module
from updraft.api.listing import page
from updraft.api.request import now, path_value, services
from updraft.api.serializers import xcom_json
from updraft.models.records import DagRun

bodies = lazy_module("updraft.api.bodies")
openapi = lazy_module("aws_lambda_powertools.event_handler.openapi.params")

router = Router()

PREFIX = "/dags/<dag_id>/dagRuns/<dag_run_id>/taskInstances/<task_id>/xcomEntries"
ALL = "~"
# Airflow's `[api] fallback_page_limit` and `maximum_page_limit`.
DEFAULT_LIMIT, MAXIMUM_LIMIT = 50, 100


@router.get(PREFIX)
@requires("dag")
def get_xcom_entries(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: Annotated[str | None, openapi.Query()] = None,
    map_index: Annotated[int | None, openapi.Query(ge=-1)] = None,
    limit: Annotated[int, openapi.Query(ge=0)] = DEFAULT_LIMIT,
    offset: Annotated[int, openapi.Query(ge=0)] = 0,
) -> dict:
    """The XComs of a task instance (every map index unless `map_index` is given), of every
    task of the run (`~` as task id), or of every run of the DAG (`~` as run id)."""
    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    if dag_id == ALL:
        raise BadRequest("Listing the XComs of every DAG (`~` as dag_id) is not supported: name the DAG")
    svc = services(router)
    entries: list[dict[str, Any]] = []
    for run in _runs(svc, dag_id, dag_run_id):
        ended = _ended_at(svc, run)
        for item in svc.table.query_all(_xcom_pk(dag_id, run.run_id)):
            if task_id != ALL and item["task_id"] != task_id:
                continue
            if (xcom_key is not None and item["key"] != xcom_key) or (
                    map_index is not None and int(item["map_index"]) != map_index):
                continue
            entries.append(xcom_json(item, run, ended.get((item["task_id"], int(item["map_index"])))))
    entries.sort(key=lambda e: (e["task_id"], e["run_id"], e["map_index"], e["key"]))
    return {"xcom_entries": page(entries, offset, min(limit, MAXIMUM_LIMIT)), "total_entries": len(entries)}


@router.get(PREFIX + "/<xcom_key>")
@requires("dag")
def get_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    map_index: Annotated[int, openapi.Query(ge=-1)] = -1,
    deserialize: Annotated[bool, openapi.Query()] = False,
    stringify: Annotated[bool, openapi.Query()] = False,
    include_prior_dates: Annotated[bool, openapi.Query()] = True,
) -> dict:
    """One XCom with its value (XComResponseNative; XComResponseString with `stringify`)."""
    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    task_id, xcom_key = path_value(task_id), path_value(xcom_key)
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    found, value = (False, None) if run is None else svc.xcoms.get(dag_id, dag_run_id, task_id, map_index, xcom_key)
    if not found or run is None:
        raise NotFound(f"XCom entry with key: `{xcom_key}` not found")
    item = {"task_id": task_id, "map_index": map_index, "key": xcom_key}
    shown = (str(value) if value is not None else None) if stringify else value
    return xcom_json(item, run, _ended_at(svc, run).get((task_id, map_index)), value=shown, with_value=True)


@router.post(PREFIX, status_code=201)
@requires("dag")
def create_xcom_entry(dag_id: str, dag_run_id: str, task_id: str, request_body: bodies.XComCreateBody) -> dict:
    """Push an XCom as the task instance would (JSON; large values go to S3)."""
    from updraft.models.serialized import tasks_by_id

    dag_id, dag_run_id, task_id = path_value(dag_id), path_value(dag_run_id), path_value(task_id)
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    if run is None:
        raise NotFound(f"Dag Run with ID: `{dag_run_id}` not found for dag: `{dag_id}`")
    if task_id not in tasks_by_id(svc.serialized_dag(dag_id, run.dag_version)):
        raise NotFound(f"Task with ID: `{task_id}` not found in dag: `{dag_id}`")
    key, map_index = request_body.key, request_body.map_index
    if svc.xcoms.get(dag_id, dag_run_id, task_id, map_index, key)[0]:
        raise Conflict(f"The XCom with key: `{key}` with mentioned task instance already exists.")
    _push(svc, run, task_id, map_index, key, request_body.value)
    item = {"task_id": task_id, "map_index": map_index, "key": key}
    return xcom_json(item, run, _iso_now(), value=request_body.value, with_value=True)


@router.patch(PREFIX + "/<xcom_key>")
@requires("dag")
def update_xcom_entry(
    dag_id: str, dag_run_id: str, task_id: str, xcom_key: str, patch_body: bodies.XComUpdateBody,
) -> dict:
    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    task_id, xcom_key = path_value(task_id), path_value(xcom_key)
    svc = services(router)
    run = svc.runs.get(dag_id, dag_run_id)
    map_index = patch_body.map_index
    if run is None or not svc.xcoms.get(dag_id, dag_run_id, task_id, map_index, xcom_key)[0]:
        raise NotFound(f"The XCom with key: `{xcom_key}` with mentioned task instance doesn't exist.")
    _push(svc, run, task_id, map_index, xcom_key, patch_body.value)
    item = {"task_id": task_id, "map_index": map_index, "key": xcom_key}
    return xcom_json(item, run, _iso_now(), value=patch_body.value, with_value=True)


def _push(svc: Any, run: DagRun, task_id: str, map_index: int, key: str, value: Any) -> None:
    from updraft.store.xcom import XComSerializationError

    try:
        svc.xcoms.push(run.dag_id, run.run_id, task_id, map_index, key, value)
    except XComSerializationError:
        raise BadRequest(f"Couldn't serialise the XCom with key: `{key}`") from None


def _iso_now() -> str:
    return now(router).isoformat()


def _runs(svc: Any, dag_id: str, dag_run_id: str) -> list[DagRun]:
    if dag_run_id != ALL:
        run = svc.runs.get(dag_id, dag_run_id)
        return [run] if run is not None else []
    found: list[DagRun] = []
    start: dict | None = None
    while True:
        runs, start = svc.runs.list(dag_id, limit=100, start_key=start)
        found += runs
        if not start:
            return found


def _ended_at(svc: Any, run: DagRun) -> dict[tuple[str, int], str | None]:
    """When each task instance of the run ended (or started): one query of the run's task instances."""
    return {(ti.task_id, ti.map_index): ti.end_date or ti.start_date for ti in svc.tis.list(run.dag_id, run.run_id)}


def _xcom_pk(dag_id: str, run_id: str) -> str:
    from updraft.store.keys import xcom_pk

    return xcom_pk(dag_id, run_id)

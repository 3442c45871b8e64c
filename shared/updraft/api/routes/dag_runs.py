"""POST /dags/{dag_id}/dagRuns (trigger), GET /dags/{dag_id}/dagRuns, GET, PATCH (state,
note) and DELETE …/dagRuns/{dag_run_id}, POST …/dagRuns/{dag_run_id}/clear.

Runs are listed from the `by_date` index, newest `run_after` first (`order_by=run_after`
for oldest first), `limit` (default 50, at most 100) / `offset`."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, Conflict, NotFound, disallowed_order
from updraft.api.lazy import lazy_module
from updraft.api.listing import count_partition, first_items, page
from updraft.api.request import Query, json_body, now, path_value, services
from updraft.api.serializers import dag_run_json
from updraft.store.keys import run_pk

# Request models and query parameters, loaded with the first request that needs them.
bodies = lazy_module("updraft.api.bodies")
openapi = lazy_module("aws_lambda_powertools.event_handler.openapi.params")

router = Router()

# `order_by` → newest first? Runs are ordered by run_after, which is also Airflow's `id`
# (creation) order for runs created as they fall due.
NEWEST_FIRST = {"-run_after": True, "-id": True, "run_after": False, "id": False}


@router.post("/dags/<dag_id>/dagRuns")
@requires("dag")
def trigger_dag_run(dag_id: str) -> dict:
    from updraft.api.bodies import TriggerDAGRunPostBody, validate
    from updraft.api.operations import DagNotTriggerable, trigger_dag_run as trigger
    from updraft.exceptions import ParamValidationError

    dag_id = path_value(dag_id)
    body = validate(TriggerDAGRunPostBody, json_body(router))
    if body.partition_key is not None:
        raise BadRequest("partition_key is not supported: Updraft's timetables are not partitioned")
    interval = None
    if body.data_interval_start and body.data_interval_end:
        interval = (body.data_interval_start, body.data_interval_end)
    try:
        run = trigger(
            services(router), dag_id, run_id=body.dag_run_id, logical_date=body.logical_date,
            data_interval=interval, run_after=body.run_after, conf=body.conf, note=body.note,
            triggered_by="rest_api", now=now(router),
        )
    except (DagNotTriggerable, ParamValidationError, ValueError) as err:
        raise BadRequest(str(err)) from None
    return dag_run_json(run)


@router.get("/dags/<dag_id>/dagRuns")
@requires("dag")
def get_dag_runs(dag_id: str) -> dict:
    dag_id = path_value(dag_id)
    query = Query.of(router)
    limit, offset = query.paging()
    order_by = query.one("order_by") or "-run_after"
    if order_by not in NEWEST_FIRST:
        raise disallowed_order(order_by)
    svc = services(router)
    if svc.dags.get(dag_id) is None:
        raise NotFound(f"The DAG with dag_id: `{dag_id}` was not found")

    def fetch(limit: int, start_key: dict | None) -> tuple:
        return svc.runs.list(dag_id, newest_first=NEWEST_FIRST[order_by], limit=limit, start_key=start_key)

    runs, more = first_items(fetch, offset + limit)
    total = count_partition(svc.table, run_pk(dag_id)) if more else len(runs)
    return {"dag_runs": [dag_run_json(r) for r in page(runs, offset, limit)], "total_entries": total}


@router.get("/dags/<dag_id>/dagRuns/<dag_run_id>")
@requires("dag")
def get_dag_run(dag_id: str, dag_run_id: str) -> dict:
    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    run = services(router).runs.get(dag_id, dag_run_id)
    if run is None:
        raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` was not found")
    return dag_run_json(run)


def _run_or_404(svc: Any, dag_id: str, dag_run_id: str) -> Any:
    run = svc.runs.get(dag_id, dag_run_id, consistent=True)
    if run is None:
        raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` was not found")
    return run


@router.patch("/dags/<dag_id>/dagRuns/<dag_run_id>")
@requires("dag")
def patch_dag_run(
    dag_id: str,
    dag_run_id: str,
    patch_body: bodies.DAGRunPatchBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    """Mark the run `success` (its unfinished and failed task instances too), `failed` (its
    running ones failed, the other unfinished ones skipped) or `queued` (to run again), or set
    its note. `update_mask` names the fields to apply."""
    from updraft.models.mark import set_dag_run_state
    from updraft.models.states import DagRunState

    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    svc = services(router)
    run = _run_or_404(svc, dag_id, dag_run_id)
    fields = set(patch_body.model_fields_set)
    if update_mask:
        fields &= set(update_mask)
    if "state" in fields and patch_body.state is not None:
        run = set_dag_run_state(svc, run, DagRunState(patch_body.state), now(router))
    if "note" in fields:
        svc.runs.set_fields(dag_id, dag_run_id, {"note": patch_body.note})
    return dag_run_json(_run_or_404(svc, dag_id, dag_run_id))


@router.post("/dags/<dag_id>/dagRuns/<dag_run_id>/clear")
@requires("dag")
def clear_dag_run(dag_id: str, dag_run_id: str, body: bodies.DAGRunClearBody) -> dict:
    """Clear the run's task instances (only the failed ones with `only_failed`) so they run
    again. A dry run (the default) answers with the task instances it would clear; otherwise
    the answer is the run. Queued and running task instances are left alone."""
    from updraft.api.routes.task_instances import cleared_json
    from updraft.models.clear import clear_task_instances
    from updraft.models.serialized import tasks_by_id

    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    if body.only_new or body.run_on_latest_version:
        raise BadRequest("only_new and run_on_latest_version are not supported: an Updraft run keeps "
                         "the DAG version it was created with")
    svc = services(router)
    run = _run_or_404(svc, dag_id, dag_run_id)
    task_ids = set(tasks_by_id(svc.serialized_dag(dag_id, run.dag_version)))
    result = clear_task_instances(svc, dag_id, dag_run_id, task_ids, only_failed=body.only_failed,
                                  dry_run=body.dry_run, now=now(router))
    if body.dry_run:
        return cleared_json(svc, run, result.cleared, cleared=False)
    if body.note is not None:
        svc.runs.set_fields(dag_id, dag_run_id, {"note": body.note})
    return dag_run_json(_run_or_404(svc, dag_id, dag_run_id))


@router.delete("/dags/<dag_id>/dagRuns/<dag_run_id>", status_code=204)
@requires("dag")
def delete_dag_run(dag_id: str, dag_run_id: str) -> Any:
    """Delete the run with its task instances, earlier tries and XComs (its logs stay in S3).
    A try still running on a worker finds its task instance gone and records nothing."""
    from updraft.store.deletion import delete_run_records
    from updraft.store.errors import ConditionFailed
    from updraft.store.keys import run_key

    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    svc = services(router)
    for _ in range(3):
        item = svc.table.get(run_key(dag_id, dag_run_id), consistent=True)
        if item is None:
            raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` was not found")
        try:
            delete_run_records(svc.table, svc.bucket, item)
        except ConditionFailed:
            continue  # it started or ended meanwhile: read it again
        return Response(status_code=204, body=None)
    raise Conflict(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` kept changing; try again")

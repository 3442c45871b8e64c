"""POST /dags/{dag_id}/dagRuns (trigger), GET /dags/{dag_id}/dagRuns, GET …/dagRuns/{dag_run_id}.

Runs are listed from the `by_date` index, newest `run_after` first (`order_by=run_after`
for oldest first), `limit` (default 50, at most 100) / `offset`."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.errors import BadRequest, NotFound, disallowed_order
from updraft.api.listing import count_partition, first_items, page
from updraft.api.request import Query, json_body, now, path_value, services
from updraft.api.serializers import dag_run_json
from updraft.store.keys import run_pk

router = Router()

# `order_by` → newest first? Runs are ordered by run_after, which is also Airflow's `id`
# (creation) order for runs created as they fall due.
NEWEST_FIRST = {"-run_after": True, "-id": True, "run_after": False, "id": False}


@router.post("/dags/<dag_id>/dagRuns")
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
def get_dag_run(dag_id: str, dag_run_id: str) -> dict:
    dag_id, dag_run_id = path_value(dag_id), path_value(dag_run_id)
    run = services(router).runs.get(dag_id, dag_run_id)
    if run is None:
        raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{dag_run_id}` was not found")
    return dag_run_json(run)

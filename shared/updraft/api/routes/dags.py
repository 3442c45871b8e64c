"""GET /dags, GET /dags/{dag_id}, GET /dags/{dag_id}/details, PATCH /dags/{dag_id},
DELETE /dags/{dag_id}.

DAG records share one partition (`DAG`, sorted by dag id), so a listing is one query of
every DAG, filtered and ordered in memory with Airflow's query parameters:
`dag_id_pattern` (SQL LIKE, `%`/`_` wildcards, case-insensitive, `~` for all), `tags` with
`tags_match_mode` any|all, `owners`, `paused`, `exclude_stale` (default true),
`has_import_errors`, `order_by` and `limit` (default 50, at most 100) / `offset`."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, Conflict, NotFound, Unprocessable, disallowed_order, field_error
from updraft.api.listing import page
from updraft.api.request import Query, json_body, now, path_value, services
from updraft.api.serializers import dag_json

router = Router()

ORDERABLE = {"dag_id": "dag_id", "dag_display_name": "dag_id", "next_dagrun": "next_dagrun"}


@router.get("/dags")
@requires("dag")
def get_dags() -> dict:
    query = Query.of(router)
    limit, offset = query.paging()
    svc = services(router)
    files_with_errors = {e["filename"] for e in svc.dags.list_import_errors()}
    matches = _filter(query, files_with_errors)
    dags = _ordered([d for d in svc.dags.list_all() if matches(d)], query.many("order_by"))
    return {
        "dags": [dag_json(d, files_with_errors) for d in page(dags, offset, limit)],
        "total_entries": len(dags),
    }


@router.get("/dags/<dag_id>")
@requires("dag")
def get_dag(dag_id: str) -> dict:
    dag_id = path_value(dag_id)
    svc = services(router)
    dag = svc.dags.get(dag_id)
    if dag is None:
        raise NotFound(f"The Dag with ID: `{dag_id}` was not found")
    return dag_json(dag, _file_errors(svc, dag))


@router.patch("/dags/<dag_id>")
@requires("dag")
def patch_dag(dag_id: str) -> dict:
    """Pause or unpause: `{"is_paused": bool}`, optionally with `update_mask=is_paused`."""
    from updraft.api.bodies import DAGPatchBody, validate
    from updraft.api.operations import set_paused

    dag_id = path_value(dag_id)
    body = validate(DAGPatchBody, json_body(router))
    mask = Query.of(router).many("update_mask")
    if mask and mask != ["is_paused"]:
        raise BadRequest("Only `is_paused` field can be updated through the REST API")
    svc = services(router)
    dag = set_paused(svc, dag_id, body.is_paused, now(router))
    return dag_json(dag, _file_errors(svc, dag))


@router.get("/dags/<dag_id>/details")
@requires("dag")
def get_dag_details(dag_id: str) -> dict:
    """DAGDetailsResponse: the DAG with its latest version's schedule, params, docs and limits."""
    from updraft.api.listing import count_partition
    from updraft.api.serializers import dag_details_json
    from updraft.store.keys import waiting_run_key

    dag_id = path_value(dag_id)
    svc = services(router)
    dag = svc.dags.get(dag_id)
    if dag is None:
        raise NotFound(f"Dag with id {dag_id} was not found")
    try:
        serialized = svc.serialized_dag(dag_id, dag["version_hash"])
    except (KeyError, LookupError):
        serialized = {}
    queued = count_partition(svc.table, waiting_run_key(dag_id, "")["pk"])
    active = max(int(dag.get("active_runs") or 0), 0) + queued
    return dag_details_json(dag, serialized, _file_errors(svc, dag), active)


@router.delete("/dags/<dag_id>", status_code=204)
@requires("dag")
def delete_dag(dag_id: str) -> Any:
    """Delete the DAG's records (runs, task instances, XComs, versions); 409 while any of its
    task instances is running. Its file stays in the bucket: uploading it again brings it back."""
    from updraft.models.states import DagRunState, TaskInstanceState
    from updraft.store.deletion import delete_dag_records

    dag_id = path_value(dag_id)
    svc = services(router)
    if svc.dags.get(dag_id, consistent=True) is None:
        raise NotFound(f"Dag with id: {dag_id} was not found")
    start: dict | None = None
    while True:
        runs, start = svc.runs.list(dag_id, limit=100, start_key=start)
        for run in runs:
            if run.state is DagRunState.RUNNING and any(
                ti.state is TaskInstanceState.RUNNING for ti in svc.tis.list(dag_id, run.run_id)
            ):
                raise Conflict(f"Task instances of dag with id: '{dag_id}' are still running")
        if not start:
            break
    delete_dag_records(svc.table, svc.bucket, dag_id)
    return Response(status_code=204, body=None)


def _file_errors(svc: Any, dag: dict[str, Any]) -> set[str]:
    fileloc = dag.get("fileloc")
    if fileloc and (svc.dags.get_file(fileloc) or {}).get("error"):
        return {fileloc}
    return set()


def like(pattern: str) -> re.Pattern[str]:
    """Airflow's `ilike('%pattern%')`: `%` any run of characters, `_` any one, `~` everything."""
    if pattern == "~":
        pattern = "%"
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _filter(query: Query, files_with_errors: set[str]) -> Any:
    id_pattern = query.one("dag_id_pattern") or query.one("dag_display_name_pattern")
    id_like = like(id_pattern) if id_pattern else None
    tags = set(query.many("tags"))
    mode = query.one("tags_match_mode") or "any"
    if mode not in ("any", "all"):
        raise Unprocessable([field_error(
            "literal_error", ["query", "tags_match_mode"], "Input should be 'any' or 'all'", mode,
            expected="'any' or 'all'",
        )])
    owners = [o.lower() for o in query.many("owners")]
    paused = query.boolean("paused")
    exclude_stale = query.boolean("exclude_stale", True)
    has_errors = query.boolean("has_import_errors")

    def matches(dag: dict[str, Any]) -> bool:
        dag_tags = set(dag.get("tags") or [])
        dag_owners = ",".join(dag.get("owners") or []).lower()
        return (
            (not exclude_stale or dag.get("is_active", True))
            and (paused is None or bool(dag.get("is_paused")) == paused)
            and (id_like is None or bool(id_like.search(dag["dag_id"])))
            and (not tags or (tags <= dag_tags if mode == "all" else bool(tags & dag_tags)))
            and (not owners or any(o in dag_owners for o in owners))
            and (has_errors is None or (dag.get("fileloc") in files_with_errors) == has_errors)
        )

    return matches


def _ordered(dags: list[dict[str, Any]], order_by: list[str]) -> list[dict[str, Any]]:
    """Sorted as Airflow sorts: by each field in turn, nulls last, then by dag id."""
    order_by = order_by or ["dag_id"]
    for field in order_by:
        if field.lstrip("-") not in ORDERABLE:
            raise disallowed_order(field)
    result = sorted(dags, key=lambda d: d["dag_id"], reverse=order_by[0].startswith("-"))
    for field in reversed(order_by):
        attr = ORDERABLE[field.lstrip("-")]
        present = [d for d in result if d.get(attr) is not None]
        present.sort(key=lambda d: d[attr], reverse=field.startswith("-"))
        result = present + [d for d in result if d.get(attr) is None]
    return result

"""The web UI's own data routes under `/ui` (as Airflow 3's private UI API): what a page
needs in one request, read with the table's keys.

GET /ui/dags                       the DAG list with each DAG's latest runs and task states
GET /ui/grid/{dag_id}              runs × tasks, newest runs first, paged by an opaque cursor
GET /ui/structure/{dag_id}         the graph of the latest version, or of a run's (`run_id`)
GET /ui/gantt/{dag_id}/{run_id}    every try of every task instance of a run
GET /ui/code/{dag_id}              the DAG file's source, at the version a run is pinned to

Every read is a GetItem, a BatchGetItem or a Query on one partition, and a page's reads are
bounded by its size: the DAG list reads the `DAG` partition once, then two queries per DAG on
the page; the grid one query of runs and one per run on the page (docs/dynamodb.md)."""

from __future__ import annotations

import base64
import binascii
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, NotFound
from updraft.api.grid import cells, state_counts, structure, task_rows
from updraft.api.request import MAXIMUM_PAGE_LIMIT, Query, path_value, services
from updraft.api.serializers import dag_json, dag_run_json, import_error_json, timestamp
from updraft.models.records import DagRun
from updraft.store import keys
from updraft.store.codec import from_item

router = Router()

UI_PAGE_LIMIT = 25
LATEST_RUNS = 5
# What the UI reads of each item, and all that DynamoDB sends back: a DAG's record and each of
# its runs also carry the DAG folder's manifest, which grows with the number of files.
DAG_ATTRS = (
    "sk", "dag_id", "is_paused", "is_active", "last_parsed_time", "bundle_version", "fileloc",
    "description", "timetable", "timetable_summary", "timetable_description", "tags",
    "max_active_tasks", "max_active_runs", "next_dagrun", "next_dagrun_data_interval_start",
    "next_dagrun_data_interval_end", "next_dagrun_create_after", "owners", "version_hash",
)
RUN_ATTRS = (
    "sk", "lsi1sk", "dag_id", "run_id", "run_type", "state", "logical_date", "data_interval_start",
    "data_interval_end", "run_after", "conf", "dag_version", "fileloc", "bundle_version", "queued_at",
    "start_date", "end_date", "note", "triggered_by", "backfill_id",
)
TI_CELL_ATTRS = ("sk", "state", "try_number", "map_length")
TRY_ATTRS = ("sk", "task_id", "map_index", "try_number", "state", "queued_at", "start_date", "end_date")
# Reads of one page run side by side (boto3's clients are thread-safe).
READ_THREADS = 8


# -- the DAG list ---------------------------------------------------------------------
@router.get("/dags")
@requires("dag")
def get_ui_dags() -> dict:
    """DAGs ordered by id, filtered by `search` (a part of the id, any case), `tags` (any of
    them) and `paused`, each with its 5 latest runs and its latest run's task states."""
    query = Query.of(router)
    limit = min(query.integer("limit", UI_PAGE_LIMIT, minimum=0), MAXIMUM_PAGE_LIMIT)
    offset = query.integer("offset", 0, minimum=0)
    search = (query.one("search") or "").strip().lower()
    tags = set(query.many("tags"))
    paused = query.boolean("paused")
    svc = services(router)
    errors = svc.dags.list_import_errors()
    files_with_errors = {e["filename"] for e in errors}
    matching = sorted(
        d["sk"] for d in _query(svc.table, keys.DAG_PK, _filter_attrs(bool(tags), paused is not None))
        if d.get("is_active", True)
        and (not search or search in d["sk"].lower())
        and (not tags or tags & set(d.get("tags") or []))
        and (paused is None or bool(d.get("is_paused")) == paused)
    )
    page = matching[offset : offset + limit]
    found = {d["dag_id"]: d for d in _batch_get(svc.table, [keys.dag_key(i) for i in page], DAG_ATTRS)}
    shown = [found[i] for i in page if i in found]
    latest = _each(lambda d: _latest(svc, d["dag_id"]), shown)
    return {
        "dags": [
            {**dag_json(dag, files_with_errors), "latest_dag_runs": [dag_run_json(r) for r in runs],
             "latest_run_task_states": states}
            for dag, (runs, states) in zip(shown, latest)
        ],
        "total_entries": len(matching),
        "import_errors": [import_error_json(e) for e in errors],
    }


def _filter_attrs(tags: bool, paused: bool) -> tuple[str, ...]:
    """What the DAG list reads of every DAG record to filter: the id (`sk`), `is_active`, and
    `tags` and `is_paused` when it filters by them."""
    return ("sk", "is_active", *(["tags"] if tags else []), *(["is_paused"] if paused else []))


def _latest(svc: Any, dag_id: str) -> tuple[list[DagRun], dict[str, int]]:
    """A DAG's latest runs, newest first, and its newest run's task instances by state."""
    runs = _runs_before(svc.table, dag_id, None, LATEST_RUNS)
    if not runs:
        return [], {}
    return runs, state_counts(_query(svc.table, keys.ti_pk(dag_id, runs[0].run_id), TI_CELL_ATTRS))


# -- the grid -------------------------------------------------------------------------
@router.get("/grid/<dag_id>")
@requires("dag")
def get_ui_grid(dag_id: str) -> dict:
    """The DAG's runs, newest first (`limit` a page; `before` an earlier page's `next`, for
    the runs older than it), with one cell per task; and the rows: the latest version's
    tasks, with those only the listed runs' versions have merged in."""
    dag_id = path_value(dag_id)
    query = Query.of(router)
    limit = min(query.integer("limit", UI_PAGE_LIMIT, minimum=1), MAXIMUM_PAGE_LIMIT)
    before = _cursor_position(query.one("before"))
    svc = services(router)
    dag = _dag(svc, dag_id)
    runs = _runs_before(svc.table, dag_id, before, limit + 1)  # one more: has it changed since, is there more
    shown, older = runs[:limit], (runs[limit] if len(runs) > limit else None)
    hashes = list(dict.fromkeys([dag["version_hash"], *(r.dag_version for r in shown)]))
    versions = [v for v in (_version(svc, dag_id, h) for h in hashes if h) if v is not None]
    rows = task_rows(versions)
    items = _each(lambda r: _query(svc.table, keys.ti_pk(dag_id, r.run_id), TI_CELL_ATTRS), shown)
    dag_runs = []
    for n, (run, found) in enumerate(zip(shown, items)):
        previous = shown[n + 1] if n + 1 < len(shown) else older
        dag_runs.append({
            **dag_run_json(run), "dag_version": run.dag_version,
            "version_changed": previous is not None and previous.dag_version != run.dag_version,
            "task_instances": cells(found, rows),
        })
    return {"tasks": rows, "dag_runs": dag_runs,
            "next": _cursor(shown[-1]) if older is not None and shown else None}


def _cursor(run: DagRun) -> str:
    """Names a run's place among the DAG's runs by date (the `by_date` index's sort key)."""
    raw = json.dumps([run.run_after, run.run_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_position(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        run_after, run_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return f"{run_after}#{run_id}"
    except (ValueError, TypeError, binascii.Error):
        raise BadRequest(f"Invalid cursor: {cursor!r}") from None


def _runs_before(table: Any, dag_id: str, position: str | None, count: int) -> list[DagRun]:
    """Up to `count` of the DAG's runs, newest first, older than `position` if given."""
    items = _query(table, keys.run_pk(dag_id), RUN_ATTRS, index=keys.BY_DATE_INDEX, sk_name="lsi1sk",
                   sk_below=position, forward=False, limit=count)
    return [DagRun.from_item(i) for i in items]


# -- the graph, the gantt chart and the code ------------------------------------------
@router.get("/structure/<dag_id>")
@requires("dag")
def get_ui_structure(dag_id: str) -> dict:
    """Tasks, groups and edges of the DAG's latest version, or of the one `run_id` ran."""
    dag_id = path_value(dag_id)
    svc = services(router)
    dag = _dag(svc, dag_id)
    run_id = Query.of(router).one("run_id")
    version_hash = _run(svc, dag_id, run_id).dag_version if run_id else dag["version_hash"]
    serialized = _version(svc, dag_id, version_hash)
    if serialized is None:
        raise NotFound(f"The Dag with ID: `{dag_id}` has no serialized version `{version_hash}`")
    return structure(serialized)


@router.get("/gantt/<dag_id>/<run_id>")
@requires("dag")
def get_ui_gantt(dag_id: str, run_id: str) -> dict:
    """Every try of the run's task instances: the earlier ones (`TIH#`), then the current
    one (unless it waits to retry: that try is recorded already), in the run's task order."""
    from updraft.models.states import TaskInstanceState

    dag_id, run_id = path_value(dag_id), path_value(run_id)
    svc = services(router)
    run = _run(svc, dag_id, run_id)
    current, history = _each(lambda pk: _query(svc.table, pk, TRY_ATTRS),
                             [keys.ti_pk(dag_id, run_id), keys.ti_history_pk(dag_id, run_id)])
    expanded = {i["sk"].rpartition("#")[0] for i in current if not i["sk"].endswith("#-1")}
    tries: dict[tuple[str, int, int], dict[str, Any]] = {}
    for item in history:
        tries[(item["task_id"], int(item["map_index"]), int(item["try_number"]))] = item
    for item in current:
        task_id, _, map_index = item["sk"].rpartition("#")
        if map_index == "-1" and task_id in expanded:
            continue  # a mapped task's decision, not a try
        if item.get("state") == str(TaskInstanceState.UP_FOR_RETRY):
            continue
        tries.setdefault((task_id, int(map_index), int(item.get("try_number") or 0)), item)
    serialized = _version(svc, dag_id, run.dag_version) if run.dag_version else None
    order = {t["task_id"]: n for n, t in enumerate((serialized or {}).get("tasks") or [])}
    ordered = sorted(tries, key=lambda k: (order.get(k[0], len(order)), k[0], k[1], k[2]))
    return {"dag_run": dag_run_json(run), "tries": [_try_json(*k, tries[k]) for k in ordered]}


def _try_json(task_id: str, map_index: int, try_number: int, item: dict[str, Any]) -> dict[str, Any]:
    state = item.get("state")
    return {"task_id": task_id, "map_index": map_index, "try_number": try_number,
            "state": None if state in (None, "none") else str(state),
            "queued_at": timestamp(item.get("queued_at")), "start_date": timestamp(item.get("start_date")),
            "end_date": timestamp(item.get("end_date"))}


@router.get("/code/<dag_id>")
@requires("dag")
def get_ui_code(dag_id: str) -> dict:
    """The DAG file's source at the S3 version the run `run_id` is pinned to, else at the
    version the DAG was last parsed from."""
    dag_id = path_value(dag_id)
    svc = services(router)
    dag = _dag(svc, dag_id)
    run_id = Query.of(router).one("run_id")
    if run_id:
        run = _run(svc, dag_id, run_id)
        fileloc = run.fileloc or dag.get("fileloc") or ""
        version_hash, bundle_version = run.dag_version, run.bundle_version
    else:
        fileloc = dag.get("fileloc") or ""
        version_hash, bundle_version = dag.get("version_hash"), dag.get("bundle_version")
    # The bundle version is the DAG file's S3 version (its entry in the bundle manifest).
    body = svc.bucket.get(fileloc, bundle_version) if fileloc else None
    if body is None:
        raise NotFound(f"The source of Dag `{dag_id}` was not found at `{fileloc}`")
    return {"dag_id": dag_id, "fileloc": fileloc, "version": version_hash, "bundle_version": bundle_version,
            "run_id": run_id or None, "content": body.decode("utf-8", errors="replace")}


# -- reads ----------------------------------------------------------------------------
def _dag(svc: Any, dag_id: str) -> dict[str, Any]:
    dag = _get(svc.table, keys.dag_key(dag_id), DAG_ATTRS)
    if dag is None:
        raise NotFound(f"The Dag with ID: `{dag_id}` was not found")
    return dag


def _run(svc: Any, dag_id: str, run_id: str) -> DagRun:
    item = _get(svc.table, keys.run_key(dag_id, run_id), RUN_ATTRS)
    if item is None:
        raise NotFound(f"The DagRun with dag_id: `{dag_id}` and run_id: `{run_id}` was not found")
    return DagRun.from_item(item)


def _version(svc: Any, dag_id: str, version_hash: str) -> dict[str, Any] | None:
    """A serialized version (read once per process: versions never change)."""
    try:
        return svc.serialized_dag(dag_id, version_hash)
    except LookupError:
        return None


def _projection(attrs: tuple[str, ...]) -> dict[str, Any]:
    names = {f"#a{n}": name for n, name in enumerate(attrs)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def _get(table: Any, key: dict[str, str], attrs: tuple[str, ...]) -> dict[str, Any] | None:
    """GetItem of `attrs` of one item."""
    resp = table.client.get_item(TableName=table.name, Key={k: {"S": v} for k, v in key.items()},
                                 **_projection(attrs))
    return from_item(resp["Item"]) if resp.get("Item") else None


def _batch_get(table: Any, item_keys: list[dict[str, str]], attrs: tuple[str, ...]) -> list[dict[str, Any]]:
    """BatchGetItem of `attrs` of each item (in no particular order), 100 keys a request."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(item_keys), 100):
        pending: dict[str, Any] = {table.name: {
            "Keys": [{k: {"S": v} for k, v in key.items()} for key in item_keys[start : start + 100]],
            **_projection(attrs),
        }}
        while pending:
            resp = table.client.batch_get_item(RequestItems=pending)
            out.extend(from_item(i) for i in resp.get("Responses", {}).get(table.name, []))
            pending = resp.get("UnprocessedKeys") or {}
    return out


def _query(
    table: Any, pk: str, attrs: tuple[str, ...], *, index: str | None = None, sk_name: str = "sk",
    sk_below: str | None = None, forward: bool = True, limit: int | None = None,
) -> list[dict[str, Any]]:
    """`attrs` of a partition's items (of an index's, with `index`), in key order (reversed
    unless `forward`), below `sk_below` if given, up to `limit` items if given."""
    projection = _projection(attrs)
    kwargs: dict[str, Any] = {
        "TableName": table.name, "KeyConditionExpression": "#pk = :pk", "ScanIndexForward": forward,
        "ProjectionExpression": projection["ProjectionExpression"],
        "ExpressionAttributeNames": {"#pk": "pk", **projection["ExpressionAttributeNames"]},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    if index:
        kwargs["IndexName"] = index
    if sk_below is not None:
        kwargs["KeyConditionExpression"] += " AND #sk < :sk"
        kwargs["ExpressionAttributeNames"]["#sk"] = sk_name
        kwargs["ExpressionAttributeValues"][":sk"] = {"S": sk_below}
    out: list[dict[str, Any]] = []
    while limit is None or len(out) < limit:
        if limit is not None:
            kwargs["Limit"] = limit - len(out)
        resp = table.client.query(**kwargs)
        out.extend(from_item(i) for i in resp.get("Items", []))
        if not resp.get("LastEvaluatedKey"):
            break
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    return out


def _each(read: Any, values: list[Any]) -> list[Any]:
    """`read` of each value, side by side, in order."""
    if len(values) <= 1:
        return [read(v) for v in values]
    with ThreadPoolExecutor(max_workers=min(READ_THREADS, len(values))) as pool:
        return list(pool.map(read, values))

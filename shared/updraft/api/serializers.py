"""Airflow 3's response shapes (`airflow.api_fastapi.core_api.datamodels`), from Updraft's
records. Field names, nesting and value types follow Airflow's so that the official
`apache-airflow-client` reads them; what Updraft has no counterpart for takes Airflow's
default (one pool, no executor) or null.

Datetimes are ISO 8601 in UTC with a `Z`, as pydantic writes Airflow's."""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any

from updraft.models.records import DagRun, TaskInstance
from updraft.models.states import TaskInstanceState
from updraft.store.bucket import DAGS_PREFIX

# Airflow's name for the DAG bundle of the DAGs folder; Updraft's one bundle is the bucket's dags/.
BUNDLE_NAME = "dags-folder"
# Stable ids for records that Updraft keys by name (Airflow gives them UUIDs).
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "updraft:api")
# Updraft's run creators under Airflow's DagRunTriggeredByType names.


def timestamp(value: str | datetime | None) -> str | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


# -- DAGs -------------------------------------------------------------------------------
def relative_fileloc(fileloc: str | None) -> str | None:
    if fileloc is None:
        return None
    return fileloc[len(DAGS_PREFIX):] if fileloc.startswith(DAGS_PREFIX) else fileloc


def file_token(fileloc: str | None) -> str:
    """Names the DAG's file for `GET /dagSources/{file_token}` (URL-safe, not a secret)."""
    payload = json.dumps({"bundle_name": BUNDLE_NAME, "relative_fileloc": relative_fileloc(fileloc)})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def dag_json(dag: dict[str, Any], files_with_errors: Collection[str] = ()) -> dict[str, Any]:
    """DAGResponse; `files_with_errors` are the files whose last import failed."""
    from updraft.scheduling import deserialize_timetable

    dag_id = dag["dag_id"]
    tags = sorted(dag.get("tags") or [])
    summary = dag.get("timetable_summary")
    timetable = deserialize_timetable(dag["timetable"]) if dag.get("timetable") else None
    periodic = bool(timetable is not None and timetable.periodic)
    return {
        "dag_id": dag_id,
        "dag_display_name": dag_id,
        "is_paused": bool(dag.get("is_paused")),
        "is_stale": not dag.get("is_active", True),
        "last_parsed_time": timestamp(dag.get("last_parsed_time")),
        "last_parse_duration": None,
        "last_expired": None,
        "bundle_name": BUNDLE_NAME,
        "bundle_version": dag.get("bundle_version"),
        "relative_fileloc": relative_fileloc(dag.get("fileloc")),
        "fileloc": dag.get("fileloc") or "",
        "description": dag.get("description"),
        "timetable_summary": None if summary in (None, "None") else str(summary),
        "timetable_description": dag.get("timetable_description"),
        "timetable_partitioned": False,
        "timetable_periodic": periodic,
        "is_backfillable": bool(timetable is not None and timetable.can_be_scheduled and periodic),
        "tags": [{"name": t, "dag_id": dag_id, "dag_display_name": dag_id} for t in tags],
        "max_active_tasks": int(dag.get("max_active_tasks") or 16),
        "max_active_runs": dag.get("max_active_runs"),
        "max_consecutive_failed_dag_runs": 0,
        "has_task_concurrency_limits": False,
        "has_import_errors": dag.get("fileloc") in files_with_errors,
        "next_dagrun_logical_date": timestamp(dag.get("next_dagrun")),
        "next_dagrun_data_interval_start": timestamp(dag.get("next_dagrun_data_interval_start")),
        "next_dagrun_data_interval_end": timestamp(dag.get("next_dagrun_data_interval_end")),
        "next_dagrun_run_after": timestamp(dag.get("next_dagrun_create_after")),
        "owners": list(dag.get("owners") or []),
        "file_token": file_token(dag.get("fileloc")),
    }


# -- DagRuns ----------------------------------------------------------------------------
def dag_run_json(run: DagRun) -> dict[str, Any]:
    """DAGRunResponse. `dag_versions` stays empty until DAG versions carry Airflow's
    version number and creation time."""
    return {
        "dag_run_id": run.run_id,
        "dag_id": run.dag_id,
        "logical_date": timestamp(run.logical_date),
        "queued_at": timestamp(run.queued_at),
        "start_date": timestamp(run.start_date),
        "end_date": timestamp(run.end_date),
        "duration": _seconds_between(run.start_date, run.end_date),
        "data_interval_start": timestamp(run.data_interval_start),
        "data_interval_end": timestamp(run.data_interval_end),
        "run_after": timestamp(run.run_after),
        "last_scheduling_decision": None,
        "run_type": run.run_type,
        "state": str(run.state),
        "triggered_by": run.triggered_by,
        "triggering_user_name": None,
        "conf": run.conf,
        "note": run.note,
        "dag_versions": [],
        "bundle_version": run.bundle_version,
        "dag_display_name": run.dag_id,
    }


# -- task instances ---------------------------------------------------------------------
def task_instance_id(dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{dag_id}\n{run_id}\n{task_id}\n{map_index}"))


def task_instance_json(
    run: DagRun,
    task_id: str,
    task: dict[str, Any] | None,
    ti: TaskInstance | None,
    priority_weight: int | None = None,
) -> dict[str, Any]:
    """TaskInstanceResponse; `ti` is None for a task nothing has touched yet (state null)."""
    map_index = ti.map_index if ti else -1
    state = ti.state if ti else TaskInstanceState.NONE
    operator = (ti.operator if ti else None) or (task or {}).get("task_type")
    return {
        "id": task_instance_id(run.dag_id, run.run_id, task_id, map_index),
        "task_id": task_id,
        "dag_id": run.dag_id,
        "dag_run_id": run.run_id,
        "map_index": map_index,
        "logical_date": timestamp(run.logical_date),
        "run_after": timestamp(run.run_after),
        "start_date": timestamp(ti.start_date) if ti else None,
        "end_date": timestamp(ti.end_date) if ti else None,
        "duration": _duration(ti),
        "state": None if state is TaskInstanceState.NONE else str(state),
        "try_number": ti.try_number if ti else 0,
        "max_tries": int((task or {}).get("retries") or 0),
        "task_display_name": task_id,
        "dag_display_name": run.dag_id,
        "hostname": ti.hostname if ti else None,
        "unixname": None,
        "pool": "default_pool",
        "pool_slots": 1,
        "queue": "default",
        "priority_weight": priority_weight,
        "operator": operator,
        "operator_name": operator,
        "queued_when": timestamp(ti.queued_at) if ti else None,
        "scheduled_when": None,
        "pid": None,
        "executor": None,
        "executor_config": "{}",
        "note": ti.note if ti else None,
        "rendered_map_index": (ti.rendered_map_index if ti and ti.rendered_map_index
                               else str(map_index) if map_index >= 0 else None),
        "rendered_fields": (ti.rendered_fields or {}) if ti else {},
        "trigger": None,
        "triggerer_job": None,
        "dag_version": None,
    }


def task_instance_try_json(
    run: DagRun, task_id: str, task: dict[str, Any] | None, item: dict[str, Any], priority_weight: int | None = None,
) -> dict[str, Any]:
    """TaskInstanceHistoryResponse: one try, from a task instance's item or an earlier try's."""
    map_index = int(item.get("map_index", -1))
    state = item.get("state")
    operator = item.get("operator") or (task or {}).get("task_type")
    duration = item.get("duration")
    return {
        "task_id": task_id,
        "dag_id": run.dag_id,
        "dag_run_id": run.run_id,
        "map_index": map_index,
        "start_date": timestamp(item.get("start_date")),
        "end_date": timestamp(item.get("end_date")),
        "duration": float(duration) if duration is not None else _seconds_between(item.get("start_date"), item.get("end_date")),
        "state": None if state in (None, str(TaskInstanceState.NONE)) else str(state),
        "try_number": int(item.get("try_number", 0)),
        "max_tries": int(item.get("max_tries") or (task or {}).get("retries") or 0),
        "task_display_name": task_id,
        "dag_display_name": run.dag_id,
        "hostname": item.get("hostname"),
        "unixname": None,
        "pool": "default_pool",
        "pool_slots": 1,
        "queue": "default",
        "priority_weight": priority_weight,
        "operator": operator,
        "operator_name": operator,
        "queued_when": timestamp(item.get("queued_at")),
        "scheduled_when": None,
        "pid": None,
        "executor": None,
        "executor_config": "{}",
        "dag_version": None,
    }


def _duration(ti: TaskInstance | None) -> float | None:
    if ti is None:
        return None
    if ti.duration is not None:
        return float(ti.duration)
    return _seconds_between(ti.start_date, ti.end_date)


def priority_weights(serialized: dict[str, Any]) -> dict[str, int]:
    """Airflow's default `downstream` weight rule: 1 + the number of tasks downstream."""
    tasks = {t["task_id"]: t for t in serialized["tasks"]}
    below: dict[str, set[str]] = {}
    for task in reversed(serialized["tasks"]):  # tasks are stored in topological order
        reach: set[str] = set()
        for child in task.get("downstream") or []:
            reach.add(child)
            reach |= below.get(child, set())
        below[task["task_id"]] = reach
    return {task_id: 1 + len(below.get(task_id, ())) for task_id in tasks}


def iso_duration(seconds: float | None) -> str | None:
    """A duration as pydantic writes a timedelta (ISO 8601, e.g. `PT1800S`)."""
    if seconds is None:
        return None
    days, rest = divmod(float(seconds), 86400)
    text = "P" + (f"{int(days)}D" if days else "")
    return text + (f"T{rest:g}S" if rest or not days else "")


def dag_details_json(
    dag: dict[str, Any], serialized: dict[str, Any], files_with_errors: Collection[str] = (),
    active_runs: int = 0,
) -> dict[str, Any]:
    """DAGDetailsResponse: the DAG's record with what its serialized version adds."""
    return {
        **dag_json(dag, files_with_errors),
        "catchup": bool(serialized.get("catchup", False)),
        "dag_run_timeout": iso_duration(serialized.get("dagrun_timeout")),
        "asset_expression": None,
        "doc_md": serialized.get("doc_md"),
        "start_date": timestamp(serialized.get("start_date")),
        "end_date": timestamp(serialized.get("end_date")),
        "is_paused_upon_creation": serialized.get("is_paused_upon_creation"),
        "params": serialized.get("params") or {},
        "render_template_as_native_obj": False,
        "template_search_path": None,
        "timezone": "UTC",
        "last_parsed": timestamp(dag.get("last_parsed_time")),
        "default_args": None,
        "owner_links": {},
        "is_favorite": False,
        "active_runs_count": active_runs,
        "allowed_run_types": None,
        "latest_dag_version": None,
        "concurrency": int(dag.get("max_active_tasks") or 16),
        "rerun_with_latest_version": None,
    }


# -- XComs ------------------------------------------------------------------------------------
def xcom_json(item: dict[str, Any], run: DagRun, when: str | None, *, value: Any = None,
              with_value: bool = False) -> dict[str, Any]:
    """XComResponse (with `value`: XComResponseNative). Updraft keeps no time per XCom; its
    `timestamp` is when its task instance ended (or started)."""
    task_id = item["task_id"]
    found = {
        "key": item["key"],
        "timestamp": timestamp(when or run.run_after),
        "logical_date": timestamp(run.logical_date),
        "map_index": int(item.get("map_index", -1)),
        "task_id": task_id,
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "run_after": timestamp(run.run_after),
        "dag_display_name": run.dag_id,
        "task_display_name": task_id,
    }
    if with_value:
        found["value"] = value
    return found


# -- variables and connections ------------------------------------------------------------
REDACTED = "***"


def variable_json(key: str, value: str | None, description: str | None) -> dict[str, Any]:
    """VariableResponse. A variable whose key is sensitive shows `***`; a JSON object shows
    the values of its own sensitive keys as `***` (Airflow's redaction, depth 1)."""
    from updraft.execution.masking import SecretsMasker, should_hide_value_for_key

    shown = value
    if value is not None:
        if should_hide_value_for_key(key):
            shown = REDACTED
        else:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                shown = json.dumps(SecretsMasker().redact(parsed, max_depth=1))
    return {"key": key, "value": shown, "description": description, "is_encrypted": True, "team_name": None}


def connection_json(conn: Any) -> dict[str, Any]:
    """ConnectionResponse: the password as `***`, the extra's sensitive values as `***`."""
    from updraft.execution.masking import SecretsMasker

    extra = conn.extra
    if extra:
        try:
            parsed = json.loads(extra)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            extra = json.dumps(SecretsMasker().redact(parsed))
    return {
        "connection_id": conn.conn_id,
        "conn_type": conn.conn_type or "",
        "description": conn.description,
        "host": conn.host,
        "login": conn.login,
        "schema": conn.schema,
        "port": conn.port,
        "password": REDACTED if conn.password else None,
        "extra": extra,
        "team_name": None,
    }


# -- import errors and logs -------------------------------------------------------------
def import_error_id(filename: str) -> int:
    """A stable number for an import error (Airflow's are row ids; Updraft's are keyed by file)."""
    return zlib.crc32(filename.encode()) & 0x7FFFFFFF


def import_error_json(item: dict[str, Any]) -> dict[str, Any]:
    """ImportErrorResponse."""
    return {
        "import_error_id": import_error_id(item["filename"]),
        "timestamp": timestamp(item.get("timestamp")),
        "filename": item["filename"],
        "bundle_name": BUNDLE_NAME,
        "stack_trace": item.get("stack_trace") or "",
    }


def log_messages(text: str | None, source: str) -> list[dict[str, Any]]:
    """A log as Airflow 3's structured messages: the source group, then one per line.

    Lines in Airflow's `[timestamp] {file:line} LEVEL - message` form carry their time."""
    header: list[dict[str, Any]] = [
        {"event": "::group::Log message source details", "sources": [source] if text is not None else []},
        {"event": "::endgroup::"},
    ]
    if text is None:
        return header + [{"timestamp": None, "event": f"*** Could not find a log at {source}"}]
    return header + [
        {"timestamp": _line_time(line), "event": line} for line in text.splitlines() if line
    ]


def _line_time(line: str) -> str | None:
    if not line.startswith("["):
        return None
    stamp = line[1:].split("]", 1)[0]
    try:
        return timestamp(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z"))
    except ValueError:
        return None

"""The serialized DAG: what the scheduler, the engine and the API know of a DAG without
importing its file. JSON-safe, and hashed so that a changed DAG is a new version."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from updraft.authoring.params import serialize_params
from updraft.timeutil import iso

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.authoring.dag import DAG
    from updraft.authoring.taskgroup import TaskGroup

SERIALIZATION_VERSION = 1


def serialize_task(task: "BaseOperator") -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "task_type": task.task_type,
        "operator_module": type(task).__module__,
        "owner": task.owner,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "trigger_rule": str(task.trigger_rule),
        "retries": task.retries,
        "retry_delay": task.retry_delay.total_seconds(),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "max_retry_delay": task.max_retry_delay.total_seconds() if task.max_retry_delay else None,
        "execution_timeout": (
            task.execution_timeout.total_seconds() if task.execution_timeout else None
        ),
        "template_fields": list(task.template_fields),
        "doc_md": task.doc_md,
        "ui_color": task.ui_color,
        "is_empty": _is_empty(task),
        "depends_on_past": bool(task.depends_on_past),
        "wait_for_downstream": bool(task.wait_for_downstream),
        "task_group_id": task.task_group.group_id if task.task_group is not None else None,
        **_mapping(task),
        **_setup_teardown(task),
    }


def _setup_teardown(task: Any) -> dict[str, Any]:
    """A setup's or a teardown's marks, only where set (so other tasks serialize as before)."""
    return {name: True for name in ("is_setup", "is_teardown", "on_failure_fail_dagrun")
            if getattr(task, name, False)}


def _is_empty(task: Any) -> bool:
    """Airflow's `is_task_schedulable`, negated: an EmptyOperator (or subclass) with no
    execute or success callback, outlets or inlets is marked success without a worker."""
    from updraft.operators.empty import EmptyOperator

    if getattr(task, "is_mapped", False) or not isinstance(task, EmptyOperator):
        return False
    return not (task.on_execute_callback or task.on_success_callback
                or getattr(task, "outlets", None) or getattr(task, "inlets", None))


def _mapping(task: Any) -> dict[str, Any]:
    """A mapped task's expand input: where its instances' arguments come from. A task of a
    mapped task group is mapped over the group's, and `group_upstream` (`group_downstream`)
    names the tasks before (after) it in the same group: instance i waits for their instances
    i only (and only their instances i wait for it)."""
    from updraft.authoring.taskgroup import mapped_task_group

    group = mapped_task_group(task)
    if group is not None:
        if getattr(task, "is_mapped", False):
            raise ValueError(
                f"Task '{task.task_id}' is mapped inside the mapped task group '{group.group_id}': "
                "mapping inside a mapped task group is not supported"
            )
        return {"is_mapped": True, "expand_input": group.expand_input.serialize(),
                "mapped_group": group.group_id,
                "group_upstream": [t for t in sorted(task.upstream_task_ids) if _in_group(task.dag, t, group)],
                "group_downstream": [t for t in sorted(task.downstream_task_ids) if _in_group(task.dag, t, group)]}
    if not getattr(task, "is_mapped", False):
        return {}
    return {"is_mapped": True, "expand_input": task.expand_input.serialize()}


def _in_group(dag: Any, task_id: str, group: Any) -> bool:
    from updraft.authoring.taskgroup import mapped_task_group

    return mapped_task_group(dag.task_dict[task_id]) is group


def _with_setup_teardown(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the engine needs beyond each task's own edges when the DAG has setups or
    teardowns (indirect setups, a teardown's scope, which tasks count for the run's state)."""
    from updraft.models.setup_teardown import annotate

    annotate(tasks)
    return tasks


def serialize_task_group(group: "TaskGroup") -> dict[str, Any]:
    """A task group and the groups inside it, for the UI and for branching into groups:
    `task_ids` are its own tasks, `groups` its child groups, in the order they were added;
    `roots` the tasks an edge into the group reaches."""
    from updraft.authoring.taskgroup import TaskGroup

    return {
        "group_id": group.group_id,
        "label": group.label,
        "prefix_group_id": group.prefix_group_id,
        "tooltip": group.tooltip,
        "ui_color": group.ui_color,
        "ui_fgcolor": group.ui_fgcolor,
        "task_ids": [c.task_id for c in group.children.values() if not isinstance(c, TaskGroup)],
        "groups": [
            serialize_task_group(c) for c in group.children.values() if isinstance(c, TaskGroup)
        ],
        "roots": [t.task_id for t in group.roots],
        "upstream_task_ids": sorted(group.upstream_task_ids),
        "downstream_task_ids": sorted(group.downstream_task_ids),
    }


def serialize_dag(dag: "DAG", fileloc: str) -> dict[str, Any]:
    """The DAG as data; `fileloc` is the file's key in the DAG bucket, not a local path."""
    body: dict[str, Any] = {
        "__version": SERIALIZATION_VERSION,
        "dag_id": dag.dag_id,
        "fileloc": fileloc,
        "timetable": dag.timetable.serialize(),
        "timetable_summary": dag.timetable.summary,
        "timetable_description": dag.timetable.description,
        "start_date": iso(dag.start_date),
        "end_date": iso(dag.end_date),
        "catchup": dag.catchup,
        "description": dag.description,
        "doc_md": dag.doc_md,
        "tags": list(dag.tags),
        "owners": sorted({t.owner for t in dag.tasks}) or ["airflow"],
        "params": _jsonable(serialize_params(dag.params)),
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "max_active_tasks_enforced": dag.max_active_tasks_enforced,
        "dagrun_timeout": dag.dagrun_timeout.total_seconds() if dag.dagrun_timeout else None,
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "has_on_success_callback": dag.on_success_callback is not None,
        "has_on_failure_callback": dag.on_failure_callback is not None,
        "tasks": _with_setup_teardown([serialize_task(t) for t in dag.topological_sort()]),
        "task_group": serialize_task_group(dag.task_group),
    }
    if dag.edge_info:  # labelled edges, for the graph (only when there are any: same hash)
        body["edge_info"] = dag.edge_info
    body["version_hash"] = dag_hash(body)
    return body


def dag_hash(body: dict[str, Any]) -> str:
    payload = json.dumps({k: v for k, v in body.items() if k != "version_hash"}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    """Params as JSON; anything that is not JSON becomes its repr so listing never fails."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return repr(value)

"""Expanding a mapped task when its upstream tasks are done.

The length comes from the literal lists or from the upstream XComs' stored lengths (never
their values); the run then counts the instances, each downstream task instance learns how
many upstream instances to wait for, and the instances are queued."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from updraft.authoring.mapped import MAX_MAP_LENGTH, expansion_length, xcom_sources
from updraft.exceptions import AirflowException
from updraft.models.records import DagRun


def mapped_length(services: Any, run: DagRun, tasks: dict[str, dict[str, Any]], task: dict[str, Any]) -> int:
    """How many instances `task` expands to in this run; AirflowException when it cannot."""
    lengths: dict[tuple[str, str], int | None] = {}
    for upstream, key in xcom_sources(task["expand_input"]):
        if tasks[upstream].get("is_mapped"):
            marker = services.tis.get(run.dag_id, run.run_id, upstream, -1, consistent=True)
            lengths[(upstream, key)] = marker.map_length if marker else None
        else:
            lengths[(upstream, key)] = services.xcoms.length(run.dag_id, run.run_id, upstream, -1, key)
    length = expansion_length(task["expand_input"], lengths)
    limit = int(task.get("max_map_length") or MAX_MAP_LENGTH)
    if length > limit:
        raise AirflowException(
            f"Task '{task['task_id']}' would expand to {length} mapped instances, more than the "
            f"limit of {limit} (max_map_length)"
        )
    return length


def upstream_total(upstream_ids: list[str], lengths: dict[str, int]) -> int:
    """How many upstream task instances a task instance waits for: one per task, or the
    number of instances of a mapped upstream once it has expanded."""
    return sum(lengths.get(u, 1) for u in upstream_ids)


def tally_key(task_id: str, map_index: int) -> str:
    """How a finished upstream task instance is recorded in its downstream's sets."""
    return task_id if map_index < 0 else f"{task_id}#{map_index}"


def expansion_fields(now: datetime) -> dict[str, Any]:
    from updraft.timeutil import iso

    return {"queued_at": iso(now)}

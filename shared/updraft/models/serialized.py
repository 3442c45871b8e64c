"""Reading a serialized DAG: its tasks by id, roots and leaves."""

from __future__ import annotations

from typing import Any


def tasks_by_id(serialized: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The serialized tasks keyed by task id (memoized on the serialized body)."""
    index = serialized.get("_tasks_by_id")
    if index is None:
        index = {t["task_id"]: t for t in serialized["tasks"]}
        serialized["_tasks_by_id"] = index
    return index


def roots(serialized: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in serialized["tasks"] if not t["upstream"]]


def task_slot(serialized: dict[str, Any]) -> Any:
    """The DAG's max_active_tasks place-keeper, when the DAG sets one (else None)."""
    if not serialized.get("max_active_tasks_enforced"):
        return None
    from updraft.store import keys
    from updraft.store.task_instances import TaskSlot

    return TaskSlot(keys.dag_key(serialized["dag_id"]), int(serialized["max_active_tasks"]))

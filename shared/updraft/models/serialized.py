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

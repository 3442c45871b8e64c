"""Earlier tries of task instances, as Airflow's `task_instance_history`.

A task instance's item holds its current try. When a try ends and another will follow — it
failed with retries left, or it was cleared — the try is copied to an item of its own,
`TIH#<dag_id>#<run_id>` / `<task_id>#<map_index>#<try_number>`, so the API can show every
try (`…/taskInstances/{task_id}/tries`). One `PutItem` per retried or cleared try; one
`Query` (by sort-key prefix) lists a task instance's tries; a run's history is deleted with
its run."""

from __future__ import annotations

from typing import Any

from updraft.models.records import TaskInstance
from updraft.models.states import TaskInstanceState
from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Table

# What a try's record keeps of its task instance's item.
KEPT = ("queued_at", "start_date", "end_date", "duration", "hostname", "operator", "max_tries", "error")


def record_try(table: Table, ti: TaskInstance, state: TaskInstanceState, **fields: Any) -> None:
    """Keep `ti`'s current try as it ended, in `state`; `fields` override what `ti` says. The
    first record of a try stays: a task instance decided again without running (cleared,
    then upstream_failed) keeps its try number, and must not overwrite how that try ran."""
    item: dict[str, Any] = {
        **keys.ti_history_key(ti.dag_id, ti.run_id, ti.task_id, ti.map_index, ti.try_number),
        "kind": "ti_try", "dag_id": ti.dag_id, "run_id": ti.run_id, "task_id": ti.task_id,
        "map_index": ti.map_index, "try_number": ti.try_number, "state": str(state),
    }
    for name in KEPT:
        value = fields.get(name, getattr(ti, name, None))
        if value is not None:
            item[name] = value
    try:
        table.put_new(item)
    except ConditionFailed:
        pass


def list_tries(table: Table, dag_id: str, run_id: str, task_id: str, map_index: int) -> list[dict[str, Any]]:
    """The task instance's recorded tries, oldest first."""
    prefix = f"{task_id}#{map_index}#"
    return list(table.query_all(keys.ti_history_pk(dag_id, run_id), sk_prefix=prefix))

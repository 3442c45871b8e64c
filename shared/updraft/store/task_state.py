"""The task state store (Airflow 3.3's `context["task_state_store"]`): small JSON values a task
instance keeps across its tries (a submitted job's id, say). One item per key, in the run's own
partition; a value with a retention expires by DynamoDB TTL (`expires_at`)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from updraft.store import keys
from updraft.store.table import Table

NEVER_EXPIRE: timedelta = timedelta.max
DEFAULT_RETENTION_DAYS = 30  # Airflow's `[state_store] default_retention_days`


class TaskStateStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> tuple[bool, Any]:
        item = self.table.get(keys.task_state_key(dag_id, run_id, task_id, map_index, key), consistent=True)
        if item is None or (item.get("expires_at") and int(item["expires_at"]) < time.time()):
            return False, None  # TTL deletes expired items within days: they read as gone now
        return True, json.loads(item["value"])

    def set(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: Any,
            retention: timedelta | None) -> None:
        item: dict[str, Any] = {
            **keys.task_state_key(dag_id, run_id, task_id, map_index, key),
            "kind": "task_state", "task_id": task_id, "map_index": map_index, "key": key,
            "value": json.dumps(value),
        }
        if retention is None:
            retention = timedelta(days=DEFAULT_RETENTION_DAYS)
        if retention != NEVER_EXPIRE:
            item["expires_at"] = int(time.time() + retention.total_seconds())
        self.table.put(item)

    def delete(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> None:
        self.table.delete(keys.task_state_key(dag_id, run_id, task_id, map_index, key))

    def clear(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        prefix = f"{task_id}#{map_index}#"
        for item in self.table.query_all(keys.task_state_pk(dag_id, run_id), sk_prefix=prefix, consistent=True):
            self.table.delete({"pk": item["pk"], "sk": item["sk"]})

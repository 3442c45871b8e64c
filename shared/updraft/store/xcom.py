"""XCom values: JSON in DynamoDB, or in S3 with a pointer when too large for an item."""

from __future__ import annotations

import json
from typing import Any

from updraft.store import keys
from updraft.store.bucket import Bucket, xcom_object_key
from updraft.store.table import Table

# DynamoDB items hold 400 KB; values above this go to S3 and the item keeps the key.
MAX_INLINE_BYTES = 64 * 1024


class XComSerializationError(TypeError):
    """An XCom value that is not JSON."""


def dumps(value: Any, where: str) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise XComSerializationError(
            f"XCom value of {where} must be JSON-serializable (str, number, bool, None, list, "
            f"dict): {err}"
        ) from None


class XComStore:
    def __init__(self, table: Table, bucket: Bucket) -> None:
        self.table = table
        self.bucket = bucket

    def push(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: Any
    ) -> None:
        text = dumps(value, f"task '{task_id}' (key '{key}')")
        item: dict[str, Any] = {
            **keys.xcom_key(dag_id, run_id, task_id, map_index, key),
            "kind": "xcom", "dag_id": dag_id, "run_id": run_id, "task_id": task_id,
            "map_index": map_index, "key": key,
        }
        if isinstance(value, (list, dict)):
            item["length"] = len(value)  # what mapping over this value needs, without reading it
        if len(text.encode()) > MAX_INLINE_BYTES:
            object_key = xcom_object_key(dag_id, run_id, task_id, map_index, key)
            self.bucket.put(object_key, text, content_type="application/json")
            item["s3_key"] = object_key
            item["size"] = len(text.encode())
        else:
            item["value"] = text
        self.table.put(item)

    def get(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> tuple[bool, Any]:
        """(found, value)."""
        item = self.table.get(keys.xcom_key(dag_id, run_id, task_id, map_index, key), consistent=True)
        if item is None:
            return False, None
        return True, self._value(item)

    def length(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> int | None:
        """The length of a list or dict XCom (None if absent or neither), read without the value."""
        item = self.table.get(keys.xcom_key(dag_id, run_id, task_id, map_index, key), consistent=True)
        return int(item["length"]) if item and "length" in item else None

    def get_all_indexes(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[Any]:
        """A mapped task's values for `key`, in map index order (missing ones left out)."""
        found = []
        for item in self.table.query_all(keys.xcom_pk(dag_id, run_id), sk_prefix=f"{task_id}#", consistent=True):
            if item.get("key") == key and item.get("task_id") == task_id and int(item["map_index"]) >= 0:
                found.append((int(item["map_index"]), self._value(item)))
        return [value for _, value in sorted(found, key=lambda pair: pair[0])]

    def list(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        out = []
        for item in self.table.query_all(keys.xcom_pk(dag_id, run_id)):
            out.append({**item, "value": self._value(item)})
        return out

    def _value(self, item: dict[str, Any]) -> Any:
        if "s3_key" in item:
            body = self.bucket.get(item["s3_key"])
            return json.loads(body) if body is not None else None
        return json.loads(item["value"])

"""DAG records: the summary the scheduler and the API read, the serialized versions, the
files they came from, and import errors. Key design in updraft.store.keys."""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from typing import Any

from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Condition, Table, Update

# Serialized DAGs and bundle manifests larger than this are stored compressed (repeated task
# fields and folder paths shrink ~10x).
COMPRESS_ABOVE_BYTES = 64 * 1024

# Bundle manifests read in this process, by digest: an item never changes once written.
_bundles: dict[str, dict[str, str]] = {}
_bundles_lock = threading.Lock()


def _packed(text: str) -> dict[str, Any]:
    """JSON text as an item's `data`, or zlib-compressed in `data_z` when it is large."""
    if len(text) > COMPRESS_ABOVE_BYTES:
        return {"data_z": zlib.compress(text.encode(), 6)}
    return {"data": text}


def _unpacked(item: dict[str, Any]) -> Any:
    if "data_z" in item:
        return json.loads(zlib.decompress(item["data_z"]))
    return json.loads(item["data"])


def bundle_digest(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:32]


class DagStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # -- summaries ------------------------------------------------------------------------
    def get(self, dag_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.table.get(keys.dag_key(dag_id), consistent=consistent)

    def list(
        self, *, limit: int | None = None, start_key: dict[str, Any] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self.table.query(keys.DAG_PK, limit=limit, start_key=start_key)

    def list_all(self) -> list[dict[str, Any]]:
        return list(self.table.query_all(keys.DAG_PK))

    def create(self, fields: dict[str, Any]) -> None:
        """Create the summary of a DAG seen for the first time; ConditionFailed if it exists."""
        self.table.put_new({**keys.dag_key(fields["dag_id"]), "kind": "dag", **fields})

    def refresh(self, dag_id: str, fields: dict[str, Any], remove: list[str] | None = None) -> None:
        self.table.update(
            keys.dag_key(dag_id),
            Update(set=fields, remove=remove or []),
            condition=Condition("attribute_exists(pk)"),
        )

    def advance(
        self, dag_id: str, expected_next: str | None, fields: dict[str, Any], remove: list[str]
    ) -> bool:
        """Move the DAG's next run on, if nobody else did since it was read."""
        if expected_next is None:
            cond = Condition("attribute_not_exists(next_dagrun)")
        else:
            cond = Condition("next_dagrun = :expected", values={":expected": expected_next})
        try:
            self.table.update(keys.dag_key(dag_id), Update(set=fields, remove=remove), condition=cond)
        except ConditionFailed:
            return False
        return True

    # -- serialized versions --------------------------------------------------------------
    def save_version(self, serialized: dict[str, Any], bundle_version: str | None) -> None:
        """The serialized DAG as JSON in `data`; a large one (a DAG of a thousand tasks is
        over DynamoDB's 400 KB an item) zlib-compressed in `data_z` instead."""
        body = _packed(json.dumps(serialized, separators=(",", ":")))
        self.table.put(
            {
                **keys.dag_version_key(serialized["dag_id"], serialized["version_hash"]),
                "kind": "dag_version",
                "dag_id": serialized["dag_id"],
                "version_hash": serialized["version_hash"],
                "fileloc": serialized["fileloc"],
                "bundle_version": bundle_version,
                **body,
            }
        )

    def get_version(self, dag_id: str, version_hash: str) -> dict[str, Any] | None:
        item = self.table.get(keys.dag_version_key(dag_id, version_hash))
        return None if item is None else _unpacked(item)

    # -- bundles: the DAG folder's files at the versions a DAG was parsed with ------------
    def save_bundle(self, manifest: dict[str, str]) -> str:
        """Store a manifest once (its digest is its key, so writing it again changes nothing)
        and return the digest that DAG records and runs keep instead of the manifest itself:
        it grows with the folder, and they are read far more often than it is."""
        digest = bundle_digest(manifest)
        self.table.put({**keys.bundle_key(digest), "kind": "bundle", "files": len(manifest),
                        **_packed(json.dumps(manifest, separators=(",", ":"), sort_keys=True))})
        return digest

    def get_bundle(self, digest: str) -> dict[str, str]:
        """The manifest of a digest (read once per process); LookupError if it is not stored."""
        found = _bundles.get(digest)
        if found is None:
            item = self.table.get(keys.bundle_key(digest), consistent=True)
            if item is None:
                raise LookupError(f"DAG bundle {digest} is not in the table")
            found = _unpacked(item)
            with _bundles_lock:
                _bundles[digest] = found
        return dict(found)

    # -- files and import errors ----------------------------------------------------------
    def get_file(self, fileloc: str) -> dict[str, Any] | None:
        return self.table.get(keys.file_key(fileloc), consistent=True)

    def put_file(self, fileloc: str, fields: dict[str, Any], sequencer: str | None,
                 *, only_if_new: bool = False) -> bool:
        """Record what a file defines, unless a newer S3 event for it was processed already
        (`only_if_new`: unless any record of it exists)."""
        cond = Condition("attribute_not_exists(pk)")
        if only_if_new:
            pass
        elif sequencer:
            cond = Condition(
                "attribute_not_exists(pk) OR attribute_not_exists(#seq) OR #seq <= :seq",
                {"#seq": "sequencer"},
                {":seq": sequencer},
            )
        else:
            cond = Condition("attribute_exists(pk) OR attribute_not_exists(pk)")
        try:
            self.table.put(
                {**keys.file_key(fileloc), "kind": "file", "fileloc": fileloc,
                 "sequencer": sequencer, **fields},
                condition=cond,
            )
        except ConditionFailed:
            return False
        return True

    def delete_file(self, fileloc: str) -> None:
        self.table.delete(keys.file_key(fileloc))

    def put_import_error(self, fileloc: str, stacktrace: str, timestamp: str,
                         missing_module: str | None = None) -> None:
        """`missing_module`: the module the import lacked ("" when that was not the reason)."""
        self.table.put(
            {**keys.import_error_key(fileloc), "kind": "import_error", "filename": fileloc,
             "stack_trace": stacktrace, "timestamp": timestamp, "missing_module": missing_module or ""}
        )

    def clear_import_error(self, fileloc: str) -> None:
        self.table.delete(keys.import_error_key(fileloc))

    def list_import_errors(self) -> list[dict[str, Any]]:
        return list(self.table.query_all(keys.IMPORT_ERROR_PK))

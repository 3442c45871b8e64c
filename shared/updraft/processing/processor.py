"""The dag processor: for each S3 event under `dags/`, import the file and store what it
defines — each DAG serialized, or the file's import error. Other files' DAGs are untouched."""

from __future__ import annotations

import logging
import os
import time
import urllib.parse
from datetime import datetime
from typing import Any

from updraft.authoring.serialization import serialize_dag
from updraft.execution.bundle import materialize
from updraft.processing.dagfile import LoadedFile, load_dag_file, might_contain_dag
from updraft.processing.ignore import is_ignored
from updraft.scheduling.next_run import last_automated_interval, dag_schedule_fields, next_run_fields
from updraft.store.bucket import DAGS_PREFIX
from updraft.store.errors import ConditionFailed
from updraft.timeutil import iso, utcnow

log = logging.getLogger("updraft.dag_processor")


def process_s3_event(services: Any, event: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Handle every record of an S3 event notification; returns what happened per file."""
    results = []
    for record in event.get("Records", []):
        s3 = record["s3"]
        key = urllib.parse.unquote_plus(s3["object"]["key"])
        if not key.startswith(DAGS_PREFIX) or not key.endswith(".py"):
            results.append({"file": key, "result": "ignored"})
            continue
        sequencer = s3["object"].get("sequencer")
        if record.get("eventName", "").startswith("ObjectRemoved"):
            results.append(remove_file(services, key, sequencer))
        else:
            results.append(
                process_file(services, key, s3["object"].get("versionId"), sequencer, now or utcnow())
            )
    return {"files": results}


# How long one invocation goes on parsing the folder's other new files after its own (the
# first event of a folder upload parses the files whose own events are still to come).
LOOKAHEAD_SECONDS = 20.0


def process_file(
    services: Any, key: str, version_id: str | None, sequencer: str | None, now: datetime,
    *, reparse_errors: bool = True,
) -> dict[str, Any]:
    """Import one file and store what it defines. Without `version_id`, its latest version.

    A folder of N new files costs N parses and one listing of the folder, not N: the listing
    made for this file's parse also serves the new files after it (by key), parsed here while
    LOOKAHEAD_SECONDS last, until one that another invocation already recorded; their own
    events then find them parsed at that version and do nothing."""
    if version_id and (services.dags.get_file(key) or {}).get("version_id") == version_id:
        return {"file": key, "result": "unchanged"}
    # The file is imported from the DAG folder as it is now (its own version as the event
    # says), so that it can import the helper modules beside it, as in Airflow's DAGs folder.
    manifest = services.bucket.latest_versions(DAGS_PREFIX)
    if version_id:
        manifest[key] = version_id
    elif key not in manifest:
        return {"file": key, "result": "missing"}
    elif manifest[key] != "null":
        version_id = manifest[key]
    folder = materialize(services, manifest, skip_missing=True)
    parse = _FolderParse(services, manifest, folder, now)
    result = parse.file(key, version_id, sequencer)
    if reparse_errors and result["result"] == "ok":
        again = reparse_import_errors(services, key, now)
        if again:
            result["reparsed"] = again
    if reparse_errors:  # the event's own parse, not a re-parse
        also = parse.new_files_after(key)
        if also:
            result["also"] = also
    return result


class _FolderParse:
    """Parses files of one state of the DAG folder (one listing, one materialized folder, one
    bundle for all the DAGs found)."""

    def __init__(self, services: Any, manifest: dict[str, str], folder: str, now: datetime) -> None:
        self.services = services
        self.manifest = manifest
        self.folder = folder
        self.now = now
        self._bundle: str | None = None

    def bundle(self) -> str:
        if self._bundle is None:
            self._bundle = self.services.dags.save_bundle(self.manifest)
        return self._bundle

    def new_files_after(self, key: str) -> list[dict[str, Any]]:
        """Parse the folder's Python files after `key` (in key order, wrapping round) that have
        no record yet, until one has or the time is up."""
        started = time.monotonic()
        keys = sorted(k for k in self.manifest if k.endswith(".py"))
        position = keys.index(key) + 1 if key in keys else 0
        out: list[dict[str, Any]] = []
        for other in keys[position:] + keys[:max(position - 1, 0)]:
            if time.monotonic() - started > LOOKAHEAD_SECONDS:
                break
            if self.services.dags.get_file(other) is not None:
                break  # parsed already, by its own event or another invocation's look-ahead
            version = self.manifest[other]
            result = self.file(other, None if version == "null" else version, None, only_if_new=True)
            out.append(result)
            if result["result"] == "stale":
                break
        return out

    def file(self, key: str, version_id: str | None, sequencer: str | None,
             *, only_if_new: bool = False) -> dict[str, Any]:
        services, now = self.services, self.now
        path = os.path.join(self.folder, key)
        if not os.path.exists(path):
            return {"file": key, "result": "missing"}
        ignored = is_ignored(os.path.join(self.folder, DAGS_PREFIX), key[len(DAGS_PREFIX):])
        if not ignored and might_contain_dag(path):
            loaded = load_dag_file(path, display_name=key)
        else:  # .airflowignore'd, or not a DAG file (a helper module): no DAGs, no error
            loaded = LoadedFile(path=path, display_name=key)
        previous = services.dags.get_file(key)
        if loaded.error:
            if not services.dags.put_file(key, {"dag_ids": (previous or {}).get("dag_ids", []),
                                                "version_id": version_id, "error": True}, sequencer,
                                          only_if_new=only_if_new):
                return {"file": key, "result": "stale"}
            services.dags.put_import_error(key, loaded.error, iso(now) or "", loaded.missing_module)
            log.warning("import error in %s: %s", key, loaded.error.splitlines()[0])
            return {"file": key, "result": "import_error", "error": loaded.error}
        # A DAG id belongs to the file that defined it first, as in Airflow: another file
        # defining it too gets an import error naming both, and its other DAGs are kept.
        ours = set((previous or {}).get("dag_ids", []))  # a re-parse: these are this file's already
        owners = {d.dag_id: None if d.dag_id in ours else self.owner(d.dag_id, key) for d in loaded.dags}
        kept = [d for d in loaded.dags if owners[d.dag_id] is None]
        duplicated = [
            f"AirflowDagDuplicatedIdException: Ignoring DAG {d.dag_id} from {key} - also found in {owners[d.dag_id]}"
            for d in loaded.dags if owners[d.dag_id] is not None
        ]
        dag_ids = sorted(d.dag_id for d in kept)
        record: dict[str, Any] = {"dag_ids": dag_ids, "version_id": version_id}
        if duplicated:
            record["error"] = True
        if not services.dags.put_file(key, record, sequencer, only_if_new=only_if_new):
            return {"file": key, "result": "stale"}
        if duplicated:
            services.dags.put_import_error(key, "\n".join(duplicated), iso(now) or "")
        else:
            services.dags.clear_import_error(key)
        bundle = self.bundle() if kept else None
        for dag in kept:
            save_dag(services, serialize_dag(dag, key), version_id, now, bundle)
        for gone in set((previous or {}).get("dag_ids", [])) - set(dag_ids):
            deactivate(services, gone, key)
        log.info("processed %s: %s", key, ", ".join(dag_ids) or "no DAGs")
        if duplicated:
            log.warning("import error in %s: %s", key, duplicated[0])
            return {"file": key, "result": "import_error", "error": "\n".join(duplicated), "dag_ids": dag_ids}
        return {"file": key, "result": "ok", "dag_ids": dag_ids}

    def owner(self, dag_id: str, key: str) -> str | None:
        """The other file that defines `dag_id` now, if one does."""
        existing = self.services.dags.get(dag_id, consistent=True)
        other = (existing or {}).get("fileloc")
        if not other or other == key or not existing.get("is_active", True):
            return None
        record = self.services.dags.get_file(other)
        return other if record is not None and dag_id in record.get("dag_ids", []) else None


def reparse_import_errors(services: Any, changed: str, now: datetime) -> list[dict[str, Any]]:
    """Parse again the files whose import failed for want of the module `changed` may be (Airflow
    parses every file again in a loop; here the arrival of the missing module prompts it). Other
    failed files wait for their own change: a folder of N files costs N parses, not N²."""
    again = []
    for error in services.dags.list_import_errors():
        filename = error["filename"]
        if filename == changed or not _may_provide(changed, error):
            continue
        stored = services.dags.get_file(filename) or {}
        again.append(process_file(services, filename, None, stored.get("sequencer"), now, reparse_errors=False))
    return again


def _may_provide(changed: str, error: dict[str, Any]) -> bool:
    """Whether the file `changed` may be the module whose absence `error` records: a file or
    folder of that name. An error recorded before the module was noted: any ImportError."""
    missing = error.get("missing_module")
    if missing is None:
        return "ImportError" in error.get("stack_trace", "") or "ModuleNotFoundError" in error.get("stack_trace", "")
    if not missing:
        return False
    parts = changed[len(DAGS_PREFIX):].split("/")
    return missing in parts[:-1] or parts[-1] in (f"{missing}.py", missing)


def save_dag(
    services: Any, serialized: dict[str, Any], version_id: str | None, now: datetime,
    bundle: str | None = None,
) -> None:
    """Store a DAG's version and refresh its summary, keeping its pause state and next run.
    `bundle` is the digest of the DAG folder's manifest (`DagStore.save_bundle`)."""
    services.dags.save_version(serialized, version_id)
    dag_id = serialized["dag_id"]
    fields = {
        "dag_id": dag_id,
        **dag_schedule_fields(serialized),
        "version_hash": serialized["version_hash"],
        "bundle_version": version_id,
        # The DAG folder's files (helper modules, templates, data) at the versions the DAG
        # was parsed with, by the digest of their manifest: a run loads exactly these.
        "bundle_manifest_id": bundle,
        "is_active": True,
        "last_parsed_time": iso(now),
    }
    existing = services.dags.get(dag_id, consistent=True)
    if existing is None:
        paused = serialized.get("is_paused_upon_creation")
        if paused is None:
            paused = services.settings.dags_are_paused_at_creation
        nxt, _ = next_run_fields(services.settings, {**fields, "is_paused": paused}, None, now)
        try:
            services.dags.create({**fields, "is_paused": paused, **nxt})
            return
        except ConditionFailed:
            existing = services.dags.get(dag_id, consistent=True)
    assert existing is not None
    state = {**existing, **fields}
    schedule_changed = any(
        existing.get(k) != fields.get(k) for k in ("timetable", "start_date", "end_date", "catchup")
    ) or not existing.get("is_active", True)
    # A record from before bundles were items of their own loses its inline manifest.
    stale = ["bundle_manifest"] if "bundle_manifest" in existing else []
    if schedule_changed:
        nxt, remove = next_run_fields(services.settings, state, last_automated_interval(existing), now)
        services.dags.refresh(dag_id, {**fields, **nxt}, remove + stale)
    else:
        services.dags.refresh(dag_id, fields, stale)


def deactivate(services: Any, dag_id: str, fileloc: str) -> None:
    """A DAG no longer defined by its file: kept for its history, never scheduled.

    Nothing changes if the DAG has meanwhile moved to another file."""
    existing = services.dags.get(dag_id, consistent=True)
    if existing is not None and existing.get("fileloc") == fileloc:
        services.dags.refresh(dag_id, {"is_active": False}, ["tpk", "tsk"])


def remove_file(services: Any, key: str, sequencer: str | None) -> dict[str, Any]:
    previous = services.dags.get_file(key)
    for dag_id in (previous or {}).get("dag_ids", []):
        deactivate(services, dag_id, key)
    services.dags.delete_file(key)
    services.dags.clear_import_error(key)
    return {"file": key, "result": "removed"}

"""The DAG files a run is pinned to: fetched from S3 by version id, cached in /tmp and in memory.

A run keeps the S3 versions of the DAG folder's files as they were when its DAG was parsed
(the bundle manifest), so a DAG or helper changed mid-run does not change the run's remaining
tasks, and helper modules, templates and data files next to the DAG are there too."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from typing import TYPE_CHECKING, Any

from updraft.exceptions import AirflowException
from updraft.processing.dagfile import load_dag_file

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG
    from updraft.models.records import DagRun

_loaded: dict[tuple[str, str], dict[str, "DAG"]] = {}


def bundle_root() -> str:
    return os.environ.get("UPDRAFT_BUNDLE_DIR") or os.path.join(tempfile.gettempdir(), "updraft-bundles")


def _manifest(services: Any, run: "DagRun") -> dict[str, str]:
    """The run's files: its bundle item's manifest (read once per process), or its own."""
    if run.bundle_manifest_id:
        manifest = services.dags.get_bundle(run.bundle_manifest_id)
    else:
        manifest = dict(run.bundle_manifest or {})
    manifest[run.fileloc] = run.bundle_version or manifest.get(run.fileloc) or "null"
    return manifest


def materialize(services: Any, manifest: dict[str, str]) -> str:
    """Write the manifest's files into a folder of their own (once); returns the folder."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
    folder = os.path.join(bundle_root(), digest)
    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return folder
    for key, version in manifest.items():
        body = services.bucket.get(key, None if version == "null" else version)
        if body is None:
            raise AirflowException(f"DAG bundle file {key} (version {version}) is not in the bucket")
        path = os.path.join(folder, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(body)
        os.replace(tmp, path)
    with open(marker, "w") as fh:
        fh.write(digest)
    return folder


_load_lock = threading.Lock()


def load_pinned_dag(services: Any, run: "DagRun") -> "DAG":
    """The run's DAG as defined by the DAG files the run is pinned to (several workers in one
    process — the local stack — load each bundle once between them)."""
    with _load_lock:
        return _load_pinned(services, run)


def _load_pinned(services: Any, run: "DagRun") -> "DAG":
    manifest = _manifest(services, run)
    cache_key = (run.fileloc, json.dumps(manifest, sort_keys=True))
    dags = _loaded.get(cache_key)
    if dags is None:
        folder = materialize(services, manifest)
        path = os.path.join(folder, run.fileloc)
        display = run.fileloc
        loaded = load_dag_file(path, display_name=display)
        if loaded.error:
            raise AirflowException(f"DAG file {display} failed to import:\n{loaded.error}")
        dags = {d.dag_id: d for d in loaded.dags}
        _loaded[cache_key] = dags
    if run.dag_id not in dags:
        raise AirflowException(f"DAG '{run.dag_id}' is not defined in {run.fileloc}")
    return dags[run.dag_id]




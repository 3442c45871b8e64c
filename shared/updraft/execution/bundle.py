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
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from updraft.exceptions import AirflowException
from updraft.processing.dagfile import load_dag_file
from updraft.store.dags import bundle_digest

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


def materialize(services: Any, manifest: dict[str, str], *, skip_missing: bool = False) -> str:
    """Write the manifest's files into a folder of their own (once); returns the folder.

    Files are fetched side by side, and each S3 version once per machine (`objects/`), so a
    new manifest that differs from the last by one file downloads one file. A version missing
    from the bucket fails, unless `skip_missing` (the dag processor: a file deleted since the
    listing is not one the DAG being parsed needs, or its import says so)."""
    digest = bundle_digest(manifest)
    folder = os.path.join(bundle_root(), digest)
    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return folder

    def place(entry: tuple[str, str]) -> None:
        key, version = entry
        body = _fetch(services, key, version)
        if body is None:
            if skip_missing:
                return
            raise AirflowException(f"DAG bundle file {key} (version {version}) is not in the bucket")
        _write(os.path.join(folder, key), body)

    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        list(pool.map(place, sorted(manifest.items())))
    with open(marker, "w") as fh:
        fh.write(digest)
    return folder


FETCH_THREADS = 8


def _fetch(services: Any, key: str, version: str) -> bytes | None:
    """An S3 version's body, from this machine's copy when it has one (versions never change)."""
    if version == "null":  # an unversioned object can change: always fetched
        return services.bucket.get(key, None)
    cached = os.path.join(bundle_root(), "objects", hashlib.sha256(f"{key}\n{version}".encode()).hexdigest())
    try:
        with open(cached, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        pass
    body = services.bucket.get(key, version)
    if body is not None:
        _write(cached, body)
    return body


def _write(path: str, body: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(body)
    os.replace(tmp, path)


_load_lock = threading.Lock()


def load_pinned_dag(services: Any, run: "DagRun") -> "DAG":
    """The run's DAG as defined by the DAG files the run is pinned to (several workers in one
    process — the local stack — load each bundle once between them)."""
    with _load_lock:
        return _load_pinned(services, run)


def _load_pinned(services: Any, run: "DagRun") -> "DAG":
    # Every task of a run asks: a run's bundle digest and file version name its files, so only
    # a run made without a bundle item (an inline manifest) costs a serialization here.
    bundle = run.bundle_manifest_id or json.dumps(run.bundle_manifest or {}, sort_keys=True)
    cache_key = (run.fileloc, run.bundle_version, bundle)
    dags = _loaded.get(cache_key)
    if dags is None:
        folder = materialize(services, _manifest(services, run))
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




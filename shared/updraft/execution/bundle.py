"""The DAG file a run is pinned to: fetched from S3 by version id, cached in /tmp and in memory.

A run keeps the S3 version of the file it was created from, so a DAG changed mid-run does not
change the run's remaining tasks."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from updraft.exceptions import AirflowException
from updraft.processing.dagfile import load_dag_file

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG

_loaded: dict[tuple[str, str], dict[str, "DAG"]] = {}


def bundle_root() -> str:
    return os.environ.get("UPDRAFT_BUNDLE_DIR") or os.path.join(tempfile.gettempdir(), "updraft-bundles")


def load_pinned_dag(services: Any, dag_id: str, fileloc: str, version_id: str | None) -> "DAG":
    """The DAG `dag_id` as defined by version `version_id` of the file `fileloc` in the bucket."""
    version = version_id or "latest"
    cache_key = (fileloc, version)
    dags = _loaded.get(cache_key)
    if dags is None:
        path = os.path.join(bundle_root(), version, fileloc)
        if not os.path.exists(path):
            body = services.bucket.get(fileloc, version_id)
            if body is None:
                raise AirflowException(f"DAG file {fileloc} (version {version}) is not in the bucket")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        loaded = load_dag_file(path, display_name=fileloc)
        if loaded.error:
            raise AirflowException(f"DAG file {fileloc} failed to import:\n{loaded.error}")
        dags = {d.dag_id: d for d in loaded.dags}
        _loaded[cache_key] = dags
    if dag_id not in dags:
        raise AirflowException(f"DAG '{dag_id}' is not defined in {fileloc} (version {version})")
    return dags[dag_id]

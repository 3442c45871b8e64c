"""FSHook: a base folder named by a connection (type `fs`, the folder in its extra's `path`),
which FileSensor's paths are relative to (Airflow's providers/standard/hooks/filesystem.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from updraft.hooks.base import BaseHook


class FSHook(BaseHook):
    """The connection's folder: `Extra: {"path": "/tmp"}`; "" when the extra has none.
    A connection id that is not defined is an error (AirflowNotFoundException), as in
    Airflow, where `fs_default` exists only once default connections are created."""

    conn_name_attr = "fs_conn_id"
    default_conn_name = "fs_default"
    conn_type = "fs"
    hook_name = "File (path)"

    def __init__(self, fs_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        conn = self.get_connection(fs_conn_id)
        self.basepath: str = conn.extra_dejson.get("path", "")
        self.conn = conn

    def get_conn(self) -> None:
        return None

    def get_path(self) -> str:
        """The connection's folder."""
        return self.basepath

    def test_connection(self) -> tuple[bool, str]:
        """Whether the folder is set and exists, and a sentence saying so."""
        try:
            p = self.get_path()
            if not p:
                return False, "File Path is undefined."
            if not Path(p).exists():
                return False, f"Path {p} does not exist."
            return True, f"Path {p} is existing."
        except Exception as e:  # noqa: BLE001 - reported, as Airflow's test_connection does
            return False, str(e)

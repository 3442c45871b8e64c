"""SqliteHook: SQLite through Python's own sqlite3 (`apache-airflow-providers-sqlite`).

As in Airflow, the connection's host is the database file's path, and its extra becomes the
query of SQLite's URI (`{"mode": "ro"}` opens the file read-only)."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote, urlencode

from updraft.hooks.sql import DbApiHook


class SqliteHook(DbApiHook):
    """Interact with SQLite.

    :param sqlite_conn_id: the connection id (default `sqlite_default`)
    """

    conn_name_attr = "sqlite_conn_id"
    default_conn_name = "sqlite_default"
    conn_type = "sqlite"
    hook_name = "Sqlite"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._placeholder = "?"

    def get_uri(self) -> str:
        """`sqlite:///<path>[?extra]`, SQLAlchemy's form."""
        return "sqlite:///" + self._path_and_query()

    def _path_and_query(self) -> str:
        conn = self.connection
        path = quote(conn.host or "", safe="/:~")
        extra = conn.extra_dejson
        return path + (f"?{urlencode(extra)}" if extra else "")

    def get_conn(self) -> sqlite3.Connection:
        """A new sqlite3 connection to the file the connection's host names."""
        return sqlite3.connect(f"file:{self._path_and_query()}", uri=True)

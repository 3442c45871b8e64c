"""The base of every hook, with Airflow's way of finding a connection by id."""

from __future__ import annotations

import logging
from typing import Any

from updraft.authoring.connection import Connection


class BaseHook:
    """Abstract base of hooks: `get_connection(conn_id)` resolves a connection from the
    environment (`UPDRAFT_CONN_<ID>`, `AIRFLOW_CONN_<ID>`), then the stack's store."""

    conn_name_attr: str | None = None
    default_conn_name: str = "default_conn_id"
    conn_type: str = ""
    hook_name: str = ""

    def __init__(self, logger_name: str | None = None) -> None:
        self.log = logging.getLogger(logger_name or f"{type(self).__module__}.{type(self).__name__}")

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """The connection; AirflowNotFoundException when it is not defined."""
        conn = Connection.get(conn_id)
        logging.getLogger(__name__).debug("Connection Retrieved '%s' (via core Updraft secrets)", conn.conn_id)
        return conn

    def get_conn(self) -> Any:
        """The client this hook makes; each hook implements it."""
        raise NotImplementedError()

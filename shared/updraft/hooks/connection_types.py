"""Which hook serves which connection type: `Connection.get_hook()` and the generic SQL
operators find a connection's hook here, as Airflow's providers manager does."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from updraft.exceptions import AirflowException

if TYPE_CHECKING:
    from updraft.authoring.connection import Connection
    from updraft.hooks.base import BaseHook

# conn_type: (module, class, the keyword that takes the connection id)
HOOKS: dict[str, tuple[str, str, str]] = {
    "fs": ("updraft.hooks.filesystem", "FSHook", "fs_conn_id"),
    "postgres": ("updraft.hooks.postgres", "PostgresHook", "postgres_conn_id"),
    "sqlite": ("updraft.hooks.sqlite", "SqliteHook", "sqlite_conn_id"),
    "http": ("updraft.hooks.http", "HttpHook", "http_conn_id"),
    "https": ("updraft.hooks.http", "HttpHook", "http_conn_id"),
    "ssh": ("updraft.hooks.ssh", "SSHHook", "ssh_conn_id"),
    "sftp": ("updraft.hooks.sftp", "SFTPHook", "ssh_conn_id"),
}


def hook_class(conn_type: str | None) -> tuple[type["BaseHook"], str]:
    """The hook class for a connection type, and the keyword for its connection id."""
    found = HOOKS.get((conn_type or "").lower())
    if found is None:
        known = ", ".join(sorted(HOOKS))
        raise AirflowException(f'Unknown hook type "{conn_type}": Updraft has hooks for {known}')
    module, name, conn_id_param = found
    return getattr(importlib.import_module(module), name), conn_id_param


def get_hook(conn: "Connection", hook_params: dict[str, Any] | None = None) -> Any:
    """The hook for `conn`, made with `hook_params` (Airflow's `Connection.get_hook`)."""
    cls, conn_id_param = hook_class(conn.conn_type)
    return cls(**{conn_id_param: conn.conn_id}, **(hook_params or {}))

"""`var` and `conn` in templates, as in Airflow: `{{ var.value.key }}`, `{{ var.json.key.field }}`,
`{{ var.value.get('key', 'fallback') }}`, `{{ conn.my_db.host }}`, `{{ conn.get('my_db') }}`.

Each name is looked up when a template uses it (environment, then the stack's store, cached for
the task run), never before: a task that uses no variable reads none."""

from __future__ import annotations

from typing import Any

from updraft.authoring.params import NOTSET


def _is_lookup(name: str) -> bool:
    # copy, pickle, IPython and friends probe `_…` names; templates may not use them (Jinja's
    # sandbox refuses them), so they are never looked up.
    return not name.startswith("_")


class VariableAccessor:
    """`var.value` (text) or `var.json` (parsed JSON)."""

    def __init__(self, deserialize_json: bool) -> None:
        self._deserialize_json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if not _is_lookup(key):
            raise AttributeError(key)
        from updraft.authoring.variable import Variable

        return Variable.get(key, deserialize_json=self._deserialize_json)

    def get(self, key: str, default_var: Any = NOTSET) -> Any:
        from updraft.authoring.variable import Variable

        return Variable.get(key, default_var, deserialize_json=self._deserialize_json)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VariableAccessor) and other._deserialize_json == self._deserialize_json

    def __hash__(self) -> int:
        return hash((VariableAccessor, self._deserialize_json))

    def __repr__(self) -> str:
        return "<VariableAccessor (dynamic access)>"


class ConnectionAccessor:
    """`conn`: connections by id."""

    def __getattr__(self, conn_id: str) -> Any:
        if not _is_lookup(conn_id):
            raise AttributeError(conn_id)
        from updraft.authoring.connection import Connection

        return Connection.get(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        from updraft.execution.secrets import get_connection

        conn = get_connection(conn_id)
        return default_conn if conn is None else conn

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionAccessor)

    def __hash__(self) -> int:
        return hash(ConnectionAccessor)

    def __repr__(self) -> str:
        return "<ConnectionAccessor (dynamic access)>"


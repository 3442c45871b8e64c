"""Where Variable.get and Connection.get look: the environment first (Updraft's names, then
Airflow's), then the stack's store, cached for one task run and no longer."""

from __future__ import annotations

import json
import logging
import pytest

from updraft import Connection, Variable
from updraft.exceptions import AirflowNotFoundException
from updraft.execution.logs import capture_task_log
from updraft.execution.secrets import task_run_scope
from updraft.hooks.base import BaseHook
from updraft.store.secrets import CONNECTIONS, VARIABLES, SecretStoreError


class FakeStore:
    """Stands in for SecretStore: a dict, and a count of reads."""

    def __init__(self, values: dict[tuple[str, str], str] | None = None, error: Exception | None = None) -> None:
        self.values = dict(values or {})
        self.reads: list[tuple[str, str]] = []
        self.error = error

    def get(self, kind: str, key: str) -> str | None:
        self.reads.append((kind, key))
        if self.error:
            raise self.error
        return self.values.get((kind, key))

    def put(self, kind: str, key: str, value: str, description: str | None = None) -> None:
        self.values[(kind, key)] = value

    def delete(self, kind: str, key: str) -> bool:
        return self.values.pop((kind, key), None) is not None


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UPDRAFT_VAR_COLOR", "AIRFLOW_VAR_COLOR", "UPDRAFT_CONN_MY_DB", "AIRFLOW_CONN_MY_DB"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "env, stored, expected",
    [
        pytest.param({"UPDRAFT_VAR_COLOR": "red", "AIRFLOW_VAR_COLOR": "green"}, "blue", "red", id="updraft-env-first"),
        pytest.param({"AIRFLOW_VAR_COLOR": "green"}, "blue", "green", id="airflow-env-next"),
        pytest.param({}, "blue", "blue", id="then-the-store"),
        pytest.param({}, None, "fallback", id="then-the-default"),
    ],
)
def test_variable_precedence(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], stored: str | None,
                             expected: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    store = FakeStore({(VARIABLES, "color"): stored} if stored else {})
    with task_run_scope(store):  # type: ignore[arg-type]
        assert Variable.get("color", default_var="fallback") == expected
    assert store.reads == ([] if env else [(VARIABLES, "color")])


def test_missing_variable_without_default_is_airflows_key_error() -> None:
    with task_run_scope(FakeStore()), pytest.raises(KeyError, match="Variable nope does not exist"):  # type: ignore[arg-type]
        Variable.get("nope")


def test_task_sdk_default_keyword_and_json() -> None:
    store = FakeStore({(VARIABLES, "cfg"): '{"rows": [1, 2]}'})
    with task_run_scope(store):  # type: ignore[arg-type]
        assert Variable.get("cfg", deserialize_json=True) == {"rows": [1, 2]}
        assert Variable.get("absent", default=None) is None


@pytest.mark.parametrize(
    "name, value",
    [
        pytest.param("UPDRAFT_CONN_MY_DB", "postgres://u:pw123456@db.example.com:5432/app", id="updraft-uri"),
        pytest.param("AIRFLOW_CONN_MY_DB", "postgres://u:pw123456@db.example.com:5432/app", id="airflow-uri"),
        pytest.param("UPDRAFT_CONN_MY_DB", json.dumps({"conn_type": "postgres", "host": "db.example.com",
                                                       "login": "u", "password": "pw123456", "port": 5432,
                                                       "schema": "app"}), id="updraft-json"),
    ],
)
def test_connection_from_the_environment(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    store = FakeStore({(CONNECTIONS, "my_db"): json.dumps({"conn_type": "mysql", "host": "other"})})
    with task_run_scope(store):  # type: ignore[arg-type]
        conn = Connection.get("my_db")
    assert (conn.conn_id, conn.conn_type, conn.host, conn.login, conn.password, conn.port, conn.schema) == (
        "my_db", "postgres", "db.example.com", "u", "pw123456", 5432, "app",
    )
    assert store.reads == []


def test_connection_from_the_store_and_through_base_hook() -> None:
    store = FakeStore({(CONNECTIONS, "my_db"): Connection(conn_type="postgres", host="h", password="pw").as_json()})
    with task_run_scope(store):  # type: ignore[arg-type]
        assert BaseHook.get_connection("my_db").host == "h"
        with pytest.raises(AirflowNotFoundException, match="The conn_id `absent` isn't defined"):
            Connection.get("absent")


def test_store_reads_are_cached_for_one_task_run_only() -> None:
    store = FakeStore({(VARIABLES, "color"): "blue"})
    with task_run_scope(store):  # type: ignore[arg-type]
        for _ in range(3):
            Variable.get("color")
        Variable.get("absent", default_var=None)
        Variable.get("absent", default_var=None)
    assert store.reads == [(VARIABLES, "color"), (VARIABLES, "absent")]

    store.values[(VARIABLES, "color")] = "green"
    with task_run_scope(store):  # type: ignore[arg-type]
        assert Variable.get("color") == "green"  # the next run sees the change


def test_set_and_delete_within_a_run_are_seen_by_the_run() -> None:
    store = FakeStore({(VARIABLES, "color"): "blue"})
    with task_run_scope(store):  # type: ignore[arg-type]
        assert Variable.get("color") == "blue"
        Variable.set("color", {"shade": "navy"}, serialize_json=True)
        assert Variable.get("color", deserialize_json=True) == {"shade": "navy"}
        assert Variable.delete("color") == 1
        assert Variable.get("color", default_var="gone") == "gone"
        assert Variable.delete("color") == 0


def test_a_failing_store_is_reported_and_treated_as_empty(caplog: pytest.LogCaptureFixture) -> None:
    store = FakeStore(error=SecretStoreError("Parameter Store get_parameter of /x was denied: no"))
    with caplog.at_level(logging.WARNING, logger="updraft.task"), task_run_scope(store):  # type: ignore[arg-type]
        assert Variable.get("color", default_var="fallback") == "fallback"
    assert "Unable to retrieve variable 'color' from the stack's Parameter Store" in caplog.text


def test_each_try_log_capture_starts_a_fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeStore({(VARIABLES, "color"): "blue"})
    monkeypatch.setattr("updraft.execution.secrets._default_store", lambda: store)

    for _ in range(2):
        with capture_task_log():
            Variable.get("color")
            Variable.get("color")
    assert store.reads == [(VARIABLES, "color"), (VARIABLES, "color")]


def test_outside_a_task_run_nothing_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeStore({(VARIABLES, "color"): "blue"})
    monkeypatch.setattr("updraft.execution.secrets._default_store", lambda: store)

    Variable.get("color")
    Variable.get("color")
    assert store.reads == [(VARIABLES, "color"), (VARIABLES, "color")]


def test_template_accessors_look_up_only_what_is_used() -> None:
    import copy

    from updraft.execution.accessors import ConnectionAccessor, VariableAccessor

    store = FakeStore({(VARIABLES, "color"): "blue", (VARIABLES, "cfg"): '{"a": 1}',
                       (CONNECTIONS, "my_db"): '{"conn_type": "postgres", "host": "h"}'})
    value, as_json, conn = VariableAccessor(deserialize_json=False), VariableAccessor(deserialize_json=True), ConnectionAccessor()
    with task_run_scope(store):  # type: ignore[arg-type]
        copy.deepcopy({"value": value, "conn": conn})
        assert getattr(conn, "_repr_html_", None) is None
        assert store.reads == []
        assert (value.color, as_json.cfg, conn.my_db.host) == ("blue", {"a": 1}, "h")
        assert value.get("absent", "fallback") == "fallback"
        assert conn.get("absent") is None

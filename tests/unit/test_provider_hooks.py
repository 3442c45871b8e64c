"""How the provider hooks read their connections (without a server): the base URL of an HTTP
connection, libpq's arguments from a Postgres one, SQLite's file URI, SSH's keys and host key
settings, which hook a connection type gets, the SQL splitting and result shapes Airflow's
DbApiHook has, and the JSON a SQL result becomes in XCom."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from updraft import Connection
from updraft.exceptions import AirflowException
from updraft.execution.masking import masking_scope
from updraft.hooks import DbApiHook, HttpHook, PostgresHook, SFTPHook, SqliteHook, SSHHook
from updraft.hooks.sql import return_single_query_results, split_sql_string
from updraft.operators import SFTPOperator, SQLExecuteQueryOperator
from updraft.operators.sql import make_json_safe


def _set(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: Any) -> None:
    monkeypatch.setenv(f"UPDRAFT_CONN_{conn_id.upper()}", json.dumps(fields))


# ------------------------------------------------------------------ SQL
@pytest.mark.parametrize(
    "script, strip_semicolon, statements",
    [
        pytest.param("SELECT 1", False, ["SELECT 1"], id="one-without-semicolon"),
        pytest.param("SELECT 1; SELECT 2;", False, ["SELECT 1;", "SELECT 2;"], id="two"),
        pytest.param("SELECT 1; SELECT 2;", True, ["SELECT 1", "SELECT 2"], id="strip-semicolon"),
        pytest.param("-- a comment; still a comment\nSELECT 1;\n/* block; comment */ SELECT 2", False,
                     ["SELECT 1;", "SELECT 2"], id="comments-dropped"),
        pytest.param("INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT \"odd;name\" FROM t", False,
                     ["INSERT INTO t VALUES ('a;b', 'it''s; fine');", 'SELECT "odd;name" FROM t'], id="quotes"),
        pytest.param("CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql; SELECT f()",
                     False, ["CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;",
                             "SELECT f()"], id="dollar-quotes"),
        pytest.param("CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); UPDATE c SET n = n + 1; END; "
                     "SELECT 1", False,
                     ["CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); UPDATE c SET n = n + 1; END;",
                      "SELECT 1"], id="trigger-body"),
        pytest.param("BEGIN; UPDATE t SET a = 1; COMMIT;", False, ["BEGIN;", "UPDATE t SET a = 1;", "COMMIT;"],
                     id="transaction-statements"),
        pytest.param("SELECT $1::int; ;  ;", False, ["SELECT $1::int;"], id="positional-and-empty"),
    ],
)
def test_split_sql_string(script: str, strip_semicolon: bool, statements: list[str]) -> None:
    assert split_sql_string(script, strip_semicolon=strip_semicolon) == statements


@pytest.mark.parametrize(
    "sql, return_last, split_statements, single",
    [
        pytest.param("SELECT 1", True, None, True, id="string"),
        pytest.param("SELECT 1", False, None, False, id="string-not-last"),
        pytest.param("SELECT 1; SELECT 2", True, True, True, id="split-last"),
        pytest.param("SELECT 1; SELECT 2", False, True, False, id="split-all"),
        pytest.param("SELECT 1", False, False, True, id="not-split"),
        pytest.param(["SELECT 1"], True, None, False, id="list"),
    ],
)
def test_which_results_are_a_single_querys(sql: Any, return_last: bool, split_statements: Any, single: bool) -> None:
    assert return_single_query_results(sql, return_last, split_statements) is single


class _Cursor:
    """A DB-API cursor over canned results, for `run`'s shapes."""

    def __init__(self, log: list[str]) -> None:
        self.log, self.description, self.rowcount, self._rows = log, None, -1, []

    def execute(self, sql: str, parameters: Any = None) -> None:
        self.log.append(sql)
        number = int(sql.split()[-1].rstrip(";"))
        self.description, self._rows, self.rowcount = [("n",)], [(number,), (number * 10,)], 2

    def fetchall(self) -> list[tuple[int]]:
        return self._rows

    def fetchone(self) -> tuple[int]:
        return self._rows[0]

    def close(self) -> None:
        pass


class _Conn:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0
        self.closed = False

    def cursor(self) -> _Cursor:
        return _Cursor(self.statements)

    def commit(self) -> None:
        self.commits += 1

    def close(self) -> None:
        self.closed = True


class _FakeHook(DbApiHook):
    conn_name_attr = "fake_conn_id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made: list[_Conn] = []

    def get_conn(self) -> _Conn:
        self.made.append(_Conn())
        return self.made[-1]


def test_run_returns_results_in_airflows_shapes_and_commits_once() -> None:
    hook = _FakeHook(fake_conn_id="x", log_sql=False)
    assert hook.get_records("SELECT 1") == [(1,), (10,)]
    assert hook.get_first("SELECT 2") == (2,)
    assert hook.get_records(["SELECT 1", "SELECT 2"]) == [[(1,), (10,)], [(2,), (20,)]]
    fetch = lambda cur: cur.fetchone()  # noqa: E731
    assert hook.run("SELECT 3; SELECT 4", handler=fetch, split_statements=True) == (4,)
    assert hook.run("SELECT 3; SELECT 4", handler=fetch, split_statements=True, return_last=False) == [(3,), (4,)]
    assert hook.run("SELECT 5") is None  # no handler, no result
    assert all(conn.closed and conn.commits == 1 for conn in hook.made)
    assert hook.made[3].statements == ["SELECT 3;", "SELECT 4"]
    with pytest.raises(ValueError, match="List of SQL statements is empty"):
        hook.run("  ")
    with pytest.raises(AirflowException, match="conn_name_attr is not defined"):
        DbApiHook()


def test_connection_types_find_their_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    for conn_type, hook_type in (("postgres", PostgresHook), ("sqlite", SqliteHook), ("http", HttpHook)):
        assert type(Connection(conn_id="c", conn_type=conn_type, host="h").get_hook()) is hook_type
    assert Connection(conn_id="c", conn_type="postgres").get_hook(hook_params={"database": "x"}).database == "x"
    _set(monkeypatch, "box", conn_type="sftp", host="files.example.com", login="me")
    assert type(Connection.get("box").get_hook()) is SFTPHook
    with pytest.raises(AirflowException, match='Unknown hook type "mongo": Updraft has hooks for fs, http, https'):
        Connection(conn_id="c", conn_type="mongo").get_hook()


def test_postgres_connections_become_libpq_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "warehouse", conn_type="postgres", host="db.internal", port=6432, login="etl",
         password="pw-12345", schema="sales",
         extra={"sslmode": "require", "connect_timeout": 5, "cursor": "dictcursor", "aws_conn_id": "x"})
    hook = PostgresHook(postgres_conn_id="warehouse", options="-c search_path=s")
    assert hook.connect_args() == {
        "host": "db.internal", "port": 6432, "user": "etl", "password": "pw-12345", "dbname": "sales",
        "options": "-c search_path=s", "sslmode": "require", "connect_timeout": 5,
    }
    assert PostgresHook("warehouse", database="archive").connect_args()["dbname"] == "archive"
    assert hook.get_uri() == "postgresql://etl:pw-12345@db.internal:6432/sales"
    assert PostgresHook().get_conn_id() == "postgres_default"

    _set(monkeypatch, "iam_db", conn_type="postgres", host="h", extra={"iam": True})
    with pytest.raises(AirflowException, match="IAM authentication"):
        PostgresHook(postgres_conn_id="iam_db").connect_args()


def test_what_a_hook_logs_of_its_connection_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "warehouse", conn_type="postgres", host="db", login="etl", password="p@ss/w0rd 1")
    with masking_scope() as masker:
        uri = PostgresHook(postgres_conn_id="warehouse").get_uri()
        assert "p%40ss%2Fw0rd%201" in uri
        assert masker.redact_text(f"connecting to {uri}") == "connecting to postgresql://etl:***@db/"


def test_sqlite_connections_name_the_database_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    database = tmp_path / "my db.sqlite"
    _set(monkeypatch, "local", conn_type="sqlite", host=str(database))
    hook = SqliteHook(sqlite_conn_id="local")
    assert hook.get_uri() == f"sqlite:///{str(database).replace(' ', '%20')}"
    hook.run("CREATE TABLE t (a INTEGER, b TEXT)")
    hook.insert_rows("t", [(1, "x"), (2, None)], target_fields=["a", "b"])
    assert hook.get_records("SELECT a, b FROM t WHERE a > ?", parameters=[0]) == [(1, "x"), (2, None)]
    assert hook.placeholder == "?"

    _set(monkeypatch, "readonly", conn_type="sqlite", host=str(database), extra={"mode": "ro"})
    with pytest.raises(Exception, match="readonly"):
        SqliteHook(sqlite_conn_id="readonly").run("INSERT INTO t VALUES (3, 'y')")


# ------------------------------------------------------------------ HTTP
@pytest.mark.parametrize(
    "fields, endpoint, url",
    [
        pytest.param({"host": "api.example.com"}, "v1/items", "http://api.example.com/v1/items", id="host"),
        pytest.param({"host": "api.example.com", "schema": "https", "port": 8443}, "/v1/items",
                     "https://api.example.com:8443/v1/items", id="schema-and-port"),
        pytest.param({"host": "https://api.example.com/base/"}, "items", "https://api.example.com/base/items",
                     id="host-with-scheme"),
        pytest.param({"host": "api.example.com"}, None, "http://api.example.com", id="no-endpoint"),
    ],
)
def test_http_base_url_from_the_connection(monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any],
                                           endpoint: str | None, url: str) -> None:
    _set(monkeypatch, "svc", conn_type="http", **fields)
    hook = HttpHook(method="get", http_conn_id="svc")
    hook.get_conn()
    assert hook.method == "GET"
    assert hook.url_from_endpoint(endpoint) == url


def test_http_session_takes_auth_headers_and_settings_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "svc", conn_type="http", host="h", login="user", password="pass-12345",
         extra={"X-Api-Version": "2", "timeout": 7, "verify": False, "proxies": {"https": "http://proxy:3128"}})
    options: dict[str, Any] = {}
    session = HttpHook(http_conn_id="svc").get_conn(headers={"X-Call": "1"}, extra_options=options)
    assert (session.auth.username, session.auth.password) == ("user", "pass-12345")
    assert session.headers["X-Api-Version"] == "2" and session.headers["X-Call"] == "1"
    assert "timeout" not in session.headers and options["timeout"] == 7
    assert session.verify is False and session.proxies == {"https": "http://proxy:3128"}


# ------------------------------------------------------------------ SSH
def _rsa_key_text() -> str:
    import io

    import paramiko

    buffer = io.StringIO()
    paramiko.RSAKey.generate(1024).write_private_key(buffer)
    return buffer.getvalue()


def test_ssh_settings_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, "box", conn_type="sftp", host="files.example.com", login="me", password="pw-12345", port=2222,
         extra={"key_file": "/keys/id_rsa", "conn_timeout": "3", "compress": "false", "look_for_keys": "false",
                "no_host_key_check": "false"})
    hook = SFTPHook(ssh_conn_id="box")
    assert (hook.remote_host, hook.port, hook.username, hook.password) == ("files.example.com", 2222, "me", "pw-12345")
    assert (hook.key_file, hook.conn_timeout, hook.compress, hook.look_for_keys) == ("/keys/id_rsa", 3, False, False)
    assert hook.no_host_key_check is False
    assert SSHHook(ssh_conn_id="box", remote_host="other", username="you").remote_host == "other"

    _set(monkeypatch, "keyed", conn_type="ssh", host="h", extra={"private_key": _rsa_key_text()})
    assert SSHHook(ssh_conn_id="keyed").pkey.get_name() == "ssh-rsa"
    _set(monkeypatch, "both", conn_type="ssh", host="h", extra={"private_key": _rsa_key_text(), "key_file": "/k"})
    with pytest.raises(AirflowException, match="Params key_file and private_key both provided"):
        SSHHook(ssh_conn_id="both")
    _set(monkeypatch, "flat", conn_type="ssh", host="h", extra={"private_key": "no newlines"})
    with pytest.raises(AirflowException, match="BEGIN and END header/footer on separate lines"):
        SSHHook(ssh_conn_id="flat")
    _set(monkeypatch, "contradiction", conn_type="ssh", host="h",
         extra={"host_key": "AAAAB3NzaC1yc2E", "no_host_key_check": "true"})
    with pytest.raises(ValueError, match="Must check host key when provided"):
        SSHHook(ssh_conn_id="contradiction")
    with pytest.raises(AirflowException, match="Missing required param: remote_host"):
        SSHHook()


# ------------------------------------------------------------------ operators
def test_sql_results_become_json_as_they_reach_xcom() -> None:
    row = (decimal.Decimal("12.50"), decimal.Decimal("3"), datetime.date(2024, 1, 2),
           datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), datetime.time(6, 7),
           datetime.timedelta(minutes=1, seconds=30), uuid.UUID(int=1), b"\x01\xff", {"k": (1, 2)}, None, float("nan"))
    assert make_json_safe([row]) == [[
        12.5, 3, "2024-01-02", "2024-01-02T03:04:05+00:00", "06:07:00", 90.0,
        "00000000-0000-0000-0000-000000000001", "01ff", {"k": [1, 2]}, None, "nan",
    ]]


def test_operators_declare_airflows_template_fields() -> None:
    assert SQLExecuteQueryOperator.template_fields[:2] == ("sql", "parameters")
    assert SQLExecuteQueryOperator.template_ext == (".sql",)
    with pytest.raises(TypeError, match="Unsupported operation value copy"):
        SFTPOperator(task_id="t", ssh_conn_id="c", remote_filepath="/r", operation="copy")

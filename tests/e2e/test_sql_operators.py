"""SQLExecuteQueryOperator and SqlSensor through the real handlers, against a PostgreSQL
server on loopback (and SQLite): results in XCom as JSON, templated SQL files and parameters,
sensors in both modes, and failures that carry the server's message but never the password."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from tests.servers import Postgres, free_port
from updraft.store.bucket import log_key


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def _pg_connection(postgres: Postgres, **overrides: Any) -> str:
    fields = {"conn_type": "postgres", "host": "127.0.0.1", "port": postgres.port, "login": postgres.user,
              "password": postgres.password, "schema": postgres.database, **overrides}
    return json.dumps(fields)


@pytest.fixture
def pg(postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> Postgres:
    """The server, with connection `pg` (and `pg_dict`, rows as dicts) in the environment."""
    monkeypatch.setenv("UPDRAFT_CONN_PG", _pg_connection(postgres))
    monkeypatch.setenv("AIRFLOW_CONN_PG_DICT", _pg_connection(postgres, extra={"cursor": "dictcursor"}))
    return postgres


def _log(driver: Driver, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
    body = driver.services.bucket.get(log_key(dag_id, run_id, task_id, -1, try_number))
    assert body is not None, f"no log for {task_id}"
    return body.decode()


def _xcom(driver: Driver, dag_id: str, run_id: str, task_id: str) -> Any:
    found, value = driver.services.xcoms.get(dag_id, run_id, task_id, -1, "return_value")
    assert found, f"no XCom from {task_id}"
    return value


ORDERS_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import PythonOperator, SQLExecuteQueryOperator
    from updraft.sensors import SqlSensor

    def check(ti):
        rows = ti.xcom_pull(task_ids="report")
        assert rows[0] == [1, 12.5, "2024-01-01", "first"], rows
        return len(rows)

    with DAG("pg_orders", schedule=None, start_date=datetime(2024, 1, 1), params={"min_amount": 5}):
        create = SQLExecuteQueryOperator(task_id="create", conn_id="pg", sql=[
            "DROP TABLE IF EXISTS orders",
            "CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10, 2), placed_on date, note text)",
        ])
        load = SQLExecuteQueryOperator(
            task_id="load", conn_id="pg", split_statements=True,
            sql=\"\"\"
                -- two rows, one script
                INSERT INTO orders VALUES (1, 12.50, '2024-01-01', 'first');
                INSERT INTO orders VALUES (2, 7.25, '2024-01-02', 'second; with a semicolon');
            \"\"\",
        )
        load_one = SQLExecuteQueryOperator(
            task_id="load_one", conn_id="pg",
            sql="INSERT INTO orders VALUES (%(id)s, %(amount)s, %(day)s, %(note)s)",
            parameters={"id": 3, "amount": "3.10", "day": "{{ ds }}", "note": "{{ params.note }}"},
            params={"note": "third, from params"},
        )
        wait = SqlSensor(task_id="wait", conn_id="pg", sql="SELECT count(*) FROM orders",
                         success=lambda n: n >= 3, mode="reschedule", poke_interval=0)
        report = SQLExecuteQueryOperator(task_id="report", conn_id="pg", sql="queries/report.sql")
        several = SQLExecuteQueryOperator(
            task_id="several", conn_id="pg", split_statements=True, return_last=False,
            sql="SELECT count(*) FROM orders; SELECT max(amount), min(placed_on) FROM orders",
        )
        as_dicts = SQLExecuteQueryOperator(task_id="as_dicts", conn_id="pg_dict",
                                           sql="SELECT id, note FROM orders WHERE id < 3 ORDER BY id")
        create >> load >> load_one
        wait >> report >> [several, as_dicts, PythonOperator(task_id="check", python_callable=check)]
"""

REPORT_SQL = """SELECT id, amount, placed_on, note
FROM orders
WHERE amount > {{ params.min_amount }}
ORDER BY id
"""


def test_queries_run_in_postgres_and_their_rows_reach_xcom(driver: Driver, pg: Postgres) -> None:
    driver.services.bucket.put("dags/queries/report.sql", REPORT_SQL)
    assert driver.upload("pg_orders.py", ORDERS_DAG)["result"] == "ok"
    run = driver.trigger("pg_orders")
    driver.drain()

    assert driver.states("pg_orders", run.run_id) == {
        task: ("success", 1) for task in ("create", "load", "load_one", "wait", "report", "several", "as_dicts", "check")
    }
    assert _xcom(driver, "pg_orders", run.run_id, "create") == [None, None]
    assert _xcom(driver, "pg_orders", run.run_id, "report") == [
        [1, 12.5, "2024-01-01", "first"], [2, 7.25, "2024-01-02", "second; with a semicolon"],
    ]
    day = run.logical_date[:10]
    assert _xcom(driver, "pg_orders", run.run_id, "several") == [[[3]], [[12.5, "2024-01-01"]]]
    assert _xcom(driver, "pg_orders", run.run_id, "as_dicts") == [
        {"id": 1, "note": "first"}, {"id": 2, "note": "second; with a semicolon"},
    ]
    assert _xcom(driver, "pg_orders", run.run_id, "check") == 2
    assert pg.execute("SELECT placed_on::text, note FROM orders WHERE id = 3") == [(day, "third, from params")]

    report = _log(driver, "pg_orders", run.run_id, "report")
    assert "Running statement: SELECT id, amount, placed_on, note\nFROM orders\nWHERE amount > 5" in report
    assert "Rows affected: 2" in report
    rendered = {t.task_id: t.rendered_fields for t in driver.services.tis.list("pg_orders", run.run_id)}
    # Rendered as Airflow renders a template file: Jinja drops its one trailing newline.
    assert rendered["report"]["sql"] == REPORT_SQL.replace("{{ params.min_amount }}", "5").removesuffix("\n")
    assert rendered["load_one"]["parameters"] == {"id": 3, "amount": "3.10", "day": day,
                                                  "note": "third, from params"}
    assert pg.password not in json.dumps(rendered)


FAILING_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import SQLExecuteQueryOperator

    with DAG("pg_failing", schedule=None, start_date=datetime(2024, 1, 1)):
        SQLExecuteQueryOperator(task_id="wrong_password", conn_id="pg_wrong", sql="SELECT 1")
        SQLExecuteQueryOperator(task_id="unreachable", conn_id="pg_nowhere", sql="SELECT 1")
        SQLExecuteQueryOperator(task_id="bad_sql", conn_id="pg",
                                sql=["INSERT INTO audit VALUES (1)", "SELEC * FROM audit"])
        SQLExecuteQueryOperator(task_id="leaky", conn_id="pg", sql="SELECT %(pw)s::int",
                                parameters={"pw": "{{ conn.pg.password }}"})
"""


def test_failures_carry_the_servers_message_and_never_the_password(
    driver: Driver, pg: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wr0ng-passw0rd!"
    monkeypatch.setenv("UPDRAFT_CONN_PG_WRONG", _pg_connection(pg, password=wrong))
    monkeypatch.setenv("UPDRAFT_CONN_PG_NOWHERE", _pg_connection(pg, port=free_port(),
                                                                 extra={"connect_timeout": 5}))
    pg.execute("DROP TABLE IF EXISTS audit; CREATE TABLE audit (id int); ALTER TABLE audit OWNER TO app")
    driver.upload("pg_failing.py", FAILING_DAG)
    run = driver.trigger("pg_failing")
    driver.drain()

    assert driver.states("pg_failing", run.run_id) == {
        "wrong_password": ("failed", 1), "unreachable": ("failed", 1), "bad_sql": ("failed", 1), "leaky": ("failed", 1),
    }
    errors = {t.task_id: t.error for t in driver.services.tis.list("pg_failing", run.run_id)}
    logs = {task: _log(driver, "pg_failing", run.run_id, task) for task in errors}

    assert 'password authentication failed for user "app"' in logs["wrong_password"]
    assert 'password authentication failed for user "app"' in errors["wrong_password"]
    assert "Connection refused" in logs["unreachable"] and "Connection refused" in errors["unreachable"]
    assert 'syntax error at or near "SELEC"' in logs["bad_sql"]
    assert errors["bad_sql"].startswith('SyntaxError: syntax error at or near "SELEC"')
    assert pg.execute("SELECT count(*) FROM audit") == [(0,)]  # the failed task's insert was rolled back
    # The server repeats the value it could not read: the task's secrets are masked in it.
    assert 'invalid input syntax for type integer: "***"' in logs["leaky"]
    assert "parameters: {'pw': '***'}" in logs["leaky"]
    assert errors["leaky"].startswith('InvalidTextRepresentation: invalid input syntax for type integer: "***"')
    for text in [*logs.values(), *errors.values()]:
        assert wrong not in text and pg.password not in text


SENSORS_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.sensors import SqlSensor

    with DAG("pg_sensors", schedule=None, start_date=datetime(2024, 1, 1)):
        SqlSensor(task_id="until_done", conn_id="pg", sql="SELECT status FROM jobs WHERE id = %(id)s",
                  parameters={"id": 1}, success=lambda s: s == "done", failure=lambda s: s == "failed",
                  mode="reschedule", poke_interval=0, timeout=600)
        SqlSensor(task_id="poking", conn_id="pg", sql="SELECT clock_timestamp() >= %(t)s::timestamptz",
                  parameters={"t": "{until}"}, mode="poke", poke_interval=0.2, timeout=60)
        SqlSensor(task_id="failing", conn_id="pg", sql="SELECT status FROM jobs WHERE id = 2",
                  failure=lambda s: s == "failed", poke_interval=0.2)
        SqlSensor(task_id="empty", conn_id="pg", sql="SELECT status FROM jobs WHERE id = 99",
                  fail_on_empty=True, poke_interval=0.2)
"""


def test_sql_sensors_wait_in_both_modes_and_fail_on_their_criteria(driver: Driver, pg: Postgres) -> None:
    pg.execute("DROP TABLE IF EXISTS jobs; CREATE TABLE jobs (id int, status text); ALTER TABLE jobs OWNER TO app;"
               "INSERT INTO jobs VALUES (1, 'running'), (2, 'failed')")
    until = datetime.now(timezone.utc) + timedelta(seconds=3)  # past the upload and the trigger, even on a loaded machine
    driver.upload("pg_sensors.py", SENSORS_DAG.replace("{until}", until.isoformat()))
    run = driver.trigger("pg_sensors")
    driver.drain(rounds=3)  # each reschedule is one more message: three pokes, nothing held

    states = driver.states("pg_sensors", run.run_id)
    assert states["until_done"][0] in ("up_for_reschedule", "queued")
    assert states["poking"] == ("success", 1)  # it poked in its worker until the time came
    assert states["failing"] == ("failed", 1) and states["empty"] == ("failed", 1)
    ti = driver.services.tis.get("pg_sensors", run.run_id, "until_done")
    assert ti.poke_count >= 2 and ti.poke_try == 1

    pg.execute("UPDATE jobs SET status = 'done' WHERE id = 1")
    driver.drain()
    assert driver.states("pg_sensors", run.run_id) == {
        "until_done": ("success", 1), "poking": ("success", 1), "failing": ("failed", 1), "empty": ("failed", 1),
    }
    errors = {t.task_id: t.error for t in driver.services.tis.list("pg_sensors", run.run_id)}
    assert errors["failing"] == "AirflowException: Failure criteria met. self.failure(failed) returned True"
    assert errors["empty"] == "AirflowException: No rows returned, raising as per fail_on_empty flag"
    assert "Poking: SELECT status FROM jobs WHERE id = %(id)s (with parameters {'id': 1})" in _log(
        driver, "pg_sensors", run.run_id, "until_done")
    assert _log(driver, "pg_sensors", run.run_id, "poking").count("Sleeping for 0.2 seconds before poking again") >= 2


SQLITE_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import SQLExecuteQueryOperator
    from updraft.sensors import SqlSensor

    with DAG("sqlite_shop", schedule=None, start_date=datetime(2024, 1, 1)):
        setup = SQLExecuteQueryOperator(task_id="setup", conn_id="shop", split_statements=True, sql=\"\"\"
            CREATE TABLE items (name TEXT, price REAL);
            INSERT INTO items VALUES ('pen', 1.5), ('ink', 4.25);
        \"\"\")
        totals = SQLExecuteQueryOperator(task_id="totals", conn_id="shop",
                                         sql="SELECT count(*), sum(price) FROM items WHERE price > ?",
                                         parameters=[1])
        setup >> SqlSensor(task_id="stocked", conn_id="shop", sql="SELECT count(*) FROM items",
                           poke_interval=0.1) >> totals
"""


def test_sqlite_connections_reach_the_file_their_host_names(driver: Driver, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "shop.db"
    monkeypatch.setenv("UPDRAFT_CONN_SHOP", json.dumps({"conn_type": "sqlite", "host": str(database)}))
    driver.upload("sqlite_shop.py", SQLITE_DAG)
    run = driver.trigger("sqlite_shop")
    driver.drain()
    assert driver.states("sqlite_shop", run.run_id) == {
        "setup": ("success", 1), "stocked": ("success", 1), "totals": ("success", 1),
    }
    assert _xcom(driver, "sqlite_shop", run.run_id, "totals") == [[2, 5.75]]
    assert database.exists()

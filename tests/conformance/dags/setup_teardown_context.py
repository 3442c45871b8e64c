"""The context manager: `with setup >> teardown:` puts the tasks defined inside between them;
nested, the inner setup comes after the outer one and the inner teardown before the outer."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_context",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    outer_setup = BashOperator(task_id="outer_setup", bash_command="echo up").as_setup()
    outer_teardown = BashOperator(task_id="outer_teardown", bash_command="echo down").as_teardown()
    with outer_setup >> outer_teardown:
        first = BashOperator(task_id="first", bash_command="echo first")
        second = BashOperator(task_id="second", bash_command="echo second")
        first >> second
        inner_setup = BashOperator(task_id="inner_setup", bash_command="echo up").as_setup()
        inner_teardown = BashOperator(task_id="inner_teardown", bash_command="echo down").as_teardown()
        with inner_setup >> inner_teardown:
            inner_work = BashOperator(task_id="inner_work", bash_command="exit 1")
    after = BashOperator(task_id="after", bash_command="echo after")
    outer_teardown >> after

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_context",
    "run": "failed",
    "states": {
        "outer_setup": "success",
        "outer_teardown": "success",
        "first": "success",
        "second": "success",
        "inner_setup": "success",
        "inner_teardown": "success",
        "inner_work": "failed",
        "after": "success",
    },
    "tries": {
        "outer_setup": 1,
        "outer_teardown": 1,
        "first": 1,
        "second": 1,
        "inner_setup": 1,
        "inner_teardown": 1,
        "inner_work": 1,
        "after": 1,
    },
    "xcom": {
        "outer_setup": "up",
        "outer_teardown": "down",
        "first": "first",
        "second": "second",
        "inner_setup": "up",
        "inner_teardown": "down",
        "after": "after",
    },
}

"""A failing teardown fails the run only with on_failure_fail_dagrun=True; one without it is
left out of the run's state."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_fail_dagrun",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    setup = BashOperator(task_id="setup", bash_command="echo up").as_setup()
    work = BashOperator(task_id="work", bash_command="echo work")
    ignored = BashOperator(task_id="ignored", bash_command="exit 1").as_teardown(setups=setup)
    counted = BashOperator(task_id="counted", bash_command="exit 1").as_teardown(
        setups=setup, on_failure_fail_dagrun=True)
    setup >> work >> [ignored, counted]

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_fail_dagrun",
    "run": "failed",
    "states": {"setup": "success", "work": "success", "ignored": "failed", "counted": "failed"},
    "tries": {"setup": 1, "work": 1, "ignored": 1, "counted": 1},
    "xcom": {"setup": "up", "work": "work"},
}

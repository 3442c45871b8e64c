"""A teardown that fails without on_failure_fail_dagrun: the run succeeds, its state taken
from the work before the teardown."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_ignored",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    setup = BashOperator(task_id="setup", bash_command="echo up").as_setup()
    work = BashOperator(task_id="work", bash_command="echo work")
    teardown = BashOperator(task_id="teardown", bash_command="exit 1").as_teardown(setups=setup)
    setup >> work >> teardown

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_ignored",
    "run": "success",
    "states": {"setup": "success", "work": "success", "teardown": "failed"},
    "tries": {"setup": 1, "work": 1, "teardown": 1},
    "xcom": {"setup": "up", "work": "work"},
}

"""The work between a setup and its teardown fails: the teardown still runs (after every task
in its scope is done, even one still running when the failure cut the path short), and the
run fails though the teardown succeeded."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_work_fails",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    setup = BashOperator(task_id="setup", bash_command="echo up").as_setup()
    fails = BashOperator(task_id="fails", bash_command="exit 1")
    slow = BashOperator(task_id="slow", bash_command="echo slow")
    after = BashOperator(task_id="after", bash_command="echo after")
    teardown = BashOperator(task_id="teardown", bash_command="echo down").as_teardown(setups=setup)
    setup >> [fails, slow] >> after >> teardown
    cleanup_done = BashOperator(task_id="cleanup_done", bash_command="echo done")
    teardown >> cleanup_done

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_work_fails",
    "run": "failed",
    "states": {
        "setup": "success",
        "fails": "failed",
        "slow": "success",
        "after": "upstream_failed",
        "teardown": "success",
        "cleanup_done": "success",
    },
    "tries": {"setup": 1, "fails": 1, "slow": 1, "after": 0, "teardown": 1, "cleanup_done": 1},
    "xcom": {"setup": "up", "slow": "slow", "teardown": "down", "cleanup_done": "done"},
}

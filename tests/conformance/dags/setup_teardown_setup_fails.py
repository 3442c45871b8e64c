"""A setup fails or is skipped: its work is upstream_failed (or skipped), and its teardown,
all_done_setup_success, runs only if at least one of its setups succeeded."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_setup_fails",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    # The only setup fails.
    bad_setup = BashOperator(task_id="bad_setup", bash_command="exit 1").as_setup()
    bad_work = BashOperator(task_id="bad_work", bash_command="echo never")
    bad_teardown = BashOperator(task_id="bad_teardown", bash_command="echo never").as_teardown(
        setups=bad_setup)
    bad_setup >> bad_work >> bad_teardown

    # The only setup skips (exit 99).
    skip_setup = BashOperator(task_id="skip_setup", bash_command="exit 99").as_setup()
    skip_work = BashOperator(task_id="skip_work", bash_command="echo never")
    skip_teardown = BashOperator(task_id="skip_teardown", bash_command="echo never").as_teardown(
        setups=skip_setup)
    skip_setup >> skip_work >> skip_teardown

    # Two setups, one fails: the work is upstream_failed, the teardown still runs.
    setup_a = BashOperator(task_id="setup_a", bash_command="echo a").as_setup()
    setup_b = BashOperator(task_id="setup_b", bash_command="exit 1").as_setup()
    both_work = BashOperator(task_id="both_work", bash_command="echo never")
    both_teardown = BashOperator(task_id="both_teardown", bash_command="echo down").as_teardown(
        setups=[setup_a, setup_b])
    [setup_a, setup_b] >> both_work >> both_teardown

    # A setup with no work, and a teardown right after it that fails.
    lone_setup = BashOperator(task_id="lone_setup", bash_command="exit 1").as_setup()
    lone_teardown = BashOperator(task_id="lone_teardown", bash_command="echo never").as_teardown(
        setups=lone_setup)

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_setup_fails",
    "run": "failed",
    "states": {
        "bad_setup": "failed",
        "bad_work": "upstream_failed",
        "bad_teardown": "upstream_failed",
        "skip_setup": "skipped",
        "skip_work": "skipped",
        "skip_teardown": "skipped",
        "setup_a": "success",
        "setup_b": "failed",
        "both_work": "upstream_failed",
        "both_teardown": "success",
        "lone_setup": "failed",
        "lone_teardown": "upstream_failed",
    },
    "tries": {
        "bad_setup": 1,
        "bad_work": 0,
        "bad_teardown": 0,
        "skip_setup": 1,
        "skip_work": 0,
        "skip_teardown": 0,
        "setup_a": 1,
        "setup_b": 1,
        "both_work": 0,
        "both_teardown": 1,
        "lone_setup": 1,
        "lone_teardown": 0,
    },
    "xcom": {"setup_a": "a", "both_teardown": "down"},
}

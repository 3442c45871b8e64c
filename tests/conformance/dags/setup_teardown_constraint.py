"""A task inside a setup's scope that is not directly after it still needs the setup: with
all_done it would run after its failed upstream, but its indirect setup failed, so it is
upstream_failed (and skipped when the setup skipped)."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_setup_teardown_constraint",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    bad = BashOperator(task_id="bad", bash_command="exit 1").as_setup()
    bad_down = BashOperator(task_id="bad_teardown", bash_command="echo down").as_teardown(setups=bad)
    with bad >> bad_down:
        first = BashOperator(task_id="first", bash_command="echo first")
        lenient = BashOperator(task_id="lenient", bash_command="echo lenient", trigger_rule="all_done")
        first >> lenient

    skip = BashOperator(task_id="skip", bash_command="exit 99").as_setup()
    skip_down = BashOperator(task_id="skip_teardown", bash_command="echo down").as_teardown(setups=skip)
    with skip >> skip_down:
        one = BashOperator(task_id="one", bash_command="echo one")
        two = BashOperator(task_id="two", bash_command="echo two", trigger_rule="none_failed")
        one >> two

    # No teardown: the setup's scope is everything after it.
    ok = BashOperator(task_id="ok", bash_command="exit 1").as_setup()
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b", trigger_rule="all_done")
    ok >> a >> b

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_constraint",
    "run": "failed",
    "states": {
        "bad": "failed",
        "bad_teardown": "upstream_failed",
        "first": "upstream_failed",
        "lenient": "upstream_failed",
        "skip": "skipped",
        "skip_teardown": "skipped",
        "one": "skipped",
        "two": "skipped",
        "ok": "failed",
        "a": "upstream_failed",
        "b": "upstream_failed",
    },
    "tries": {
        "bad": 1,
        "bad_teardown": 0,
        "first": 0,
        "lenient": 0,
        "skip": 1,
        "skip_teardown": 0,
        "one": 0,
        "two": 0,
        "ok": 1,
        "a": 0,
        "b": 0,
    },
    "xcom": {},
}

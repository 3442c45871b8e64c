"""LatestOnlyOperator on a manual run: nothing is skipped, and its XCom is the direct
downstream task ids (Airflow's example_latest_only_with_trigger shape, trigger rules after it)."""

import datetime

import pendulum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.latest_only import LatestOnlyOperator
from airflow.sdk import DAG
from airflow.utils.trigger_rule import TriggerRule

with DAG(
    dag_id="conformance_latest_only",
    schedule=datetime.timedelta(hours=4),
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    latest_only = LatestOnlyOperator(task_id="latest_only")
    task1 = EmptyOperator(task_id="task1")
    task2 = EmptyOperator(task_id="task2")
    task3 = EmptyOperator(task_id="task3")
    task4 = EmptyOperator(task_id="task4", trigger_rule=TriggerRule.ALL_DONE)
    latest_only >> task1 >> [task3, task4]
    task2 >> [task3, task4]

    once_latest = LatestOnlyOperator(task_id="once_latest")
    once_latest >> EmptyOperator(task_id="after_once")

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_latest_only",
    "run": "success",
    "states": {
        "after_once": "success", "latest_only": "success", "once_latest": "success",
        "task1": "success", "task2": "success", "task3": "success", "task4": "success",
    },
    "xcom": {"latest_only": ["task1"], "once_latest": ["after_once"]},
}

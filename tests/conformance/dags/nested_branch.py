"""Nested branches whose joins are reached by two paths: the outer join waits on one path
while the other is skipped through, and is decided in the same pass (the run must finish)."""

from __future__ import annotations

import pendulum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TriggerRule, task

with DAG(
    dag_id="conformance_nested_branch",
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
    schedule="@daily",
):

    @task.branch()
    def branch(task_id_to_return: str) -> str:
        return task_id_to_return

    branch_1 = branch.override(task_id="branch_1")(task_id_to_return="true_1")
    join_1 = EmptyOperator(task_id="join_1", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    true_1 = EmptyOperator(task_id="true_1")
    false_1 = EmptyOperator(task_id="false_1")
    branch_2 = branch.override(task_id="branch_2")(task_id_to_return="true_2")
    join_2 = EmptyOperator(task_id="join_2", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    true_2 = EmptyOperator(task_id="true_2")
    false_2 = EmptyOperator(task_id="false_2")
    false_3 = EmptyOperator(task_id="false_3")

    branch_1 >> true_1 >> join_1
    branch_1 >> false_1 >> branch_2 >> [true_2, false_2] >> join_2 >> false_3 >> join_1

# Recorded with Apache Airflow 3.3.2's dag.test() (its example_nested_branch_dag).
EXPECTED = {
    "dag_id": "conformance_nested_branch",
    "run": "success",
    "states": {
        "branch_1": "success", "true_1": "success", "join_1": "success", "false_1": "skipped",
        "branch_2": "skipped", "true_2": "skipped", "false_2": "skipped", "join_2": "skipped",
        "false_3": "skipped",
    },
    "tries": {"branch_1": 1, "true_1": 1, "join_1": 1, "branch_2": 0, "join_2": 0},
    "no_xcom": ["branch_1"],
}

"""@task.branch: only the chosen direct downstream tasks run; skips flow through trigger
rules; a task group id chooses the group's root tasks."""

from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator


with DAG("conformance_branching", schedule=None, start_date=datetime(2024, 1, 1)):

    @task.branch
    def choose() -> str:
        return "left"

    left = BashOperator(task_id="left", bash_command="echo left")
    right = BashOperator(task_id="right", bash_command="echo right")
    right_next = EmptyOperator(task_id="right_next")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    choose() >> [left, right]
    right >> right_next
    [left, right_next] >> join

    @task.branch
    def pick_group() -> str:
        return "grp"

    with TaskGroup("grp") as grp:
        BashOperator(task_id="a", bash_command="echo a") >> BashOperator(task_id="b", bash_command="echo b")
    other = EmptyOperator(task_id="other")
    pick_group() >> [grp, other]

EXPECTED = {
    "dag_id": "conformance_branching",
    "run": "success",
    "states": {
        "choose": "success", "left": "success", "right": "skipped", "right_next": "skipped",
        "join": "success", "pick_group": "success", "grp.a": "success", "grp.b": "success",
        "other": "skipped",
    },
    # A branch that skipped tasks pushes no return value (Airflow 3.3.2's dag.test() agrees).
    "xcom": {"left": "left"},
    "no_xcom": ["choose", "pick_group"],
}

"""@task.short_circuit: a falsy result skips everything downstream, or with
ignore_downstream_trigger_rules=False only the direct downstream tasks."""

from datetime import datetime

from airflow.sdk import DAG, task
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("conformance_short_circuit", schedule=None, start_date=datetime(2024, 1, 1)):

    @task.short_circuit
    def gate() -> bool:
        return False

    gate() >> EmptyOperator(task_id="a") >> EmptyOperator(task_id="b") >> EmptyOperator(
        task_id="c", trigger_rule="all_done"
    )

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def soft_gate() -> int:
        return 0

    soft_gate() >> EmptyOperator(task_id="x") >> EmptyOperator(task_id="y", trigger_rule="all_done")

    @task.short_circuit
    def open_gate() -> str:
        return "yes"

    open_gate() >> EmptyOperator(task_id="through")

EXPECTED = {
    "dag_id": "conformance_short_circuit",
    "run": "success",
    "states": {
        "gate": "success", "a": "skipped", "b": "skipped", "c": "skipped",
        "soft_gate": "success", "x": "skipped", "y": "success",
        "open_gate": "success", "through": "success",
    },
    # A short circuit that skipped tasks pushes no return value (as Airflow 3.3.2 records).
    "xcom": {"open_gate": "yes"},
    "no_xcom": ["gate", "soft_gate"],
}

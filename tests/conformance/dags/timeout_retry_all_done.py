"""A try that runs past execution_timeout fails (with its retry spent the same way) and an
all_done task after it still runs: the run finishes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

with DAG("conformance_timeout_retry_all_done", schedule=None, start_date=datetime(2024, 1, 1)):

    @task(execution_timeout=timedelta(seconds=1), retries=1, retry_delay=timedelta(seconds=0))
    def slow_python():
        time.sleep(30)

    slow_bash = BashOperator(task_id="slow_bash", bash_command="sleep 30",
                             execution_timeout=timedelta(seconds=1), retries=1,
                             retry_delay=timedelta(seconds=0))

    @task(trigger_rule="all_done")
    def after():
        return "ran"

    [slow_python(), slow_bash] >> after() >> EmptyOperator(task_id="end")

# Recorded with Apache Airflow 3.3.2's dag.test().
EXPECTED = {
    "dag_id": "conformance_timeout_retry_all_done",
    "run": "success",
    "states": {"slow_python": "failed", "slow_bash": "failed", "after": "success", "end": "success"},
    "tries": {"slow_python": 2, "slow_bash": 2, "after": 1, "end": 1},
    "xcom": {"after": "ran"},
}

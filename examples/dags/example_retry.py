"""A task that fails on its first try and succeeds on its retry, as flaky sources do."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def flaky(ti) -> str:
    if ti.try_number == 1:
        raise ConnectionError("the source is not answering yet (try 1)")
    print(f"the source answered on try {ti.try_number}")
    return "ok"


with DAG(
    dag_id="example_retry",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    tags=["example"],
):
    fetch = PythonOperator(
        task_id="fetch", python_callable=flaky, retries=1, retry_delay=timedelta(seconds=2)
    )
    after = BashOperator(task_id="after", bash_command="echo fetched: {{ ti.xcom_pull(task_ids='fetch') }}")
    fetch >> after

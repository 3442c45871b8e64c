"""Fan out to one task per region, in parallel, then fan in to a summary."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Label, task

REGIONS = ["eu", "us", "apac", "latam"]

with DAG(
    dag_id="example_fan_out_fan_in",
    schedule="0 6 * * MON-FRI",
    start_date=datetime(2024, 1, 1),
    tags=["example"],
    doc_md="One task per region runs in parallel; `summarize` waits for all of them.",
):
    start = EmptyOperator(task_id="start")

    @task
    def summarize(**context) -> dict:
        ti = context["ti"]
        totals = dict(zip(REGIONS, ti.xcom_pull(task_ids=[f"count_{r}" for r in REGIONS])))
        print(f"totals: {totals}")
        return totals

    done = summarize()
    for region in REGIONS:

        @task(task_id=f"count_{region}")
        def count(region: str = region) -> int:
            return len(region) * 100

        start >> Label(region) >> count() >> done

"""context["task_state_store"]: what try 1 stored before failing, try 2 reads back; keys
per task instance (each mapped instance its own), deleted and cleared as Airflow's."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task
from airflow.sdk.execution_time.context import NEVER_EXPIRE

with DAG("conformance_task_state_store", schedule=None, start_date=datetime(2024, 1, 1)):

    @task(retries=1, retry_delay=timedelta(seconds=0))
    def submit(task_state_store=None, ti=None):
        job = task_state_store.get("job_id")
        if job is None:
            task_state_store.set("job_id", f"job-{ti.try_number}", retention=NEVER_EXPIRE)
            task_state_store.set("scratch", "gone soon")
            raise RuntimeError("lost the connection after submitting")
        task_state_store.delete("scratch")
        return {"job": job, "scratch": task_state_store.get("scratch", "deleted"), "try": ti.try_number}

    @task
    def per_instance(n, task_state_store=None):
        assert task_state_store.get("seen") is None
        task_state_store.set("seen", n)
        seen = task_state_store.get("seen")
        task_state_store.clear()
        return [seen, task_state_store.get("seen", "cleared")]

    submit()
    per_instance.expand(n=[1, 2])

# Recorded with Apache Airflow 3.3.2's dag.test().
EXPECTED = {
    "dag_id": "conformance_task_state_store",
    "run": "success",
    "states": {"submit": "success", "per_instance[0]": "success", "per_instance[1]": "success"},
    "tries": {"submit": 2, "per_instance[0]": 1},
    "xcom": {
        "submit": {"job": "job-1", "scratch": "deleted", "try": 2},
        "per_instance[0]": [1, "cleared"],
        "per_instance[1]": [2, "cleared"],
    },
}

"""ti.xcom_pull with Airflow 3's arguments: another DAG's or run's XComs (`dag_id`, `run_id`),
and `include_prior_dates`, which looks back through the DAG's earlier runs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_driver import Driver

DAGS = """
    from datetime import datetime
    from airflow.sdk import DAG, task

    with DAG("producer", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def make(dag_run=None):
            if dag_run.run_id == "first":
                return "from the first run"

        make()

    with DAG("consumer", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def read(ti=None):
            return {
                "other_dag": ti.xcom_pull(task_ids="make", dag_id="producer", run_id="first"),
                "this_run": ti.xcom_pull(task_ids="make", dag_id="producer", run_id="second"),
                "prior": ti.xcom_pull(task_ids="make", dag_id="producer", run_id="second",
                                      include_prior_dates=True),
                "missing": ti.xcom_pull(task_ids="nothing", default="fallback"),
                "producer_state": ti.get_dagrun_state("producer", "first"),
                "attributes": [ti.state, ti.is_mapped, ti.start_date is not None, bool(ti.hostname),
                               ti.get_template_context()["ti"] is ti],
            }

        read()
"""


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def test_xcom_pull_reads_other_dags_runs_and_prior_dates(driver: Driver) -> None:
    assert driver.upload("xcom_pull.py", DAGS)["result"] == "ok"
    driver.trigger("producer", run_id="first")
    driver.drain()
    driver.trigger("producer", run_id="second")
    driver.drain()
    run = driver.trigger("consumer", run_id="reader")
    driver.drain()

    assert driver.services.xcoms.get("consumer", run.run_id, "read", -1, "return_value") == (True, {
        "other_dag": "from the first run",
        "this_run": None,
        "prior": "from the first run",
        "missing": "fallback",
        "producer_state": "success",
        "attributes": ["running", False, True, True, True],
    })

"""Large DAGs and the one-write hand-off between a task and its only downstream."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.dispatch.messages import TaskMessage


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


THOUSAND_TASKS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG("thousand", schedule=None, start_date=datetime(2024, 1, 1)):
        start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
        for i in range(998):
            start >> EmptyOperator(task_id=f"work_{i:04d}") >> end
"""


def test_a_dag_of_a_thousand_tasks_is_stored_and_read_back_whole(services: Any, driver: Driver) -> None:
    # Its serialized form is larger than a DynamoDB item may be: it is stored compressed.
    assert driver.upload("thousand.py", THOUSAND_TASKS)["result"] == "ok"
    dag = services.dags.get("thousand", consistent=True)
    services._versions.clear()
    serialized = services.serialized_dag("thousand", dag["version_hash"])
    tasks = {t["task_id"]: t for t in serialized["tasks"]}
    assert len(tasks) == 1000
    assert len(tasks["end"]["upstream"]) == 998
    assert tasks["work_0500"]["upstream"] == ["start"]


CHAIN = """
    from datetime import datetime
    from updraft import DAG, task

    with DAG("chain", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def first():
            return 1

        @task
        def second(x):
            return x + 1

        second(first())
"""


def test_a_repeated_upstream_message_leaves_its_running_downstream_alone(services: Any, driver: Driver) -> None:
    driver.upload("chain.py", CHAIN)
    run = driver.trigger("chain")
    [first] = driver.receive()
    driver.deliver([first])
    [second] = driver.receive()
    assert TaskMessage.from_json(second["Body"]).task_id == "second"
    services.tis.claim("chain", run.run_id, "second", -1, 1, "2024-01-01T00:00:00+00:00", {})

    driver.deliver([first])  # the upstream's message again, as if its worker had died after finishing

    assert driver.receive() == []
    assert driver.states("chain", run.run_id) == {"first": ("success", 1), "second": ("running", 1)}
    driver.deliver([second])
    assert driver.states("chain", run.run_id)["second"] == ("running", 1)  # the claim is taken: nothing ran

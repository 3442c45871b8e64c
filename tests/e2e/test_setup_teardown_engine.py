"""Setups and teardowns through the real handlers, with the order of deliveries chosen, so
that what Airflow waits for is seen waiting: a teardown for the tasks in its scope still
running, a task for an indirect setup still running; and clearing a work task runs its setup
and teardown again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.models.clear import clear_task_instances, select_tasks
from updraft.timeutil import utcnow


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


class Held:
    """Messages taken off the queue and delivered only when a test says so."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.messages: list[dict[str, Any]] = []

    def deliver(self, *task_ids: str) -> list[str]:
        """Deliver the messages of these tasks; returns the task ids still held."""
        self.messages += self.driver.receive()
        kept = []
        for message in self.messages:
            if json.loads(message["Body"])["task_id"] in task_ids:
                assert self.driver.deliver([message]) == {"batchItemFailures": []}
            else:
                kept.append(message)
        self.messages = kept + self.driver.receive()
        return sorted(json.loads(m["Body"])["task_id"] for m in self.messages)

    def drain(self) -> None:
        for message in self.messages:
            assert self.driver.deliver([message]) == {"batchItemFailures": []}
        self.messages = []
        self.driver.drain()


SCOPE = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("scope", schedule=None, start_date=datetime(2024, 1, 1)):
        setup = BashOperator(task_id="setup", bash_command="echo up").as_setup()
        fails = BashOperator(task_id="fails", bash_command="exit 1")
        slow = BashOperator(task_id="slow", bash_command="echo slow")
        after = BashOperator(task_id="after", bash_command="echo after")
        teardown = BashOperator(task_id="teardown", bash_command="echo down").as_teardown(setups=setup)
        setup >> [fails, slow] >> after >> teardown
"""


def test_a_teardown_waits_for_its_scope(driver: Driver) -> None:
    driver.upload("scope.py", SCOPE)
    run = driver.trigger("scope")
    held = Held(driver)
    assert held.deliver("setup") == ["fails", "slow"]
    assert held.deliver("fails") == ["slow"]
    states = driver.states("scope", run.run_id)
    # `after` is decided by the failure; the teardown's direct upstreams are all done, but
    # `slow`, between its setup and it, is not: it waits (Airflow's _evaluate_teardown_scope).
    assert states["after"] == ("upstream_failed", 0)
    assert states["teardown"] == ("none", 0)
    assert held.deliver("slow") == ["teardown"]
    held.drain()
    assert driver.states("scope", run.run_id) == {
        "setup": ("success", 1), "fails": ("failed", 1), "slow": ("success", 1),
        "after": ("upstream_failed", 0), "teardown": ("success", 1),
    }
    assert driver.services.runs.get("scope", run.run_id).state == "failed"


INDIRECT = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("indirect", schedule=None, start_date=datetime(2024, 1, 1)):
        setup = BashOperator(task_id="setup", bash_command="{setup}").as_setup()
        other = BashOperator(task_id="other", bash_command="exit 1")
        work = BashOperator(task_id="work", bash_command="echo work")
        lenient = BashOperator(task_id="lenient", bash_command="echo lenient", trigger_rule="all_done")
        teardown = BashOperator(task_id="teardown", bash_command="echo down").as_teardown(setups=setup)
        [setup, other] >> work >> lenient >> teardown
"""


@pytest.mark.parametrize("setup_command, lenient, run_state", [("echo up", ("success", 1), "success"),
                                                               ("exit 1", ("upstream_failed", 0), "failed")])
def test_a_task_waits_for_its_indirect_setup(driver: Driver, setup_command: str, lenient: tuple,
                                             run_state: str) -> None:
    """As Airflow 3.3.2's dag.test() ends them; a successful run though `other` failed, since
    only `lenient` counts for the run's state (the teardown after it is left out)."""
    driver.upload("indirect.py", INDIRECT.format(setup=setup_command))
    run = driver.trigger("indirect")
    held = Held(driver)
    assert held.deliver("other") == ["setup"]
    states = driver.states("indirect", run.run_id)
    # `work` is upstream_failed by `other`; `lenient` (all_done) is then met, but its setup is
    # still running: it waits for it (Airflow's _evaluate_setup_constraint).
    assert states["work"] == ("upstream_failed", 0)
    assert states["lenient"] == ("none", 0)
    held.drain()
    states = driver.states("indirect", run.run_id)
    assert states["lenient"] == lenient
    assert states["teardown"] == (("success", 1) if setup_command == "echo up" else ("upstream_failed", 0))
    assert driver.services.runs.get("indirect", run.run_id).state == run_state


CLEAR = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("clear_st", schedule=None, start_date=datetime(2024, 1, 1)):
        setup = BashOperator(task_id="setup", bash_command="echo up").as_setup()
        work = BashOperator(task_id="work", bash_command="test -e {flag}")
        teardown = BashOperator(task_id="teardown", bash_command="echo down").as_teardown(setups=setup)
        unrelated = BashOperator(task_id="unrelated", bash_command="echo other")
        setup >> work >> teardown
"""


def test_clearing_a_work_task_runs_its_setup_and_teardown_again(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    driver.upload("clear_st.py", CLEAR.format(flag=flag))
    run = driver.trigger("clear_st")
    driver.drain()
    assert driver.states("clear_st", run.run_id)["work"] == ("failed", 1)
    assert driver.services.runs.get("clear_st", run.run_id).state == "failed"
    version = driver.services.runs.get("clear_st", run.run_id).dag_version
    serialized = driver.services.serialized_dag("clear_st", version)
    selected = select_tasks(serialized, ["work"], include_downstream=True, setups_teardowns=True)
    assert selected == {"setup", "work", "teardown"}
    flag.write_text("go")
    clear_task_instances(driver.services, "clear_st", run.run_id, selected, now=utcnow())
    driver.drain(duplicate=True)
    assert driver.states("clear_st", run.run_id) == {
        "setup": ("success", 2), "work": ("success", 2), "teardown": ("success", 2),
        "unrelated": ("success", 1),
    }
    assert driver.services.runs.get("clear_st", run.run_id).state == "success"

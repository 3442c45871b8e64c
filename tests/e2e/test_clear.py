"""Clearing task instances: they run again, with their retries, and the run follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.models.clear import clear_task_instances, select_tasks
from updraft.timeutil import utcnow


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


FLAKY = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import BashOperator, PythonOperator

    FLAG = Path({flag!r})

    def source():
        if not FLAG.exists():
            raise RuntimeError("source not ready")
        return "ready"

    with DAG("flaky", schedule=None, start_date=datetime(2024, 1, 1)):
        first = BashOperator(task_id="first", bash_command="echo first")
        src = PythonOperator(task_id="source", python_callable=source)
        after = BashOperator(task_id="after", bash_command="echo after")
        first >> src >> after
"""


def _serialized(driver: Driver, run_id: str) -> dict:
    run = driver.services.runs.get("flaky", run_id)
    return driver.services.serialized_dag("flaky", run.dag_version)


def test_clear_failed_with_downstream_reruns_and_the_run_succeeds(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    driver.upload("flaky.py", FLAKY.format(flag=str(flag)))
    run = driver.trigger("flaky")
    driver.drain()
    assert driver.states("flaky", run.run_id) == {
        "first": ("success", 1), "source": ("failed", 1), "after": ("upstream_failed", 0),
    }
    assert driver.services.runs.get("flaky", run.run_id).state == "failed"
    selected = select_tasks(_serialized(driver, run.run_id), ["source"], include_downstream=True)
    assert selected == {"source", "after"}
    preview = clear_task_instances(driver.services, "flaky", run.run_id, selected, dry_run=True, now=utcnow())
    assert sorted(t.task_id for t in preview.cleared) == ["after", "source"]
    assert driver.states("flaky", run.run_id)["source"] == ("failed", 1)  # a dry run changes nothing
    flag.write_text("go")
    result = clear_task_instances(driver.services, "flaky", run.run_id, selected, now=utcnow())
    assert result.queued == 1
    assert driver.services.runs.get("flaky", run.run_id).state == "running"
    driver.drain(duplicate=True)
    assert driver.states("flaky", run.run_id) == {
        "first": ("success", 1), "source": ("success", 2), "after": ("success", 1),
    }
    final = driver.services.runs.get("flaky", run.run_id)
    assert (final.state, final.tis_finished, final.tis_total, final.leaves_failed) == ("success", 3, 3, 0)


def test_clear_only_failed_leaves_successes_alone(driver: Driver, tmp_path: Path) -> None:
    driver.upload("flaky.py", FLAKY.format(flag=str(tmp_path / "never")))
    run = driver.trigger("flaky")
    driver.drain()
    selected = select_tasks(_serialized(driver, run.run_id), task_regex=".*")
    result = clear_task_instances(driver.services, "flaky", run.run_id, selected, only_failed=True, now=utcnow())
    assert sorted(t.task_id for t in result.cleared) == ["after", "source"]
    driver.drain()
    assert driver.states("flaky", run.run_id) == {
        "first": ("success", 1), "source": ("failed", 2), "after": ("upstream_failed", 0),
    }
    assert driver.services.runs.get("flaky", run.run_id).state == "failed"


def test_clearing_a_successful_run_runs_it_again(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    flag.write_text("go")
    driver.upload("flaky.py", FLAKY.format(flag=str(flag)))
    run = driver.trigger("flaky")
    driver.drain()
    selected = select_tasks(_serialized(driver, run.run_id), None)
    clear_task_instances(driver.services, "flaky", run.run_id, selected, now=utcnow())
    driver.drain()
    assert driver.states("flaky", run.run_id) == {
        "first": ("success", 2), "source": ("success", 2), "after": ("success", 2),
    }
    assert driver.services.runs.get("flaky", run.run_id).state == "success"


FAN_IN = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("fan_in", schedule=None, start_date=datetime(2024, 1, 1)):
        join = BashOperator(task_id="join", bash_command="echo join")
        for name in ("a", "b", "c"):
            BashOperator(task_id=name, bash_command=f"echo {name}") >> join
"""


def test_clearing_one_branch_of_a_fan_in_reruns_the_join_after_it(driver: Driver) -> None:
    driver.upload("fan_in.py", FAN_IN)
    run = driver.trigger("fan_in")
    driver.drain()
    serialized = driver.services.serialized_dag("fan_in", driver.services.runs.get("fan_in", run.run_id).dag_version)
    selected = select_tasks(serialized, ["b"], include_downstream=True)
    assert selected == {"b", "join"}
    clear_task_instances(driver.services, "fan_in", run.run_id, selected, now=utcnow())
    driver.drain()
    assert driver.states("fan_in", run.run_id) == {
        "a": ("success", 1), "b": ("success", 2), "c": ("success", 1), "join": ("success", 2),
    }
    assert driver.services.runs.get("fan_in", run.run_id).state == "success"


def test_clearing_an_ended_run_takes_its_place_again(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    flag.write_text("go")
    driver.upload("flaky.py", FLAKY.format(flag=str(flag)))
    run = driver.trigger("flaky")
    driver.drain()
    assert driver.services.dags.get("flaky")["active_runs"] == 0
    clear_task_instances(driver.services, "flaky", run.run_id, {"after"}, now=utcnow())
    assert driver.services.dags.get("flaky")["active_runs"] == 1
    driver.drain()
    assert driver.services.dags.get("flaky")["active_runs"] == 0
    assert driver.services.runs.get("flaky", run.run_id).state == "success"

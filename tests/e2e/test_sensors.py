"""Sensors: reschedule mode frees the worker and comes back (by SQS delay or the scheduler),
keeps its try, times out (or soft-fails) from its first poke; poke mode waits in place."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.scheduling.scheduler import run_pass


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


RESCHEDULE = """
    from datetime import datetime, timedelta
    from pathlib import Path
    from updraft import DAG, task
    from updraft.operators import BashOperator
    from updraft.sensors import PythonSensor, PokeReturnValue

    FLAG = Path({flag!r})

    with DAG("sensing", schedule=None, start_date=datetime(2024, 1, 1)):
        wait = PythonSensor(task_id="wait", python_callable=lambda: FLAG.exists(),
                            mode="reschedule", poke_interval={interval}, timeout=3600)

        @task.sensor(mode="reschedule", poke_interval={interval})
        def wait_value():
            return PokeReturnValue(FLAG.exists(), xcom_value="found" if FLAG.exists() else None)

        [wait, wait_value()] >> BashOperator(task_id="after", bash_command="echo after")
"""


def test_reschedule_frees_the_worker_and_keeps_the_try(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    driver.upload("sensing.py", RESCHEDULE.format(flag=str(flag), interval=0))
    run = driver.trigger("sensing")
    driver.drain(rounds=3)  # each poke is one message; nothing waits in a worker
    states = driver.states("sensing", run.run_id)
    assert states["wait"][0] in ("up_for_reschedule", "queued")
    assert states["wait"][1] == 1
    ti = driver.services.tis.get("sensing", run.run_id, "wait")
    assert ti.poke_count >= 2 and ti.poke_try == 1
    flag.write_text("here")
    driver.drain()
    assert driver.states("sensing", run.run_id) == {
        "wait": ("success", 1), "wait_value": ("success", 1), "after": ("success", 1),
    }
    assert driver.services.xcoms.get("sensing", run.run_id, "wait_value", -1, "return_value") == (True, "found")


def test_reschedule_beyond_sqs_delay_comes_back_by_the_scheduler(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    driver.upload("sensing.py", RESCHEDULE.format(flag=str(flag), interval=3600))
    run = driver.trigger("sensing")
    driver.drain()
    assert driver.states("sensing", run.run_id)["wait"] == ("up_for_reschedule", 1)
    flag.write_text("here")
    report = run_pass(driver.services, datetime.now(timezone.utc) + timedelta(hours=1, seconds=5))
    assert report.reschedules_queued == 2
    driver.drain()
    assert driver.states("sensing", run.run_id)["after"] == ("success", 1)


TIMEOUT = """
    from datetime import datetime
    from updraft import DAG
    from updraft.sensors import PythonSensor

    with DAG("sensor_timeout", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonSensor(task_id="hard", python_callable=lambda: False, mode="reschedule",
                     poke_interval=0, timeout=0.5, retries=3)
        PythonSensor(task_id="soft", python_callable=lambda: False, mode="reschedule",
                     poke_interval=0, timeout=0.5, soft_fail=True)
        PythonSensor(task_id="poking", python_callable=lambda: False, mode="poke",
                     poke_interval=0.1, timeout=0.3)
"""


def test_timeouts_fail_without_retries_or_skip_with_soft_fail(driver: Driver) -> None:
    import time

    driver.upload("sensor_timeout.py", TIMEOUT)
    run = driver.trigger("sensor_timeout")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and driver.services.runs.get("sensor_timeout", run.run_id).state == "running":
        driver.drain(rounds=5)
        time.sleep(0.2)
    assert driver.states("sensor_timeout", run.run_id) == {
        "hard": ("failed", 1), "soft": ("skipped", 1), "poking": ("failed", 1),
    }


POKE_LONG = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.sensors import PythonSensor

    with DAG("poke_long", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonSensor(task_id="wait", python_callable=lambda: Path({flag!r}).exists(),
                     mode="poke", poke_interval=30, timeout=3600)
"""


def test_poke_mode_frees_the_worker_before_its_lambda_ends(driver: Driver, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    driver.upload("poke_long.py", POKE_LONG.format(flag=str(flag)))
    run = driver.trigger("poke_long")
    [message] = driver.receive()
    # A worker with 35 s left cannot wait 30 s for the next poke and still record it.
    assert driver.deliver([message], timeout=35) == {"batchItemFailures": []}
    ti = driver.services.tis.get("poke_long", run.run_id, "wait")
    assert (str(ti.state), ti.try_number, ti.poke_count) == ("up_for_reschedule", 1, 1)
    flag.write_text("here")
    report = run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=16))
    assert report.reschedules_queued == 1
    driver.drain()
    assert driver.states("poke_long", run.run_id) == {"wait": ("success", 1)}

"""Cross-DAG: TriggerDagRunOperator (waiting the reschedule way) and ExternalTaskSensor."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.engine_driver import Driver

CROSS = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import BashOperator, TriggerDagRunOperator
    from updraft.sensors import ExternalTaskSensor

    with DAG("target", schedule=None, start_date=datetime(2024, 1, 1)):
        BashOperator(task_id="work", bash_command="echo {{{{ dag_run.conf.get('who') }}}}")

    with DAG("controller", schedule=None, start_date=datetime(2024, 1, 1)):
        TriggerDagRunOperator(task_id="trigger", trigger_dag_id="target", conf={{"who": "controller"}},
                              logical_date="{{{{ logical_date }}}}", wait_for_completion=True, poke_interval=0)

    with DAG("watcher", schedule=None, start_date=datetime(2024, 1, 1)):
        ExternalTaskSensor(task_id="wait_work", external_dag_id="target", external_task_id="work",
                           mode="reschedule", poke_interval=0, timeout=60{extra})
"""


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def test_trigger_and_wait_then_an_external_sensor_sees_it(driver: Driver) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.timeutil import coerce_datetime, utcnow

    driver.upload("cross.py", CROSS.format(extra=""))
    logical = coerce_datetime("2024-06-01T00:00:00+00:00")
    trigger_dag_run(driver.services, "controller", run_id="manual__c", logical_date=logical, now=utcnow())
    trigger_dag_run(driver.services, "watcher", run_id="manual__w", logical_date=logical, now=utcnow())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and str(driver.services.runs.get("controller", "manual__c").state) == "running":
        driver.drain(rounds=5)
    assert driver.states("controller", "manual__c") == {"trigger": ("success", 1)}
    target_run = driver.services.xcoms.get("controller", "manual__c", "trigger", -1, "trigger_run_id")[1]
    assert str(driver.services.runs.get("target", target_run).state) == "success"
    assert driver.services.xcoms.get("target", target_run, "work", -1, "return_value") == (True, "controller")
    driver.drain()
    assert driver.states("watcher", "manual__w") == {"wait_work": ("success", 1)}


def test_external_sensor_fails_on_failed_states(driver: Driver) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.timeutil import coerce_datetime, utcnow

    source = CROSS.format(extra=', failed_states=["failed"]').replace("echo {{ dag_run.conf.get('who') }}", "exit 1")
    driver.upload("cross.py", source)
    logical = coerce_datetime("2024-06-02T00:00:00+00:00")
    trigger_dag_run(driver.services, "target", run_id="manual__t", logical_date=logical, now=utcnow())
    trigger_dag_run(driver.services, "watcher", run_id="manual__w", logical_date=logical, now=utcnow())
    for _ in range(10):
        driver.drain(rounds=5)
    assert driver.states("watcher", "manual__w") == {"wait_work": ("failed", 1)}


GROUP = """
    from datetime import datetime
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
    from airflow.sdk import DAG, TaskGroup

    with DAG("grouped", schedule=None, start_date=datetime(2024, 1, 1)):
        with TaskGroup("load"):
            BashOperator(task_id="a", bash_command="echo a") >> BashOperator(task_id="b", bash_command="{cmd}")

    with DAG("group_watcher", schedule=None, start_date=datetime(2024, 1, 1)):
        ExternalTaskSensor(task_id="wait_load", external_dag_id="grouped", external_task_group_id="load",
                           failed_states=["failed", "upstream_failed"], mode="reschedule", poke_interval=1,
                           timeout=60)
"""


@pytest.mark.parametrize("cmd, expected", [("echo b", "success"), ("exit 1", "failed")], ids=["done", "failed"])
def test_external_sensor_waits_for_a_whole_task_group(driver: Driver, cmd: str, expected: str) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.timeutil import coerce_datetime, utcnow

    driver.upload("grouped.py", GROUP.format(cmd=cmd))
    logical = coerce_datetime("2024-06-03T00:00:00+00:00")
    trigger_dag_run(driver.services, "group_watcher", run_id="manual__w", logical_date=logical, now=utcnow())
    driver.drain(rounds=3)
    assert driver.states("group_watcher", "manual__w")["wait_load"][0] == "up_for_reschedule"  # no run yet
    trigger_dag_run(driver.services, "grouped", run_id="manual__g", logical_date=logical, now=utcnow())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and str(driver.services.runs.get("group_watcher", "manual__w").state) == "running":
        driver.drain(rounds=5)
        time.sleep(0.5)
    assert driver.states("group_watcher", "manual__w")["wait_load"][0] == expected

"""A run starts within about a second of its due time, not at the next scheduler tick: each
pass hands the runs due before the next one to SQS, delayed to their time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.engine_driver import Driver
from updraft.scheduling.scheduler import run_pass

SOON = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG("soon", schedule=timedelta(hours=1), start_date=datetime.fromisoformat({start!r}), catchup=True):
        EmptyOperator(task_id="t")
"""


def test_run_created_at_its_due_time_by_a_delayed_message(services: Any, handlers: dict[str, Any],
                                                          stack_env: dict[str, str]) -> None:
    driver = Driver(services, handlers, stack_env)
    due = (datetime.now(timezone.utc) + timedelta(seconds=3)).replace(microsecond=0)
    driver.upload("soon.py", SOON.format(start=due.isoformat()))
    assert services.dags.get("soon")["next_dagrun_create_after"] == due.isoformat()
    report = run_pass(services, datetime.now(timezone.utc))
    assert report.runs_handed_over == 1 and report.dagruns_created == []
    while datetime.now(timezone.utc) < due - timedelta(seconds=0.5):
        assert driver.drain() <= 1  # the delayed message is not visible yet
        assert services.runs.list("soon")[0] == []
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while not services.runs.list("soon")[0] and time.monotonic() < deadline:
        driver.drain()
        time.sleep(0.05)
    [run] = services.runs.list("soon")[0]
    lateness = (datetime.fromisoformat(run.queued_at) - due).total_seconds()
    assert 0 <= lateness < 1.5, lateness
    assert run.run_id == f"scheduled__{due.isoformat()}"

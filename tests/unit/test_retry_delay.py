"""The wait before a retry, as Airflow computes it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from updraft.models.outcome import retry_delay
from updraft.models.records import TaskInstance

LOGICAL = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _ti(try_number: int) -> TaskInstance:
    return TaskInstance(dag_id="d", run_id="r", task_id="t", try_number=try_number)


def test_plain_retry_delay() -> None:
    assert retry_delay({"retry_delay": 300}, _ti(3), LOGICAL) == timedelta(seconds=300)


def test_exponential_backoff_doubles_with_a_stable_jitter() -> None:
    task = {"retry_delay": 10, "retry_exponential_backoff": True}
    waits = [retry_delay(task, _ti(n), LOGICAL) for n in (1, 2, 3, 4)]
    for n, wait in zip((1, 2, 3, 4), waits):
        base = 10 * 2 ** (n - 1)
        assert timedelta(seconds=base) <= wait < timedelta(seconds=2 * base)
    assert waits == [retry_delay(task, _ti(n), LOGICAL) for n in (1, 2, 3, 4)]  # deterministic


def test_max_retry_delay_caps_the_backoff() -> None:
    task = {"retry_delay": 600, "retry_exponential_backoff": True, "max_retry_delay": 900}
    assert retry_delay(task, _ti(5), LOGICAL) == timedelta(seconds=900)

"""The time limit around execute() works in the main thread and in worker threads alike."""

from __future__ import annotations

import threading
import time

import pytest

from updraft.exceptions import AirflowTaskTimeout
from updraft.execution.timeout import time_limit


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)


def test_main_thread_limit() -> None:
    with pytest.raises(AirflowTaskTimeout, match="too slow"):
        with time_limit(0.2, lambda: AirflowTaskTimeout("too slow")):
            _spin(5)


def test_worker_thread_limit() -> None:
    caught: list[BaseException] = []

    def work() -> None:
        try:
            with time_limit(0.2, lambda: AirflowTaskTimeout("too slow")):
                _spin(5)
        except AirflowTaskTimeout as err:
            caught.append(err)

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    thread.join(10)
    assert time.monotonic() - started < 3
    assert [str(e) for e in caught] == ["too slow"]


def test_no_limit_and_fast_work_pass_through() -> None:
    with time_limit(None, lambda: AirflowTaskTimeout("x")):
        pass
    with time_limit(5, lambda: AirflowTaskTimeout("x")):
        _spin(0.05)

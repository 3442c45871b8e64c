"""A time limit around a task's execute(): execution_timeout, and the worker Lambda's own.

In the main thread (as in Lambda) a timer signal interrupts the task; in other threads (the
local stack runs several workers at once) the exception is raised in the task's thread, which
interrupts Python code but not a blocking call inside C."""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def time_limit(seconds: float | None, make_error: Callable[[], BaseException]) -> Iterator[None]:
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        def on_alarm(signum: int, frame: object) -> None:
            raise make_error()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    error = make_error()
    thread_id = threading.get_ident()
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(type(error)))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except type(error) as raised:
        if fired.is_set() and not raised.args:
            raise error from None
        raise
    finally:
        timer.cancel()
        if fired.is_set():  # an exception that arrived after the block: clear it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)


@contextmanager
def kill_on_timeout(task: object) -> Iterator[None]:
    """Airflow's rule: a try stopped by its time limit has its operator's `on_kill()` called
    (BashOperator ends its command's processes), then fails as timed out."""
    from updraft.exceptions import AirflowTaskTimeout

    try:
        yield
    except AirflowTaskTimeout:
        on_kill = getattr(task, "on_kill", None)
        if callable(on_kill):
            on_kill()
        raise

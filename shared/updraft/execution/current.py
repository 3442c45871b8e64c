"""`get_current_context()`: the running task's context, for code that is not handed it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from updraft.exceptions import AirflowException

from updraft.store.task_state import NEVER_EXPIRE  # noqa: F401 - importable as from Airflow

_stack: ContextVar[tuple[dict[str, Any], ...]] = ContextVar("updraft_current_context", default=())


def get_current_context() -> dict[str, Any]:
    """The context of the task running now; outside a task, Airflow's error."""
    stack = _stack.get()
    if not stack:
        raise AirflowException(
            "Current context was requested but no context was found! Are you running within an Airflow task?"
        )
    return stack[-1]


@contextmanager
def set_current_context(context: dict[str, Any]) -> Iterator[dict[str, Any]]:
    token = _stack.set((*_stack.get(), context))
    try:
        yield context
    finally:
        _stack.reset(token)

"""`@task.run_if(condition)` and `@task.skip_if(condition)`: a TaskFlow task that skips
itself, decided when it is about to run.

As in Airflow, the condition becomes the task's `pre_execute` hook (chained after any it
already has, so they stack): it gets the context and returns a bool, or a (bool, message)
pair whose message, when given, is the skip's."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from updraft.exceptions import AirflowSkipException

__all__ = ["run_if", "skip_if"]

T = TypeVar("T")
Hook = Callable[[Any], None]
DEFAULT_MESSAGE = "Task was skipped due to condition."


def run_if(condition: Callable[[Any], Any], skip_message: str | None = None) -> Callable[[T], T]:
    """Run the task only if `condition(context)` holds; skip it otherwise."""
    return _conditioned("run_if", wrap_skip(condition, skip_message or DEFAULT_MESSAGE, reverse=True))


def skip_if(condition: Callable[[Any], Any], skip_message: str | None = None) -> Callable[[T], T]:
    """Skip the task if `condition(context)` holds."""
    return _conditioned("skip_if", wrap_skip(condition, skip_message or DEFAULT_MESSAGE, reverse=False))


def _conditioned(name: str, hook: Hook) -> Callable[[T], T]:
    def decorator(task: T) -> T:
        from updraft.authoring.taskflow import _TaskDecorator

        if not isinstance(task, _TaskDecorator):
            raise TypeError(f"{name} can only be used with task. decorate with @task before @{name}.")
        task.kwargs["pre_execute"] = combine_hooks(task.kwargs.get("pre_execute"), hook)
        return task

    return decorator


def wrap_skip(func: Callable[[Any], Any], error_msg: str, *, reverse: bool) -> Hook:
    @wraps(func)
    def pre_execute(context: Any) -> None:
        condition = func(context)
        skip_msg = error_msg
        if isinstance(condition, tuple):
            condition, maybe_error_msg = condition
            if maybe_error_msg:
                skip_msg = maybe_error_msg
        if reverse:
            condition = not condition
        if condition:
            raise AirflowSkipException(skip_msg)

    return pre_execute


def combine_hooks(*hooks: Hook | None) -> Hook:
    def pre_execute(context: Any) -> None:
        for hook in hooks:
            if hook is not None:
                hook(context)

    return pre_execute

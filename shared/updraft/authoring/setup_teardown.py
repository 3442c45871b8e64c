"""`@setup` and `@teardown`: TaskFlow tasks marked as a setup or a teardown when called.

Airflow's decorators (airflow/sdk/definitions/decorators/setup_teardown.py) set flags on the
task decorator, which `_TaskDecorator.__call__` (airflow/sdk/bases/decorator.py) reads. Here
the decorator becomes a `_SetupTeardownDecorator`, which reads them the same way — with
Airflow's quirk that a teardown's decorator keeps the trigger rule it set on its first call,
so a second call (or `.override()` after one) fails with Airflow's message."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.authoring.setup_teardown_context import SetupTeardownContext
from updraft.authoring.taskflow import _TaskDecorator
from updraft.authoring.taskgroup import _TaskGroupFactory
from updraft.authoring.xcomarg import XComArg
from updraft.exceptions import AirflowException
from updraft.models.states import TriggerRule

__all__ = ["setup", "teardown", "setup_task", "teardown_task", "ContextWrapper", "context_wrapper"]

_FLAGS = ("is_setup", "is_teardown", "on_failure_fail_dagrun")


class _SetupTeardownDecorator(_TaskDecorator):
    """A `_TaskDecorator` whose tasks are marked setup or teardown as they are made."""

    is_setup: bool = False
    is_teardown: bool = False
    on_failure_fail_dagrun: bool = False

    def _teardown_rule(self) -> None:
        if self.is_teardown:
            if "trigger_rule" in self.kwargs:
                raise ValueError("Trigger rule not configurable for teardown tasks.")
            self.kwargs.update(trigger_rule=TriggerRule.ALL_DONE_SETUP_SUCCESS)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        self._teardown_rule()
        on_failure_fail_dagrun = self.kwargs.pop("on_failure_fail_dagrun", self.on_failure_fail_dagrun)
        output = super().__call__(*args, **kwargs)
        op = output.operator
        op.is_setup = self.is_setup
        op.is_teardown = self.is_teardown
        op.on_failure_fail_dagrun = on_failure_fail_dagrun
        return output

    def expand(self, **mapped: Any) -> XComArg:
        self._teardown_rule()
        return self._mark_mapped(super().expand(**mapped))

    def expand_kwargs(self, kwargs: Any) -> XComArg:
        return self._mark_mapped(super().expand_kwargs(kwargs))

    def _mark_mapped(self, output: XComArg) -> XComArg:
        for flag in _FLAGS:
            setattr(output.operator, flag, getattr(self, flag))
        return output

    def override(self, **kwargs: Any) -> "_SetupTeardownDecorator":
        return _marked(super().override(**kwargs), self)


def _marked(func: Any, like: Any = None) -> Any:
    """`func` as a decorator whose tasks get marked (the flags copied from `like`, if given)."""
    if isinstance(func, _TaskDecorator) and not isinstance(func, _SetupTeardownDecorator):
        func.__class__ = _SetupTeardownDecorator
    if like is not None:
        for flag in _FLAGS:
            setattr(func, flag, getattr(like, flag))
    return func


def _as_task(func: Any) -> Any:
    # A plain function becomes a @task; a task group cannot be marked (Airflow's check).
    if isinstance(func, types.FunctionType):
        from updraft.authoring.taskflow import task

        func = task(func)
    if isinstance(func, _TaskGroupFactory):
        raise AirflowException("Task groups cannot be marked as setup or teardown.")
    return _marked(func)


def setup_task(func: Callable[..., Any]) -> Any:
    """`@setup`: the task prepares what the work after it needs (it runs before it)."""
    func = _as_task(func)
    func.is_setup = True
    return func


def teardown_task(_func: Callable[..., Any] | None = None, *, on_failure_fail_dagrun: bool = False) -> Any:
    """`@teardown` / `@teardown(on_failure_fail_dagrun=True)`: the task cleans up after the
    work, and runs even when the work failed, if one of its setups succeeded."""

    def teardown(func: Callable[..., Any]) -> Any:
        func = _as_task(func)
        func.is_teardown = True
        func.on_failure_fail_dagrun = on_failure_fail_dagrun
        return func

    if _func is None:
        return teardown
    return teardown(_func)


setup = setup_task
teardown = teardown_task


class ContextWrapper(list):  # type: ignore[type-arg]
    """Airflow's: a list of setups (or teardowns) usable as one context manager."""

    def __init__(self, tasks: list[Any]) -> None:
        self.tasks = tasks
        super().__init__(tasks)

    def __enter__(self) -> type[SetupTeardownContext]:
        operators = []
        for task in self.tasks:
            if isinstance(task, BaseOperator):
                operators.append(task)
                if not task.is_setup and not task.is_teardown:
                    raise AirflowException("Only setup/teardown tasks can be used as context managers.")
            elif not task.operator.is_setup and not task.operator.is_teardown:
                raise AirflowException("Only setup/teardown tasks can be used as context managers.")
        if not operators:
            operators = [task.operator for task in self.tasks]
        SetupTeardownContext.push_setup_teardown_task(operators)
        return SetupTeardownContext

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        SetupTeardownContext.set_work_task_roots_and_leaves()


context_wrapper = ContextWrapper

"""TaskFlow: `@task` turns a function into a task whose return value flows on through XCom."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from updraft.authoring import context as dag_context
from updraft.authoring.xcomarg import XComArg
from updraft.operators.python import PythonOperator


class DecoratedPythonOperator(PythonOperator):
    """The operator behind `@task`: calls the function with arguments resolved from XCom."""

    custom_operator_name = "@task"

    def __init__(self, *, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(python_callable=python_callable, **kwargs)

    def determine_kwargs(self, context: Any) -> dict[str, Any]:
        """Pass context values only to parameters the function names and the call left open."""
        return self._context_kwargs(context)


class _TaskDecorator:
    """What `@task` returns: calling it inside a DAG adds a task and returns its XComArg."""

    def __init__(self, function: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.kwargs = kwargs

    def override(self, **kwargs: Any) -> "_TaskDecorator":
        return _TaskDecorator(self.function, {**self.kwargs, **kwargs})

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        options = dict(self.kwargs)
        task_id = options.pop("task_id", None) or self.function.__name__
        dag = options.get("dag") or dag_context.current()
        if dag is not None:
            task_id = _unique_task_id(task_id, dag.task_ids)
        if options.get("doc_md") is None and self.function.__doc__:
            options["doc_md"] = self.function.__doc__
        operator = DecoratedPythonOperator(
            task_id=task_id,
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=kwargs,
            **options,
        )
        return XComArg(operator)


def _unique_task_id(task_id: str, existing: list[str]) -> str:
    """Airflow's rule for a decorated task called twice: `name`, `name__1`, `name__2`, …"""
    if task_id not in existing:
        return task_id
    base = task_id.split("__")[0]
    taken = [
        int(t.rsplit("__", 1)[1])
        for t in existing
        if t.startswith(f"{base}__") and t.rsplit("__", 1)[1].isdigit()
    ]
    return f"{base}__{max(taken, default=0) + 1}"


class _TaskFactory:
    """`task`, `task(...)` and `task.python(...)`."""

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return self.python(python_callable, **kwargs)

    def python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        if python_callable is not None:
            return _TaskDecorator(python_callable, kwargs)
        return lambda fn: _TaskDecorator(fn, kwargs)


task = _TaskFactory()

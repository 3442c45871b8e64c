"""TaskFlow: `@task` turns a function into a task whose return value flows on through XCom."""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

from updraft.authoring import context as dag_context
from updraft.authoring.conditions import run_if, skip_if
from updraft.authoring.xcomarg import XComArg
from updraft.operators.branch import BranchPythonOperator, ShortCircuitOperator
from updraft.operators.python import PythonOperator


class DecoratedPythonOperator(PythonOperator):
    """The operator behind `@task`: calls the function with arguments resolved from XCom."""

    custom_operator_name = "@task"

    def __init__(self, *, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(python_callable=python_callable, **kwargs)

    def determine_kwargs(self, context: Any) -> dict[str, Any]:
        """Pass context values only to parameters the function names and the call left open."""
        return self._context_kwargs(context)


class _BranchPythonDecoratedOperator(DecoratedPythonOperator, BranchPythonOperator):
    """The operator behind `@task.branch`."""

    custom_operator_name = "@task.branch"


class _ShortCircuitDecoratedOperator(DecoratedPythonOperator, ShortCircuitOperator):
    """The operator behind `@task.short_circuit`."""

    custom_operator_name = "@task.short_circuit"


def _infer_multiple_outputs(function: Callable[..., Any]) -> bool:
    """Airflow's rule: a function annotated to return a mapping (`-> dict[str, int]`) pushes
    each key as its own XCom."""
    if "return" not in getattr(function, "__annotations__", {}):
        return False
    try:
        def fake() -> None: ...

        fake.__annotations__ = {"return": function.__annotations__["return"]}
        return_type = typing.get_type_hints(fake, function.__globals__).get("return", Any)
    except (NameError, TypeError, AttributeError):
        return False  # not resolvable at run time (a TYPE_CHECKING import, a bad annotation)
    ttype = getattr(return_type, "__origin__", return_type)
    return isinstance(ttype, type) and issubclass(ttype, Mapping)


class _TaskDecorator:
    """What `@task` returns: calling it inside a DAG adds a task and returns its XComArg."""

    def __init__(
        self,
        function: Callable[..., Any],
        kwargs: dict[str, Any],
        operator_class: type[DecoratedPythonOperator] = DecoratedPythonOperator,
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.kwargs = kwargs
        self.operator_class = operator_class
        # Given (True/False) wins; None or absent: inferred from the return annotation.
        if self.kwargs.get("multiple_outputs") is None:
            self.kwargs = {**kwargs, "multiple_outputs": _infer_multiple_outputs(function)}

    def override(self, **kwargs: Any) -> "_TaskDecorator":
        return _TaskDecorator(self.function, {**self.kwargs, **kwargs}, self.operator_class)

    def partial(self, **kwargs: Any) -> "_TaskPartial":
        """`f.partial(fixed=...).expand(mapped=[...])`: one task instance per mapped value."""
        return _TaskPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, kwargs: Any) -> XComArg:
        return self.partial().expand_kwargs(kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        options = dict(self.kwargs)
        task_id = options.pop("task_id", None) or self.function.__name__
        dag = options.get("dag") or dag_context.current()
        if dag is not None:
            task_id = _unique_task_id(task_id, dag, options.get("task_group"))
        if options.get("doc_md") is None and self.function.__doc__:
            options["doc_md"] = self.function.__doc__
        operator = self.operator_class(
            task_id=task_id,
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=kwargs,
            **options,
        )
        return XComArg(operator)


class _TaskPartial:
    """A TaskFlow task with some arguments fixed, waiting for `.expand()`."""

    def __init__(self, decorator: _TaskDecorator, fixed: dict[str, Any]) -> None:
        self.decorator = decorator
        self.fixed = fixed

    def _operator_partial(self) -> Any:
        from updraft.authoring.mapped import OperatorPartial

        options = dict(self.decorator.kwargs)
        task_id = options.pop("task_id", None) or self.decorator.function.__name__
        dag = options.get("dag") or dag_context.current()
        if dag is not None:
            task_id = _unique_task_id(task_id, dag, options.get("task_group"))
            # The id is checked against the group later, when the task is made: drop the prefix.
            group = options.get("task_group")
            from updraft.authoring.taskgroup import current_group

            group = group if group is not None else current_group(dag)
            prefix = group.child_id("") if group is not None else ""
            if prefix and task_id.startswith(prefix):
                task_id = task_id[len(prefix):]
        if options.get("doc_md") is None and self.decorator.function.__doc__:
            options["doc_md"] = self.decorator.function.__doc__
        kwargs = {"task_id": task_id, "python_callable": self.decorator.function,
                  "op_kwargs": dict(self.fixed), **options}
        return OperatorPartial(self.decorator.operator_class, kwargs, map_into="op_kwargs")

    def expand(self, **mapped: Any) -> XComArg:
        return XComArg(self._operator_partial().expand(**mapped))

    def expand_kwargs(self, kwargs: Any) -> XComArg:
        return XComArg(self._operator_partial().expand_kwargs(kwargs))


def _unique_task_id(task_id: str, dag: Any, task_group: Any = None) -> str:
    """Airflow's rule for a decorated task called twice: `name`, `name__1`, `name__2`, …
    compared with the ids in the DAG, inside a task group with the group's prefix."""
    from updraft.authoring.taskgroup import current_group

    group = task_group if task_group is not None else current_group(dag)
    full_id = group.child_id(task_id) if group is not None else task_id
    if full_id not in dag.task_dict:
        return task_id
    prefix = re.escape(re.split(r"__\d+$", full_id)[0])
    taken = [int(m.group(1)) for t in dag.task_ids if (m := re.match(rf"^{prefix}__(\d+)$", t))]
    core = re.split(r"__\d+$", task_id)[0]
    return f"{core}__{max(taken, default=0) + 1}"


class _TaskFactory:
    """`task`, `task(...)` and `task.<name>(...)`: Airflow's TaskFlow decorators."""

    run_if = staticmethod(run_if)
    skip_if = staticmethod(skip_if)

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return self.python(python_callable, **kwargs)

    def python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return _decorate(python_callable, kwargs, DecoratedPythonOperator)

    def branch(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """`@task.branch`: the function returns the task id(s) or task group id(s) to follow."""
        return _decorate(python_callable, kwargs, _BranchPythonDecoratedOperator)

    def short_circuit(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """`@task.short_circuit`: a falsy return value skips what comes after the task."""
        return _decorate(python_callable, kwargs, _ShortCircuitDecoratedOperator)

    def sensor(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """`@task.sensor`: the function is poked until it returns True or a done PokeReturnValue."""
        from updraft.sensors.python import DecoratedSensorOperator

        return _decorate(python_callable, kwargs, DecoratedSensorOperator)  # type: ignore[arg-type]

    def bash(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """`@task.bash`: the function returns the bash command to run (a template)."""
        from updraft.authoring import decorated_operators as ops

        return _decorate(python_callable, kwargs, ops._BashDecoratedOperator)  # type: ignore[arg-type]

    def virtualenv(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """`@task.virtualenv`: runs only with requirements the worker already has
        (PythonVirtualenvOperator)."""
        from updraft.authoring import decorated_operators as ops

        return _decorate(python_callable, kwargs, ops._PythonVirtualenvDecoratedOperator)

    def external_python(
        self, python: str | None = None, python_callable: Callable[..., Any] | None = None, **kwargs: Any
    ) -> Any:
        """`@task.external_python(python="/opt/venv/bin/python")`: the function runs in that
        interpreter (ExternalPythonOperator)."""
        from updraft.authoring import decorated_operators as ops

        return _decorate(python_callable, {"python": python, **kwargs}, ops._PythonExternalDecoratedOperator)

    def branch_virtualenv(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        from updraft.authoring import decorated_operators as ops

        return _decorate(python_callable, kwargs, ops._BranchPythonVirtualenvDecoratedOperator)

    def branch_external_python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        from updraft.authoring import decorated_operators as ops

        return _decorate(python_callable, kwargs, ops._BranchExternalPythonDecoratedOperator)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        hint = _ELSEWHERE.get(name)
        raise AttributeError(f"task decorator {name!r} not found" + (f": {hint}" if hint else ""))


# Decorators of Airflow's other providers, and what Updraft has instead.
_CONTAINER = "there is no container runtime in a worker Lambda; run the image with EcsRunTaskOperator"
_ELSEWHERE = {
    "docker": _CONTAINER,
    "kubernetes": _CONTAINER,
    "kubernetes_cmd": _CONTAINER,
    "pyspark": "Updraft has no Spark provider; submit the job with BatchOperator or EcsRunTaskOperator",
    "stub": "Updraft runs Python tasks only (no Task SDK for other languages)",
}


def _decorate(
    python_callable: Callable[..., Any] | None,
    kwargs: dict[str, Any],
    operator_class: type[DecoratedPythonOperator],
) -> Any:
    if python_callable is not None:
        if not callable(python_callable):
            raise TypeError("No positional arguments allowed while using @task, use named arguments instead")
        return _TaskDecorator(python_callable, kwargs, operator_class)
    return lambda fn: _TaskDecorator(fn, kwargs, operator_class)


task = _TaskFactory()

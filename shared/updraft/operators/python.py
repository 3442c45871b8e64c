"""PythonOperator: calls a Python function with `op_args`, `op_kwargs` and the context."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.authoring.xcomarg import iter_xcom_args


def context_kwargs(
    python_callable: Callable[..., Any],
    context: Any,
    *,
    op_args: Sequence[Any] = (),
    op_kwargs: Mapping[str, Any] | None = None,
    templates_dict: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Context values for the parameters the callable names (all of them for **kwargs), as
    Airflow passes them, leaving out what op_args and op_kwargs already give."""
    params = list(inspect.signature(python_callable).parameters.values())
    taken = {p.name for p in params[: len(op_args)]} | set(op_kwargs or {})
    if templates_dict is not None:
        context = {**dict(context), "templates_dict": templates_dict}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return {k: v for k, v in dict(context).items() if k not in taken}
    return {
        p.name: context[p.name]
        for p in params
        if p.name in context and p.name not in taken
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


class PythonCallableMixin:
    """What PythonOperator and PythonSensor share: a callable, its arguments (whose XComArgs
    make dependencies) and how it is called with the context."""

    python_callable: Callable[..., Any]
    op_args: list[Any]
    op_kwargs: dict[str, Any]
    templates_dict: dict[str, Any] | None

    def _set_callable(
        self,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None,
        op_kwargs: Mapping[str, Any] | None,
        templates_dict: dict[str, Any] | None,
    ) -> None:
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        for arg in iter_xcom_args([self.op_args, self.op_kwargs]):
            arg.operator.set_downstream(self)

    def _context_kwargs(self, context: Any) -> dict[str, Any]:
        return context_kwargs(self.python_callable, context, op_args=self.op_args,
                              op_kwargs=self.op_kwargs, templates_dict=self.templates_dict)

    def _call(self, context: Any) -> Any:
        kwargs = {**self.determine_kwargs(context), **self.op_kwargs}
        return self.python_callable(*self.op_args, **kwargs)

    def determine_kwargs(self, context: Any) -> dict[str, Any]:
        return self._context_kwargs(context)


def _check_callable(python_callable: Any) -> None:
    if not callable(python_callable):
        raise TypeError("`python_callable` param must be callable")


class PythonOperator(PythonCallableMixin, BaseOperator):
    """Runs `python_callable(*op_args, **op_kwargs)`; its return value is the task's XCom."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        _check_callable(python_callable)
        super().__init__(**kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, templates_dict)

    def execute(self, context: Any) -> Any:
        return self._call(context)

"""PythonOperator: calls a Python function with `op_args`, `op_kwargs` and the context."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.authoring.xcomarg import iter_xcom_args

log = logging.getLogger("updraft.task")


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
        # As Airflow's context_merge: `templates_dict` is in the callable's context, None too.
        context = {**dict(context), "templates_dict": self.templates_dict}
        return context_kwargs(self.python_callable, context, op_args=self.op_args, op_kwargs=self.op_kwargs)

    def _call(self, context: Any) -> Any:
        kwargs = {**self.determine_kwargs(context), **self.op_kwargs}
        result = self.python_callable(*self.op_args, **kwargs)
        if inspect.iscoroutine(result):  # an `async def` callable runs in an event loop (Airflow 3.2+)
            return asyncio.run(result)
        return result

    def determine_kwargs(self, context: Any) -> dict[str, Any]:
        return self._context_kwargs(context)


def _check_callable(python_callable: Any) -> None:
    if not callable(python_callable):
        raise TypeError("`python_callable` param must be callable")


class PythonOperator(PythonCallableMixin, BaseOperator):
    """Runs `python_callable(*op_args, **op_kwargs)`; its return value is the task's XCom.
    `templates_exts` names the file extensions whose files are read as templates (a
    `templates_dict` value "query.sql" is the rendered file)."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        _check_callable(python_callable)
        super().__init__(**kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, templates_dict)
        if templates_exts:
            self.template_ext = templates_exts
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Any) -> Any:
        return_value = self._call(context)
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %s", return_value)
        else:
            log.info("Done. Returned value not shown")
        return return_value

"""PythonSensor: waits until a Python callable returns something truthy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from updraft.sensors.base import BaseSensorOperator, PokeReturnValue


class PythonSensor(BaseSensorOperator):
    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise TypeError("`python_callable` param must be callable")
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        from updraft.authoring.xcomarg import iter_xcom_args

        for arg in iter_xcom_args([self.op_args, self.op_kwargs]):
            arg.operator.set_downstream(self)

    def poke(self, context: Any) -> bool | PokeReturnValue:
        from updraft.operators.python import PythonOperator

        kwargs = PythonOperator._context_kwargs(self, context)  # type: ignore[arg-type]
        result = self.python_callable(*self.op_args, **{**kwargs, **self.op_kwargs})
        if isinstance(result, PokeReturnValue):
            return result
        return PokeReturnValue(bool(result), result if result and not isinstance(result, bool) else None)


class DecoratedSensorOperator(PythonSensor):
    """The operator behind `@task.sensor`."""

    custom_operator_name = "@task.sensor"

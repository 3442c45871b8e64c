"""PythonSensor: waits until a Python callable returns something truthy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from updraft.operators.python import PythonCallableMixin, _check_callable
from updraft.sensors.base import BaseSensorOperator, PokeReturnValue


class PythonSensor(PythonCallableMixin, BaseSensorOperator):
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
        _check_callable(python_callable)
        super().__init__(**kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, templates_dict)

    def poke(self, context: Any) -> bool | PokeReturnValue:
        result = self._call(context)
        if isinstance(result, PokeReturnValue):
            return result
        return PokeReturnValue(bool(result), result if result and not isinstance(result, bool) else None)


class DecoratedSensorOperator(PythonSensor):
    """The operator behind `@task.sensor`."""

    custom_operator_name = "@task.sensor"

"""XComArg: a task's output used as another task's input, which also makes the dependency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from updraft.authoring.baseoperator import DependencyMixin
from updraft.authoring.setup_teardown_marks import XComArgSetupTeardown

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.execution.context import Context

XCOM_RETURN_KEY = "return_value"


class XComArg(XComArgSetupTeardown, DependencyMixin):
    """The XCom `key` of `operator`, resolved when the consuming task runs."""

    def __init__(self, operator: "BaseOperator", key: str = XCOM_RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    def _tasks(self) -> list["BaseOperator"]:
        return [self.operator]

    def __getitem__(self, key: str) -> "XComArg":
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("'XComArg' object is not iterable: a task's output exists only at run time")

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, {self.key!r})"

    def resolve(self, context: "Context") -> Any:
        """The value; as Airflow, a missing return value (or key of a multiple_outputs task)
        is None, any other missing key an XComNotFound."""
        ti = context["ti"]
        value = ti.xcom_pull(task_ids=self.operator.task_id, key=self.key, default=_MISSING)
        if value is not _MISSING:
            return value
        if self.key == XCOM_RETURN_KEY or getattr(self.operator, "multiple_outputs", False):
            return None
        from updraft.exceptions import XComNotFound

        raise XComNotFound(ti.dag_id, self.operator.task_id, self.key)


_MISSING = object()


def iter_xcom_args(value: Any) -> Iterator[XComArg]:
    """Every XComArg inside a value made of lists, tuples, sets and dicts."""
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from iter_xcom_args(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_xcom_args(item)


class LiteralValue:
    """A value used as it is, never rendered as a template (`literal("{{ not rendered }}")`)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"literal({self.value!r})"

    def resolve(self, context: "Context") -> Any:
        return self.value


def literal(value: Any) -> LiteralValue:
    """Airflow's `literal`: keep a template field's value from being rendered."""
    return LiteralValue(value)

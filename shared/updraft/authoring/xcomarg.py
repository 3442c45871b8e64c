"""XComArg: a task's output used as another task's input, which also makes the dependency."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from updraft.authoring.baseoperator import DependencyMixin
from updraft.authoring.setup_teardown_marks import XComArgSetupTeardown

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.execution.context import Context

XCOM_RETURN_KEY = "return_value"


class _Unset:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _Unset()  # zip() without a fillvalue


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

    # -- Airflow's transforms of mapped data: .map(), .zip(), .concat() ------------------------
    def map(self, f: Callable[[Any], Any]) -> "MapXComArg":
        """Each item of this (list) XCom passed through `f` when read: `task.expand(x=out.map(f))`."""
        return MapXComArg(self, [f])

    def zip(self, *others: "XComArg", fillvalue: Any = NOTSET) -> "ZipXComArg":
        """Items of this and the other XComs side by side, as tuples (the shortest decides the
        length, or the longest with `fillvalue`)."""
        return ZipXComArg([self, *others], fillvalue)

    def concat(self, *others: "XComArg") -> "ConcatXComArg":
        """This XCom's items, then each of the others'."""
        return ConcatXComArg([self, *others])

    def sources(self) -> list["XComArg"]:
        """The plain XComs a value is made from."""
        return [self]

    def resolve_with(self, pull: Callable[["XComArg"], Any]) -> Any:
        """The value, `pull` reading each plain XCom it is made from."""
        return pull(self)

    def serialize(self) -> dict[str, Any]:
        return {"xcom": {"task_id": self.operator.task_id, "key": self.key}}

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


class _DerivedXComArg(XComArg):
    """An XComArg computed from others when read; its dependencies are theirs."""

    parts: list[XComArg]

    def __init__(self, parts: list[XComArg]) -> None:  # noqa: D107 - no operator of its own
        for part in parts:
            if not isinstance(part, XComArg):
                raise TypeError(f"expected an XComArg, not {type(part).__name__}")
        self.parts = parts
        self.operator = parts[0].operator
        self.key = parts[0].key

    def _tasks(self) -> list["BaseOperator"]:
        return [t for part in self.parts for t in part._tasks()]

    def __getitem__(self, key: str) -> "XComArg":
        raise TypeError(f"{type(self).__name__} cannot be indexed")

    def sources(self) -> list[XComArg]:
        return [s for part in self.parts for s in part.sources()]

    def resolve(self, context: "Context") -> Any:
        return self.resolve_with(lambda arg: XComArg.resolve(arg, context))

    def _values(self, pull: Callable[[XComArg], Any]) -> list[Any]:
        out = []
        for part in self.parts:
            value = part.resolve_with(pull)
            if isinstance(value, dict):
                value = list(value.items())
            out.append(list(value) if value is not None else [])
        return out


class MapXComArg(_DerivedXComArg):
    def __init__(self, arg: XComArg, callables: list[Callable[[Any], Any]]) -> None:
        super().__init__([arg])
        self.callables = callables

    def __repr__(self) -> str:
        return f"{self.parts[0]!r}.map([{len(self.callables)} functions])"

    def map(self, f: Callable[[Any], Any]) -> "MapXComArg":
        return MapXComArg(self.parts[0], [*self.callables, f])

    def resolve_with(self, pull: Callable[[XComArg], Any]) -> Any:
        items = self._values(pull)[0]
        for f in self.callables:
            items = [f(item) for item in items]
        return items

    def serialize(self) -> dict[str, Any]:
        return {"map": self.parts[0].serialize()}


class ZipXComArg(_DerivedXComArg):
    def __init__(self, args: list[XComArg], fillvalue: Any = NOTSET) -> None:
        super().__init__(args)
        self.fillvalue = fillvalue

    def __repr__(self) -> str:
        return f"zip({', '.join(map(repr, self.parts))})"

    def resolve_with(self, pull: Callable[[XComArg], Any]) -> Any:
        import itertools

        columns = self._values(pull)
        if self.fillvalue is NOTSET:
            return list(zip(*columns))
        return list(itertools.zip_longest(*columns, fillvalue=self.fillvalue))

    def serialize(self) -> dict[str, Any]:
        return {"zip": [p.serialize() for p in self.parts], "longest": self.fillvalue is not NOTSET}


class ConcatXComArg(_DerivedXComArg):
    def __repr__(self) -> str:
        return f"concat({', '.join(map(repr, self.parts))})"

    def resolve_with(self, pull: Callable[[XComArg], Any]) -> Any:
        return [item for column in self._values(pull) for item in column]

    def serialize(self) -> dict[str, Any]:
        return {"concat": [p.serialize() for p in self.parts]}


def iter_xcom_args(value: Any) -> Iterator[XComArg]:
    """Every plain XComArg inside a value made of lists, tuples, sets and dicts."""
    if isinstance(value, XComArg):
        yield from value.sources()
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

"""Dynamic task mapping: `.partial(...).expand(...)` and `.expand_kwargs(...)`.

A mapped task stands in the DAG as one node; the engine decides how many instances it has
when its upstream tasks are done (from literal lists, or the length of an upstream's XCom),
and each instance gets its own slice of the mapped arguments when it runs."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from updraft.authoring import context as dag_context
from updraft.authoring.baseoperator import DependencyMixin
from updraft.authoring.xcomarg import XComArg, iter_xcom_args
from updraft.exceptions import AirflowException

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator

# Airflow's `max_map_length` default: a mapped task may expand to at most this many instances.
MAX_MAP_LENGTH = 1024

# Arguments that describe the task, not its work: they cannot be mapped.
UNMAPPABLE = frozenset({"task_id", "dag", "task_group", "trigger_rule", "retries", "retry_delay", "owner"})


class UnmappableXComTypePushed(AirflowException):
    """An upstream's XCom used for mapping is not a list or a dict."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"unmappable return type {type(value).__qualname__!r}")


def _check_mappable(value: Any, name: str, task_id: str) -> None:
    if isinstance(value, XComArg):
        return
    if not isinstance(value, (list, tuple, dict)):
        raise ValueError(
            f"Cannot map over {type(value).__qualname__!r} for argument {name!r} of task "
            f"'{task_id}': expand() takes lists, dicts or XComArgs"
        )


class OperatorPartial:
    """`SomeOperator.partial(task_id=..., **fixed)`: waits for `.expand()` or `.expand_kwargs()`."""

    def __init__(
        self, operator_class: type["BaseOperator"], kwargs: dict[str, Any], map_into: str | None = None
    ) -> None:
        if "task_id" not in kwargs:
            raise TypeError("partial() missing required argument: 'task_id'")
        self.operator_class = operator_class
        self.kwargs = kwargs
        self.map_into = map_into

    def expand(self, **mapped: Any) -> "MappedOperator":
        if not mapped:
            raise TypeError("no arguments to expand against")
        for name in mapped:
            if name in UNMAPPABLE:
                raise ValueError(f"cannot map over argument {name!r}")
            _check_mappable(mapped[name], name, self.kwargs["task_id"])
        return MappedOperator(self.operator_class, self.kwargs, ExpandInput("dict", mapped), self.map_into)

    def expand_kwargs(self, kwargs: Any) -> "MappedOperator":
        if not isinstance(kwargs, (list, tuple, XComArg)):
            raise TypeError(f"expected a list of dicts or an XComArg, not {type(kwargs).__qualname__}")
        return MappedOperator(self.operator_class, self.kwargs, ExpandInput("list", kwargs), self.map_into)


class ExpandInput:
    """What a mapped task expands over: `dict` (expand: a cross product of the named lists)
    or `list` (expand_kwargs: one instance per dict)."""

    def __init__(self, kind: str, value: Any) -> None:
        self.kind = kind
        self.value = value

    def xcom_args(self) -> list[XComArg]:
        return list(iter_xcom_args(self.value))

    def serialize(self) -> dict[str, Any]:
        def one(value: Any) -> dict[str, Any]:
            if isinstance(value, XComArg):
                return value.serialize()
            return {"literal": list(value) if isinstance(value, tuple) else value}

        if self.kind == "dict":
            return {"type": "dict", "value": {k: one(v) for k, v in self.value.items()}}
        return {"type": "list", "value": one(self.value)}

    def values_for(self, map_index: int, resolve: Any) -> dict[str, Any]:
        """The keyword arguments of instance `map_index`; `resolve(XComArg)` pulls a value."""
        if self.kind == "list":
            items = self.value.resolve_with(resolve) if isinstance(self.value, XComArg) else self.value
            chosen = list(items)[map_index]
            if not isinstance(chosen, Mapping):
                raise AirflowException(f"expand_kwargs() item {map_index} is not a dict: {chosen!r}")
            return {k: (v.resolve_with(resolve) if isinstance(v, XComArg) else v) for k, v in chosen.items()}
        names = list(self.value)
        columns = []
        for name in names:
            value = self.value[name]
            value = value.resolve_with(resolve) if isinstance(value, XComArg) else value
            columns.append(list(value.items()) if isinstance(value, dict) else list(value))
        combination = next(itertools.islice(itertools.product(*columns), map_index, None))
        return dict(zip(names, combination))


class MappedOperator(DependencyMixin):
    """A task expanded at run time into one instance per mapped value.

    `map_into` names the keyword that receives the mapped values (`op_kwargs` for TaskFlow
    tasks, whose mapped arguments are the function's); None means the operator's own."""

    is_mapped = True

    def __init__(
        self,
        operator_class: type["BaseOperator"],
        partial_kwargs: dict[str, Any],
        expand_input: ExpandInput,
        map_into: str | None = None,
    ) -> None:
        self.task_id: str = partial_kwargs["task_id"]
        self.operator_class = operator_class
        self.expand_input = expand_input
        self.map_into = map_into
        self.partial_kwargs = dict(partial_kwargs)
        # A template instance, with placeholders for the mapped values, joins the DAG and
        # carries the task's settings and dependencies, so the engine and the UI see the
        # task as any other; this object then takes its place in the DAG.
        self._template = operator_class(**self._kwargs(dict.fromkeys(self._mapped_names())))
        self.task_id = self._template.task_id  # with its task group's prefix
        self.partial_kwargs["task_id"] = self.task_id
        self.partial_kwargs.pop("task_group", None)
        self.dag = self._template.dag
        self.upstream_task_ids = self._template.upstream_task_ids
        self.downstream_task_ids = self._template.downstream_task_ids
        if self.dag is not None:
            self.dag.task_dict[self.task_id] = self  # type: ignore[assignment]
        for arg in expand_input.xcom_args():
            arg.operator.set_downstream(self)

    def _mapped_names(self) -> list[str]:
        return list(self.expand_input.value) if self.expand_input.kind == "dict" else []

    def _kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(self.partial_kwargs)
        if self.map_into:
            kwargs[self.map_into] = {**(kwargs.get(self.map_into) or {}), **values}
        else:
            kwargs.update(values)
        return kwargs

    def __getattr__(self, name: str) -> Any:
        # Settings not mapped (retries, trigger_rule, owner, template_fields, …) are the template's.
        if name.startswith("__") or name == "_template":
            raise AttributeError(name)
        return getattr(self._template, name)

    def __repr__(self) -> str:
        return f"<Mapped({self.operator_class.__name__}): {self.task_id}>"

    @property
    def task_type(self) -> str:
        return self.operator_class.__name__

    def _tasks(self) -> list[Any]:
        return [self]

    def _link(self, downstream: Any, edge_modifier: Any = None) -> None:
        self._template._link(downstream, edge_modifier)

    def unmap(self, map_index: int, resolve: Any) -> "BaseOperator":
        """The concrete operator of one instance, made outside any DAG context."""
        values = self.expand_input.values_for(map_index, resolve)
        kwargs = self._kwargs(values)
        kwargs.pop("dag", None)
        kwargs.pop("task_group", None)
        saved = dag_context._stack[:]
        dag_context._stack.clear()
        try:
            operator = self.operator_class(**kwargs)
        finally:
            dag_context._stack[:] = saved
        operator.dag = self.dag
        operator.upstream_task_ids = set(self.upstream_task_ids)
        operator.downstream_task_ids = set(self.downstream_task_ids)
        return operator


def expansion_length(expand_input: dict[str, Any], lengths: Mapping[tuple[str, str], int | None]) -> int:
    """How many instances a serialized expand input makes, given its XCom sources' lengths."""
    def length(source: dict[str, Any]) -> int:
        if "literal" in source:
            value = source["literal"]
            if not isinstance(value, (list, dict)):
                raise UnmappableXComTypePushed(value)
            return len(value)
        if "map" in source:
            return length(source["map"])
        if "zip" in source:
            each = [length(part) for part in source["zip"]]
            return max(each) if source.get("longest") else min(each)
        if "concat" in source:
            return sum(length(part) for part in source["concat"])
        ref = source["xcom"]
        found = lengths.get((ref["task_id"], ref["key"]))
        if found is None:
            raise AirflowException(
                f"Cannot expand over the XCom {ref['key']!r} of task '{ref['task_id']}': it is "
                "missing or not a list or a dict"
            )
        return found

    if expand_input["type"] == "list":
        return length(expand_input["value"])
    total = 1
    for source in expand_input["value"].values():
        total *= length(source)
    return total


def xcom_sources(expand_input: dict[str, Any]) -> list[tuple[str, str]]:
    """The (task id, key) of every XCom a serialized expand input reads (through .map, .zip
    and .concat too)."""
    def refs(source: dict[str, Any]) -> list[tuple[str, str]]:
        if "xcom" in source:
            return [(source["xcom"]["task_id"], source["xcom"]["key"])]
        if "map" in source:
            return refs(source["map"])
        return [r for part in source.get("zip", source.get("concat", [])) for r in refs(part)]

    sources = [expand_input["value"]] if expand_input["type"] == "list" else list(expand_input["value"].values())
    return [r for s in sources for r in refs(s)]



"""Task groups: tasks gathered under one id prefix and one node in the UI, as in Airflow.

`with TaskGroup("extract"):` (or a `@task_group` function) prefixes the ids of the tasks made
inside it (`extract.load`), nests (`outer.inner.load`), and takes part in `>>`/`<<` as a whole:
edges into a group go to its root tasks, edges out of it leave from its leaf tasks. Every DAG
has a root group (`dag.task_group`, id None) that holds its top-level tasks and groups.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from updraft.authoring import context as dag_context
from updraft.authoring.baseoperator import DependencyMixin, _as_tasks
from updraft.exceptions import DuplicateTaskIdFound

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.authoring.dag import DAG

GROUP_KEY_MAX_LENGTH = 200
_GROUP_KEY_RE = re.compile(r"^[\w-]+$")


def validate_group_key(key: object, max_length: int = GROUP_KEY_MAX_LENGTH) -> None:
    """Refuse a group id that Airflow would refuse: no dots, since dots join the prefixes."""
    if not isinstance(key, str):
        raise TypeError(f"The key has to be a string and is {type(key)}:{key}")
    if (length := len(key)) > max_length:
        raise ValueError(f"The key has to be less than {max_length} characters, not {length}")
    if not _GROUP_KEY_RE.match(key):
        raise ValueError(
            f"The key {key!r} has to be made of alphanumeric characters, dashes, "
            "and underscores exclusively"
        )


def _require_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"'{name}' must be {str!r} (got {value!r} that is a {type(value)!r}).")


# The groups whose `with` blocks are open, innermost last.
_stack: list["TaskGroup"] = []


def current_group(dag: "DAG | None" = None) -> "TaskGroup | None":
    """The group a node made now joins: the innermost open `with TaskGroup`, else the root
    group of `dag` (or of the DAG being defined), else None."""
    if _stack:
        return _stack[-1]
    dag = dag or dag_context.current()
    return dag.task_group if dag is not None else None


class TaskGroup(DependencyMixin):
    """A collection of tasks and nested groups, with Airflow's parameters and ids."""

    def __init__(
        self,
        group_id: str | None,
        group_display_name: str = "",
        prefix_group_id: bool = True,
        parent_group: "TaskGroup | None" = None,
        dag: "DAG | None" = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
    ) -> None:
        if group_id is not None:
            validate_group_key(group_id)
        for name, value in (
            ("group_display_name", group_display_name),
            ("tooltip", tooltip),
            ("ui_color", ui_color),
            ("ui_fgcolor", ui_fgcolor),
        ):
            _require_str(name, value)
        self._group_id = group_id
        self.group_display_name = group_display_name
        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        self.ui_color = ui_color
        self.ui_fgcolor = ui_fgcolor
        self.children: dict[str, BaseOperator | TaskGroup] = {}
        # Relatives of the group as a whole, kept for the UI (and for an empty group's edges).
        self.upstream_group_ids: set[str | None] = set()
        self.downstream_group_ids: set[str | None] = set()
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()

        if group_id is None:  # the root group of a DAG
            self.parent_group: TaskGroup | None = None
            self.dag = dag
            self.default_args = copy.deepcopy(default_args or {})
            # Group ids, join ids and task ids of the whole DAG: none may be used twice.
            self.used_group_ids: set[str | None] = set()
            return

        parent = parent_group if parent_group is not None else current_group(dag)
        dag = dag or (parent.dag if parent is not None else dag_context.current())
        if dag is None:
            raise RuntimeError("TaskGroup can only be used inside a dag")
        if parent is None:
            parent = dag.task_group
        self.parent_group = parent
        self.dag = dag
        self.used_group_ids = parent.used_group_ids
        self._check_for_group_id_collisions(add_suffix_on_collision)
        self.default_args = {**parent.default_args, **copy.deepcopy(default_args or {})}
        parent.add(self)
        self.used_group_ids.add(self.group_id)
        self.used_group_ids.add(self.downstream_join_id)
        self.used_group_ids.add(self.upstream_join_id)

    @classmethod
    def create_root(cls, dag: "DAG") -> "TaskGroup":
        """The root group of `dag`: no id, no parent."""
        return cls(group_id=None, dag=dag)

    def _check_for_group_id_collisions(self, add_suffix_on_collision: bool) -> None:
        """Refuse a used id, or with add_suffix_on_collision (as `@task_group` does) take the
        next free `id__N`."""
        if self.group_id not in self.used_group_ids:
            return
        if not add_suffix_on_collision:
            raise DuplicateTaskIdFound(f"group_id '{self._group_id}' has already been added to the DAG")
        assert self._group_id is not None
        base = re.split(r"__\d+$", self._group_id)[0]
        taken = re.compile(rf"^{re.escape(self._prefixed(base))}__(\d+)$")
        suffixes = [
            int(found.group(1))
            for used in self.used_group_ids
            if used is not None and (found := taken.match(used))
        ]
        self._group_id = f"{base}__{max(suffixes, default=0) + 1}"

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"

    # -- ids --------------------------------------------------------------------------
    def _prefixed(self, label: str) -> str:
        parent = self.parent_group
        if parent is not None and parent.prefix_group_id and parent._group_id:
            return parent.child_id(label)
        return label

    @property
    def group_id(self) -> str | None:
        """The full id: the parent's id and this group's, joined by a dot when the parent
        prefixes its children."""
        return self._prefixed(self._group_id) if self._group_id else self._group_id

    @property
    def node_id(self) -> str | None:
        return self.group_id

    @property
    def label(self) -> str | None:
        """The id without the parents' prefix, as the UI shows it."""
        return self.group_display_name or self._group_id

    @property
    def is_root(self) -> bool:
        return not self._group_id

    @property
    def task_group(self) -> "TaskGroup | None":
        return self.parent_group

    def child_id(self, label: str) -> str:
        """`label` with this group's id in front when the group prefixes its children."""
        if self.prefix_group_id and self.group_id:
            return f"{self.group_id}.{label}"
        return label

    @property
    def upstream_join_id(self) -> str:
        return f"{self.group_id}.upstream_join_id"

    @property
    def downstream_join_id(self) -> str:
        return f"{self.group_id}.downstream_join_id"

    # -- members ----------------------------------------------------------------------
    def add(self, node: "BaseOperator | TaskGroup") -> "BaseOperator | TaskGroup":
        """Make `node` a child of this group (tasks join when they are added to the DAG)."""
        if isinstance(node, TaskGroup):
            key = node.node_id
            assert key is not None
            if key in self.children:
                raise DuplicateTaskIdFound(f"Task Group id '{key}' has already been added to the Dag")
            if node.children:
                raise ValueError("Cannot add a non-empty TaskGroup")
        else:
            key = node.task_id
            if self.children.get(key, node) is not node:
                raise DuplicateTaskIdFound(f"Task id '{key}' has already been added to the Dag")
            node.task_group = self
        self.children[key] = node
        return node

    def __iter__(self) -> Iterator["BaseOperator"]:
        """Every task in the group and in its nested groups, in the order they were added."""
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield from child
            else:
                yield child

    def has_task(self, task: "BaseOperator") -> bool:
        if task.task_id in self.children:
            return True
        return any(c.has_task(task) for c in self.children.values() if isinstance(c, TaskGroup))

    def get_child_by_label(self, label: str) -> "BaseOperator | TaskGroup":
        """A child task or group by its id without this group's prefix."""
        return self.children[self.child_id(label)]

    def get_task_group_dict(self) -> dict[str | None, "TaskGroup"]:
        """This group and every group inside it, by full group id."""
        found: dict[str | None, TaskGroup] = {self.group_id: self}
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                found.update(child.get_task_group_dict())
        return found

    def get_roots(self) -> Iterator["BaseOperator"]:
        """Tasks with no upstream task inside the group."""
        tasks = list(self)
        ids = {t.task_id for t in tasks}
        for task in tasks:
            if task.upstream_task_ids.isdisjoint(ids):
                yield task

    def get_leaves(self) -> Iterator["BaseOperator"]:
        """Tasks with no downstream task inside the group; for a teardown, as Airflow, the
        work before it (`group >> x` follows the work, not the teardown after it)."""
        tasks = list(self)
        ids = {t.task_id for t in tasks}
        by_id = {t.task_id: t for t in tasks}

        def has_non_teardown_downstream(task: Any, exclude: str) -> bool:
            return any(d != exclude and d in ids and not by_id[d].is_teardown for d in task.downstream_task_ids)

        def first_non_teardown(task: Any) -> Iterator[Any]:
            for up_id in sorted(task.upstream_task_ids):
                up = by_id.get(up_id)
                if up is None:
                    continue
                if up.is_teardown:
                    yield from first_non_teardown(up)
                elif task.is_teardown and up.is_setup:
                    continue
                elif not has_non_teardown_downstream(up, exclude=task.task_id):
                    yield up

        for task in tasks:
            if task.downstream_task_ids.isdisjoint(ids):
                if getattr(task, "is_teardown", False):
                    yield from first_non_teardown(task)
                else:
                    yield task

    @property
    def roots(self) -> list["BaseOperator"]:
        return list(self.get_roots())

    @property
    def leaves(self) -> list["BaseOperator"]:
        return list(self.get_leaves())

    # -- dependencies -----------------------------------------------------------------
    def _tasks(self) -> list["BaseOperator"]:
        """Edges into the group go to its roots."""
        return self.roots

    def _leaves(self) -> list["BaseOperator"]:
        """Edges out of the group leave from its leaves. An empty group passes on what is
        upstream of it (`a >> empty >> b` is `a >> b`), or its enclosing group's leaves, as
        Airflow does; it stops short of the DAG's root group, whose leaves are unrelated."""
        group: TaskGroup | None = self
        while group is not None and not group.is_root:
            leaves = group.leaves
            if leaves:
                return leaves
            if group.upstream_task_ids:
                assert self.dag is not None
                return [self.dag.get_task(t) for t in sorted(group.upstream_task_ids)]
            group = group.parent_group
        return []

    def update_relative(self, other: Any, upstream: bool = True) -> None:
        """Note `other` as upstream (or downstream) of the group as a whole."""
        if isinstance(other, TaskGroup):
            parent, child = (self, other) if upstream else (other, self)
            parent.upstream_group_ids.add(child.group_id)
            child.downstream_group_ids.add(parent.group_id)
            return
        for task in _as_tasks(other):
            (self.upstream_task_ids if upstream else self.downstream_task_ids).add(task.task_id)

    # -- the group context ------------------------------------------------------------
    def __enter__(self) -> "TaskGroup":
        _stack.append(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        _stack.pop()


# -- @task_group ------------------------------------------------------------------------
_TASK_GROUP_SIGNATURE = inspect.signature(TaskGroup)


class _TaskGroupFactory:
    """What `@task_group` returns: each call makes a group (`name`, then `name__1`, …) and runs
    the function inside it."""

    def __init__(self, function: Callable[..., Any], tg_kwargs: dict[str, Any],
                 partial_kwargs: dict[str, Any] | None = None) -> None:
        if not callable(function):
            raise TypeError(f"'function' must be callable (got {function!r} that is a {type(function)!r}).")
        _TASK_GROUP_SIGNATURE.bind_partial(**tg_kwargs)
        functools.update_wrapper(self, function)
        self.function = function
        self.tg_kwargs = dict(tg_kwargs)
        self.tg_kwargs.setdefault("group_id", function.__name__)
        self.partial_kwargs = dict(partial_kwargs or {})

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The function's return value when it returns something (a task, an XComArg), so that
        `start >> my_group() >> end` binds to it; else the group itself."""
        with TaskGroup(add_suffix_on_collision=True, **self.tg_kwargs) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = self.function.__doc__
            retval = self.function(*args, **self.partial_kwargs, **kwargs)
        if retval is not None:
            return retval
        return group

    def override(self, **kwargs: Any) -> "_TaskGroupFactory":
        return _TaskGroupFactory(self.function, {**self.tg_kwargs, **kwargs}, self.partial_kwargs)

    # -- mapped task groups: one copy of the group per mapped value -------------------------
    def partial(self, **kwargs: Any) -> "_TaskGroupFactory":
        """Arguments the same for every copy of a mapped group (`g.partial(a=1).expand(b=[…])`)."""
        self._check_names("partial", kwargs)
        duplicated = set(kwargs) & set(self.partial_kwargs)
        if duplicated:
            raise TypeError(f"duplicate partial argument: {', '.join(sorted(duplicated))}")
        return _TaskGroupFactory(self.function, self.tg_kwargs, {**self.partial_kwargs, **kwargs})

    def expand(self, **kwargs: Any) -> Any:
        """`g.expand(x=[1, 2, 3])`: every task of the group runs once per value, its instance i
        after instance i of the tasks before it in the group (Airflow's MappedTaskGroup)."""
        from updraft.authoring.mapped import ExpandInput, _check_mappable

        if not kwargs:
            raise TypeError("no arguments to expand against")
        self._check_names("expand", kwargs)
        duplicated = set(kwargs) & set(self.partial_kwargs)
        if duplicated:
            raise TypeError(f"mapping already partial argument: {', '.join(sorted(duplicated))}")
        for name, value in kwargs.items():
            _check_mappable(value, name, self.tg_kwargs["group_id"])
        expand_input = ExpandInput("dict", kwargs)
        return self._create_mapped(expand_input, {k: MappedArgument(expand_input, k) for k in kwargs})

    def expand_kwargs(self, kwargs: Any) -> Any:
        """`g.expand_kwargs([{"x": 1}, {"x": 2}])` (or an XComArg of such a list)."""
        from updraft.authoring.mapped import ExpandInput
        from updraft.authoring.xcomarg import XComArg

        if isinstance(kwargs, (list, tuple)):
            for item in kwargs:
                if not isinstance(item, (XComArg, dict)):
                    raise TypeError(f"expected XComArg or list[dict], not {type(kwargs).__name__}")
        elif not isinstance(kwargs, XComArg):
            raise TypeError(f"expected XComArg or list[dict], not {type(kwargs).__name__}")
        parameters = inspect.signature(self.function).parameters.values()
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
            raise TypeError("calling expand_kwargs() on task group function with * or ** is not supported")
        expand_input = ExpandInput("list", kwargs)
        names = [p.name for p in parameters if p.name not in self.partial_kwargs]
        return self._create_mapped(expand_input, {k: MappedArgument(expand_input, k) for k in names})

    def _check_names(self, what: str, kwargs: dict[str, Any]) -> None:
        parameters = inspect.signature(self.function).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return
        unknown = [k for k in kwargs if k not in parameters]
        if unknown:
            raise TypeError(f"{what} got an unexpected keyword argument {unknown[0]!r}")

    def _create_mapped(self, expand_input: Any, mapped_args: dict[str, Any]) -> Any:
        with MappedTaskGroup(expand_input, add_suffix_on_collision=True, **self.tg_kwargs) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = self.function.__doc__
            retval = self.function(**self.partial_kwargs, **mapped_args)
        return retval if retval is not None else group


class MappedTaskGroup(TaskGroup):
    """A task group whose tasks are all mapped over one expand input, index by index."""

    def __init__(self, expand_input: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expand_input = expand_input

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        super().__exit__(exc_type, exc, tb)
        if exc_type is None:
            # The tasks whose outputs the group maps over come before the whole group.
            for arg in self.expand_input.xcom_args():
                self.set_upstream(arg.operator)


class MappedArgument:
    """What a mapped group's function receives for a mapped parameter: resolved when a task
    instance runs to that instance's value (like an XComArg, but indexed by the group)."""

    def __init__(self, expand_input: Any, key: str) -> None:
        self._input = expand_input
        self._key = key

    def __repr__(self) -> str:
        return f"MappedArgument({self._key!r})"

    def resolve(self, context: Any) -> Any:
        ti = context["ti"]
        values = self._input.values_for(
            ti.map_index, lambda arg: ti.xcom_pull(task_ids=arg.operator.task_id, key=arg.key)
        )
        return values[self._key]


def mapped_task_group(node: Any) -> MappedTaskGroup | None:
    """The innermost mapped task group a task is in, if any."""
    group = getattr(node, "task_group", None)
    while group is not None:
        if isinstance(group, MappedTaskGroup):
            return group
        group = group.parent_group
    return None


def task_group(python_callable: Callable[..., Any] | None = None, **tg_kwargs: Any) -> Any:
    """`@task_group` or `@task_group(group_id=..., tooltip=..., ...)`: the function's body
    defines a task group. Like Airflow's, arguments other than the function are taken by
    keyword only: `@task_group("name")` names the group after the function."""
    if callable(python_callable) and not tg_kwargs:
        return _TaskGroupFactory(python_callable, tg_kwargs)
    return functools.partial(_TaskGroupFactory, tg_kwargs=tg_kwargs)

"""BaseOperator: one task of a DAG, its settings and its dependencies (`>>`, `<<`, `chain`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from updraft.authoring import context
from updraft.authoring.setup_teardown_marks import OperatorSetupTeardown, note_new_task
from updraft.authoring.validation import validate_key_where
from updraft.exceptions import AirflowException
from updraft.models.states import TriggerRule

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG
    from updraft.authoring.taskgroup import TaskGroup
    from updraft.execution.context import Context

DEFAULT_RETRY_DELAY = timedelta(seconds=300)


def _signature(init: Callable[..., Any]) -> tuple[set[str], set[str], bool]:
    """The keywords an __init__ names (not *args/**kwargs), those it requires, and whether it
    takes `default_args` (by name or through **kwargs)."""
    every = list(inspect.signature(init).parameters.values())
    params = [p for p in every if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = {p.name for p in params if p.default is p.empty and p.name != "task_id"}
    takes = any(p.kind is p.VAR_KEYWORD or p.name == "default_args" for p in every)
    return {p.name for p in params}, required, takes


class _OperatorMeta(type):
    """Applies `default_args` as Airflow's operators do: each class's __init__ in turn fills
    the keywords it names from the DAG's, the task group's and the task's `default_args`, and
    passes them on to its parent's."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
        cls = super().__new__(mcs, name, bases, ns)
        if "__init__" in ns:
            original = ns["__init__"]
            names, required, takes_defaults = _signature(original)

            @functools.wraps(original)
            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                if args:
                    raise TypeError("Use keyword arguments when initializing operators")
                outermost = not getattr(self, "_defaults_applied", False)
                self._defaults_applied = True
                dag = kwargs.get("dag") or context.current()
                defaults = dict(getattr(dag, "default_args", None) or {})
                # A task group's default_args (merged with its parents') come after the DAG's.
                group = _task_group_for(kwargs.get("task_group"), dag)
                defaults.update(getattr(group, "default_args", None) or {})
                defaults.update(kwargs.pop("default_args", None) or {})
                for key in names:
                    if key not in kwargs and key in defaults:
                        kwargs[key] = defaults[key]
                missing = sorted(required.difference(kwargs))
                if len(missing) == 1:
                    raise TypeError(f"missing keyword argument {missing[0]!r}")
                if missing:
                    raise TypeError(f"missing keyword arguments {', '.join(repr(m) for m in missing)}")
                if takes_defaults:
                    kwargs["default_args"] = defaults
                original(self, **kwargs)
                if outermost:
                    self.set_xcomargs_dependencies()

            cls.__init__ = __init__  # type: ignore[misc]
        return cls


class DependencyMixin:
    """`>>` and `<<` between tasks, XComArgs, task groups and lists of them."""

    def _tasks(self) -> list["BaseOperator"]:
        """The tasks that edges into this node go to (a task group's roots)."""
        raise NotImplementedError

    def _leaves(self) -> list["BaseOperator"]:
        """The tasks that edges out of this node leave from (a task group's leaves)."""
        return self._tasks()

    def update_relative(self, other: Any, upstream: bool = True) -> None:
        """Note `other` as upstream (or downstream) of this node; task groups keep it."""

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        mine = self._leaves()
        for node in _as_nodes(other):
            self.update_relative(node, upstream=False)
            for task in mine:
                node.update_relative(task, upstream=True)
            for theirs in node._tasks():
                for task in mine:
                    task._link(theirs, edge_modifier)

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        mine = self._tasks()
        for node in _as_nodes(other):
            self.update_relative(node, upstream=True)
            for task in mine:
                node.update_relative(task, upstream=False)
            for theirs in node._leaves():
                for task in mine:
                    theirs._link(task, edge_modifier)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Any:
        # [a, b] >> self
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Any:
        # [a, b] << self
        self.set_downstream(other)
        return self


def _as_tasks(obj: Any) -> list["BaseOperator"]:
    out: list[BaseOperator] = []
    for node in _as_nodes(obj):
        out.extend(node._tasks())
    return out


def _as_nodes(obj: Any) -> list[DependencyMixin]:
    """The tasks, XComArgs and task groups in `obj`, which may be a (nested) list of them."""
    if isinstance(obj, DependencyMixin):
        return [obj]
    if isinstance(obj, (list, tuple, set)):
        out: list[DependencyMixin] = []
        for item in obj:
            out.extend(_as_nodes(item))
        return out
    raise TypeError(f"Cannot set a dependency on {obj!r}: expected a task, an XComArg or a list")


def _task_group_for(task_group: Any, dag: "DAG | None") -> "TaskGroup | None":
    """The task group a new task joins: the one given, else the innermost open
    `with TaskGroup` block, else the root group of its DAG."""
    if task_group is not None:
        return task_group
    from updraft.authoring.taskgroup import current_group

    return current_group(dag)


class BaseOperator(OperatorSetupTeardown, DependencyMixin, metaclass=_OperatorMeta):
    """A task. Subclasses implement `execute(context)`; what it returns is its XCom."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    ui_color: str = "#fff"

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = "airflow",
        retries: int | None = 0,
        retry_delay: timedelta | float = DEFAULT_RETRY_DELAY,
        retry_exponential_backoff: bool = False,
        max_retry_delay: timedelta | float | None = None,
        trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
        depends_on_past: bool = False,
        wait_for_downstream: bool = False,
        execution_timeout: timedelta | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        params: dict[str, Any] | None = None,
        doc_md: str | None = None,
        email: str | Iterable[str] | None = None,
        email_on_failure: bool = True,
        email_on_retry: bool = True,
        pool: str | None = None,
        queue: str | None = None,
        priority_weight: int = 1,
        on_execute_callback: Callable[..., Any] | None = None,
        on_success_callback: Callable[..., Any] | None = None,
        on_failure_callback: Callable[..., Any] | None = None,
        on_retry_callback: Callable[..., Any] | None = None,
        on_skipped_callback: Callable[..., Any] | None = None,
        start_date: Any = None,
        end_date: Any = None,
        dag: "DAG | None" = None,
        task_group: "TaskGroup | None" = None,
        pool_slots: int = 1,
        weight_rule: str = "downstream",
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        map_index_template: str | None = None,
        ignore_first_depends_on_past: bool = False,
        wait_for_past_depends_before_skipping: bool = False,
        pre_execute: Callable[..., Any] | None = None,
        post_execute: Callable[..., Any] | None = None,
        inlets: Any = None,
        outlets: Any = None,
        resources: dict[str, Any] | None = None,
        run_as_user: str | None = None,
        executor: str | None = None,
        executor_config: dict[str, Any] | None = None,
        retry_policy: Any = None,
        sla: timedelta | None = None,
        doc: str | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        doc_rst: str | None = None,
        task_display_name: str | None = None,
        logger_name: str | None = None,
        allow_nested_operators: bool = True,
        render_template_as_native_obj: bool | None = None,
        default_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were:\n**kwargs: {kwargs}"
            )
        if execution_timeout is not None and not isinstance(execution_timeout, timedelta):
            raise ValueError(
                f"execution_timeout must be timedelta object but passed as type: {type(execution_timeout)}"
            )
        if pool_slots < 1:
            raise ValueError(f"pool slots for {task_id}{f' in dag {dag.dag_id}' if dag else ''} "
                             "cannot be less than 1")
        # Task groups: inside `with TaskGroup("g")` the task id is `g.<task_id>`.
        self.task_group: TaskGroup | None = _task_group_for(task_group, dag)
        full_id = task_id
        if self.task_group is not None:
            dag = dag or self.task_group.dag
            full_id = self.task_group.child_id(task_id) if isinstance(task_id, str) else task_id
        if dag is None:
            dag = context.current()
        validate_key_where(full_id, _where(dag, None))
        self.task_id = full_id
        self.owner = owner
        self.retries = int(retries or 0)
        self.retry_delay = _as_timedelta(retry_delay)
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = _as_timedelta(max_retry_delay) if max_retry_delay else None
        # As in Airflow, waiting for the previous run's downstream implies depending on it.
        self.depends_on_past = depends_on_past or wait_for_downstream
        self.wait_for_downstream = wait_for_downstream
        self.execution_timeout = execution_timeout
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        self.params = dict(params or {})
        self.doc_md = doc_md
        self.email = email
        self.email_on_failure = email_on_failure
        self.email_on_retry = email_on_retry
        self.pool = pool
        self.queue = queue
        self.priority_weight = priority_weight
        self.on_execute_callback = on_execute_callback
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.on_retry_callback = on_retry_callback
        self.on_skipped_callback = on_skipped_callback
        self.start_date = start_date
        self.end_date = end_date
        self.pool_slots = pool_slots
        self.weight_rule = weight_rule
        self.max_active_tis_per_dag = max_active_tis_per_dag
        self.max_active_tis_per_dagrun = max_active_tis_per_dagrun
        self.map_index_template = map_index_template
        self.ignore_first_depends_on_past = ignore_first_depends_on_past
        self.wait_for_past_depends_before_skipping = wait_for_past_depends_before_skipping
        self._pre_execute_hook = pre_execute
        self._post_execute_hook = post_execute
        self.inlets = _as_list(inlets)
        self.outlets = _as_list(outlets)
        self.resources = resources
        self.run_as_user = run_as_user
        self.executor = executor
        self.executor_config = dict(executor_config or {})
        self.retry_policy = retry_policy
        self.doc = doc
        self.doc_json = doc_json
        self.doc_yaml = doc_yaml
        self.doc_rst = doc_rst
        self.task_display_name = task_display_name or full_id
        self.logger_name = logger_name
        self.allow_nested_operators = allow_nested_operators
        self.render_template_as_native_obj = render_template_as_native_obj
        self.is_setup = False
        self.is_teardown = False
        note_new_task(self)  # inside `with setup >> teardown:`, it goes between them
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self.dag: DAG | None = None
        dag = dag or context.current()
        if str(trigger_rule) not in TriggerRule.all_triggers():
            where = f"'{dag.dag_id}.{full_id}'" if dag else f"'{full_id}'"
            raise AirflowException(
                f"The trigger_rule must be one of {sorted(TriggerRule.all_triggers())}, "
                f"{where}; received '{trigger_rule}'. ({_where(dag, None)})"
            )
        self.trigger_rule = TriggerRule(str(trigger_rule))
        if dag is not None:
            self.dag = dag
            dag.add_task(self)

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"

    @property
    def task_type(self) -> str:
        return type(self).__name__

    def set_xcomargs_dependencies(self) -> None:
        """Airflow's rule: an XComArg in a template field (`values=other.output`) makes its
        task upstream of this one."""
        from updraft.authoring.xcomarg import iter_xcom_args

        for name in self.template_fields:
            value = getattr(self, name, None)
            for arg in iter_xcom_args(value):
                if self.task_id not in arg.operator.downstream_task_ids:
                    arg.operator.set_downstream(self)

    @property
    def output(self) -> Any:
        """The XComArg of this task's return value (`PythonOperator(...).output`)."""
        from updraft.authoring.xcomarg import XComArg

        return XComArg(self)

    # -- Airflow's Templater methods, for operators that render something themselves ----------
    def get_template_env(self, dag: "DAG | None" = None) -> Any:
        from updraft.execution.templates import jinja_environment, task_renders_native

        return jinja_environment(dag or self.dag, task_renders_native(self))

    def render_template(self, content: Any, context: Any, jinja_env: Any = None,
                        seen_oids: set[int] | None = None) -> Any:
        """Render `content` (a string, or strings inside lists, tuples, dicts, sets) with the
        context, as the task's template fields are rendered."""
        from updraft.execution.templates import render

        return render(content, context, jinja_env or self.get_template_env(), self.template_ext, seen_oids)

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        from updraft.execution.templates import render_fields

        render_fields(self, self.template_fields, context, jinja_env or self.get_template_env(),
                      self.template_ext, set())

    def pre_execute(self, context: Any) -> None:
        """Runs before `execute` when a subclass overrides it (after the `pre_execute` hook)."""

    def post_execute(self, context: Any, result: Any = None) -> None:
        """Runs after `execute` succeeded when a subclass overrides it (after the hook)."""

    @property
    def dag_id(self) -> str | None:
        return self.dag.dag_id if self.dag else None

    def _tasks(self) -> list["BaseOperator"]:
        return [self]

    def _link(self, downstream: "BaseOperator", edge_modifier: Any = None) -> None:
        """Record `self >> downstream`, adopting the other's DAG when one side has none."""
        if self.dag is None and downstream.dag is not None:
            self.dag = downstream.dag
            downstream.dag.add_task(self)
        elif downstream.dag is None and self.dag is not None:
            downstream.dag = self.dag
            self.dag.add_task(downstream)
        elif self.dag is not downstream.dag:
            raise AirflowException(
                f"Tried to set relationships between tasks in more than one DAG: "
                f"{self.task_id} ({self.dag_id}) and {downstream.task_id} ({downstream.dag_id})"
            )
        self.downstream_task_ids.add(downstream.task_id)
        downstream.upstream_task_ids.add(self.task_id)
        if edge_modifier is not None and self.dag is not None:
            edge_modifier.add_edge_info(self.dag, self.task_id, downstream.task_id)

    @property
    def upstream_list(self) -> list["BaseOperator"]:
        assert self.dag is not None
        return [self.dag.task_dict[t] for t in sorted(self.upstream_task_ids)]

    @property
    def downstream_list(self) -> list["BaseOperator"]:
        assert self.dag is not None
        return [self.dag.task_dict[t] for t in sorted(self.downstream_task_ids)]

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """`Operator.partial(task_id=..., **fixed).expand(**mapped)`: dynamic task mapping."""
        from updraft.authoring.mapped import OperatorPartial

        return OperatorPartial(cls, kwargs)

    def execute(self, context: "Context") -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")


def _where(dag: "DAG | None", task_id: str | None) -> str:
    """Where a task is being defined, for error messages."""
    if dag is None:
        return "outside a DAG"
    return f"in DAG '{dag.dag_id}', {dag.fileloc}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _as_timedelta(value: timedelta | float | int | None) -> timedelta:
    if value is None:
        return timedelta(0)
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))


def chain(*tasks: Any) -> None:
    """`chain(a, [b, c], d)`: each element upstream of the next; lists of equal length pair up."""
    for up, down in zip(tasks, tasks[1:]):
        if isinstance(up, (list, tuple)) and isinstance(down, (list, tuple)):
            if len(up) != len(down):
                raise AirflowException(
                    f"Chain not supported for different length Iterable. "
                    f"Got {len(up)} and {len(down)}."
                )
            for u, d in zip(up, down):
                _as_nodes(u)[0].set_downstream(d)
        elif isinstance(up, (list, tuple)):
            for u in up:
                _as_nodes(u)[0].set_downstream(down)
        else:
            up.set_downstream(down)


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Every task in `from_tasks` upstream of every task in `to_tasks`."""
    for task in from_tasks:
        task.set_downstream(to_tasks)


def chain_linear(*elements: Any) -> None:
    """`chain_linear(a, [b, c], [d, e])`: every task of an element upstream of every task of
    the next (where `chain` pairs lists element by element)."""
    from updraft.authoring.edges import EdgeModifier

    if not elements:
        raise ValueError("No tasks provided; nothing to do.")
    previous: Any = None
    deps_set = False
    for current in elements:
        if isinstance(current, EdgeModifier):
            raise ValueError("Labels are not supported by chain_linear")
        if previous is not None:
            for task in previous:
                task >> current
                deps_set = True
        previous = [current] if isinstance(current, DependencyMixin) else current
    if not deps_set:
        raise ValueError("No dependencies were set. Did you forget to expand with `*`?")

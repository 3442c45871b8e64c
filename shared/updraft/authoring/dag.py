"""The DAG: a set of tasks, their dependencies and when to run them."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from updraft.authoring import context
from updraft.authoring.taskgroup import TaskGroup
from updraft.authoring.validation import validate_key_where
from updraft.exceptions import AirflowDagCycleException, DuplicateTaskIdFound
from updraft.timeutil import coerce_datetime

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.scheduling import Timetable

ScheduleArg = "str | timedelta | Timetable | None"


class DAG:
    """A workflow, written as in Airflow: `with DAG(dag_id=..., schedule=..., start_date=...):`."""

    def __init__(
        self,
        dag_id: str,
        *,
        schedule: Any = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        default_args: dict[str, Any] | None = None,
        description: str | None = None,
        doc_md: str | None = None,
        tags: Iterable[str] | None = None,
        catchup: bool = False,
        params: dict[str, Any] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int | None = None,
        dagrun_timeout: timedelta | None = None,
        is_paused_upon_creation: bool | None = None,
        owner_links: dict[str, str] | None = None,
        template_searchpath: str | Iterable[str] | None = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Callable[..., Any]] | None = None,
        render_template_as_native_obj: bool = False,
        on_success_callback: Callable[..., Any] | None = None,
        on_failure_callback: Callable[..., Any] | None = None,
        fileloc: str | None = None,
        timezone: Any = None,
        template_undefined: type | None = None,
        jinja_environment_kwargs: dict[str, Any] | None = None,
        max_consecutive_failed_dag_runs: int = 0,
        access_control: dict[str, Any] | None = None,
        auto_register: bool = True,
        fail_fast: bool = False,
        dag_display_name: str | None = None,
        allowed_run_types: Iterable[str] | None = None,
        disable_bundle_versioning: bool = False,
        rerun_with_latest_version: bool | None = None,
        deadline: Any = None,
        sla_miss_callback: Any = None,
    ) -> None:
        self.fileloc = fileloc or _caller_file()
        validate_key_where(dag_id, f"DAG id in {self.fileloc}")
        self.dag_id = dag_id
        self.default_args = dict(default_args or {})
        self.start_date = coerce_datetime(start_date or self.default_args.get("start_date"))
        self.end_date = coerce_datetime(end_date or self.default_args.get("end_date"))
        self.schedule = schedule
        self.description = description
        self.doc_md = doc_md
        self.tags = sorted(set(tags or ()))
        self.catchup = catchup
        self.params = dict(params or {})
        self.max_active_runs = max_active_runs
        # Airflow's default cap (16) is the number shown; Updraft enforces the cap only when the
        # DAG sets it (docs/differences.md says why).
        self.max_active_tasks_enforced = max_active_tasks is not None
        self.max_active_tasks = max_active_tasks if max_active_tasks is not None else 16
        self.dagrun_timeout = dagrun_timeout
        self.is_paused_upon_creation = is_paused_upon_creation
        self.owner_links = dict(owner_links or {})
        self.template_searchpath = template_searchpath
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.render_template_as_native_obj = render_template_as_native_obj
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.template_undefined = template_undefined
        self.jinja_environment_kwargs = dict(jinja_environment_kwargs or {})
        # Accepted as Airflow accepts them; what Updraft does with each: docs/differences.md.
        self.timezone = timezone
        self.max_consecutive_failed_dag_runs = max_consecutive_failed_dag_runs
        self.access_control = access_control
        self.auto_register = auto_register
        self.fail_fast = fail_fast
        self.dag_display_name = dag_display_name or dag_id
        self.allowed_run_types = allowed_run_types
        self.disable_bundle_versioning = disable_bundle_versioning
        self.rerun_with_latest_version = rerun_with_latest_version
        self.deadline = deadline
        self.sla_miss_callback = sla_miss_callback
        # Labels on edges (`a >> Label("ok") >> b`): upstream id -> downstream id -> info.
        self.edge_info: dict[str, dict[str, dict[str, Any]]] = {}
        self.task_dict: dict[str, BaseOperator] = {}
        # The root task group: it holds the top-level tasks and groups.
        self.task_group = TaskGroup.create_root(self)
        self.timetable = self._make_timetable(schedule)

    def _make_timetable(self, schedule: Any) -> "Timetable":
        """Turn `schedule` into a timetable now, so a bad cron string fails at definition."""
        from updraft.exceptions import AirflowTimetableInvalid
        from updraft.scheduling import timetable_from_schedule

        tz = getattr(self.start_date, "tzinfo", None) if self.start_date else None
        tz_name = getattr(tz, "name", None) or "UTC"
        try:
            return timetable_from_schedule(schedule, tz_name)
        except AirflowTimetableInvalid as err:
            raise AirflowTimetableInvalid(f"DAG '{self.dag_id}' in {self.fileloc}: {err}") from err

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"

    # -- the DAG context ------------------------------------------------------------------
    def __enter__(self) -> "DAG":
        context.push(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        context.pop()
        if exc_type is None:
            self.check_cycle()
            context.register(self)

    # -- dag.test() -----------------------------------------------------------------------
    def test(
        self,
        logical_date: datetime | str | None = None,
        run_conf: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """`dag.test()` at the bottom of a DAG file, run with `python my_dag.py`: one DagRun on
        a throwaway local stack, as `updraft dags test` runs it, with each task's state and log
        printed. Returns the run (state and task instances) as a JSON document. Does nothing
        while Updraft itself imports the file (a `dag.test()` left without the
        `if __name__ == "__main__":` guard is harmless)."""
        if context.is_collecting():
            return None
        from pathlib import Path

        from updraft.cli.dag_test import run_dag_test

        date = logical_date.isoformat() if isinstance(logical_date, datetime) else logical_date
        return run_dag_test(self.dag_id, dags_folder=Path(self.fileloc).resolve().parent,
                            logical_date=date, conf=run_conf)

    # -- edges ----------------------------------------------------------------------------
    def set_edge_info(self, upstream_task_id: str, downstream_task_id: str, info: dict[str, Any]) -> None:
        self.edge_info.setdefault(upstream_task_id, {})[downstream_task_id] = dict(info)

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, Any]:
        return self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {})

    # -- tasks ----------------------------------------------------------------------------
    @property
    def tasks(self) -> list["BaseOperator"]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    @property
    def owner(self) -> str:
        return ", ".join(sorted({t.owner for t in self.tasks})) or "airflow"

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> "BaseOperator":
        from updraft.exceptions import TaskNotFound

        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFound(f"Task {task_id} not found in DAG '{self.dag_id}'") from None

    def add_task(self, task: "BaseOperator") -> None:
        known = self.task_dict.get(task.task_id)
        # A task id may not reuse a task group's id either (Airflow's used_group_ids).
        if (known is not None and known is not task) or (
            known is None and task.task_id in self.task_group.used_group_ids
        ):
            raise DuplicateTaskIdFound(
                f"Task id '{task.task_id}' has already been added to the DAG "
                f"'{self.dag_id}' in {self.fileloc}"
            )
        self.task_dict[task.task_id] = task
        # Task groups: every task is in one, the root group when no other.
        group = getattr(task, "task_group", None)
        (self.task_group if group is None else group).add(task)
        self.task_group.used_group_ids.add(task.task_id)

    @property
    def task_group_dict(self) -> dict[str, TaskGroup]:
        """Every task group of the DAG (the root group aside), by full group id."""
        return {k: g for k, g in self.task_group.get_task_group_dict().items() if k is not None}

    @property
    def roots(self) -> list["BaseOperator"]:
        return [t for t in self.tasks if not t.upstream_task_ids]

    @property
    def leaves(self) -> list["BaseOperator"]:
        return [t for t in self.tasks if not t.downstream_task_ids]

    def topological_sort(self) -> list["BaseOperator"]:
        """Tasks in an order where every task comes after its upstream tasks."""
        self.check_cycle()
        order: list[BaseOperator] = []
        indegree = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = [tid for tid, n in indegree.items() if n == 0]
        while ready:
            tid = ready.pop(0)
            order.append(self.task_dict[tid])
            for down in sorted(self.task_dict[tid].downstream_task_ids):
                indegree[down] -= 1
                if indegree[down] == 0:
                    ready.append(down)
        return order

    def check_cycle(self) -> None:
        """Refuse a cycle, naming the tasks on it, the DAG and its file."""
        white, grey, black = 0, 1, 2
        color = dict.fromkeys(self.task_dict, white)
        for start in self.task_dict:
            if color[start] != white:
                continue
            stack: list[tuple[str, Iterable[str]]] = [
                (start, iter(sorted(self.task_dict[start].downstream_task_ids)))
            ]
            path = [start]
            color[start] = grey
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    color[node] = black
                    stack.pop()
                    path.pop()
                    continue
                if child not in color:
                    continue
                if color[child] == grey:
                    cycle = path[path.index(child) :] + [child]
                    raise AirflowDagCycleException(
                        f"Cycle detected in DAG '{self.dag_id}' ({self.fileloc}): "
                        f"{' >> '.join(cycle)}. Faulty task: {child}"
                    )
                if color[child] == white:
                    color[child] = grey
                    path.append(child)
                    stack.append((child, iter(sorted(self.task_dict[child].downstream_task_ids))))


def dag(dag_id: str | Callable[..., Any] | None = None, **dag_kwargs: Any) -> Any:
    """`@dag`: the decorated function's body defines the DAG; its name is the default id."""

    def wrapper(func: Callable[..., Any]) -> Callable[..., DAG]:
        @functools.wraps(func)
        def factory(*args: Any, **kwargs: Any) -> DAG:
            kw = dict(dag_kwargs)
            kw.setdefault("fileloc", func.__code__.co_filename)
            if func.__doc__ and "doc_md" not in kw:
                kw["doc_md"] = func.__doc__
            with DAG(dag_id=the_id or func.__name__, **kw) as new_dag:
                func(*args, **kwargs)
            return new_dag

        return factory

    if callable(dag_id):
        the_id = None
        return wrapper(dag_id)
    the_id = dag_id
    return wrapper


def _caller_file() -> str:
    """The file of the code that called DAG(...), skipping Updraft's own frames."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("updraft."):
        frame = frame.f_back  # type: ignore[assignment]
    return frame.f_code.co_filename if frame is not None else "<unknown>"

"""The context a task runs with: Airflow's template variables and the task instance (`ti`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from updraft import macros
from updraft.authoring.xcomarg import XCOM_RETURN_KEY
from updraft.timeutil import parse_iso

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator
    from updraft.authoring.dag import DAG
    from updraft.models.records import DagRun
    from updraft.store.xcom import XComStore

Context = dict[str, Any]


@dataclass
class SkipPlan:
    """Downstream tasks a finished task skips: `skip` (direct downstream task ids), and with
    `descendants`, everything downstream of those too, whatever their trigger rules."""

    skip: set[str] = field(default_factory=set)
    descendants: bool = False


class RuntimeTaskInstance:
    """`ti` in the context: who is running, and XCom to and from other tasks of the run."""

    def __init__(
        self,
        task: "BaseOperator",
        run: "DagRun",
        try_number: int,
        map_index: int,
        xcoms: "XComStore",
    ) -> None:
        self.task = task
        self.task_id = task.task_id
        self.dag_id = run.dag_id
        self.run_id = run.run_id
        self.try_number = try_number
        self.map_index = map_index
        self.max_tries = task.retries
        self._run = run
        self._xcoms = xcoms
        # Set by branching and short-circuiting operators; the engine applies it when the
        # task succeeds: these downstream tasks are marked skipped without running.
        self.skip_plan: SkipPlan | None = None
        # The stored task instance this try was claimed as (a sensor reads its pokes so far).
        self.record: Any = None
        # time.monotonic() by which the worker Lambda must be done (None: no limit known).
        self.lambda_deadline: float | None = None

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [running]>"

    # -- the rest of Airflow's RuntimeTaskInstance that task code reads -----------------------
    state = "running"

    @property
    def start_date(self) -> Any:
        """When this try started (as the worker claimed it)."""
        return _pendulum(getattr(self.record, "start_date", None))

    @property
    def hostname(self) -> str:
        import socket

        return socket.gethostname()

    @property
    def log(self) -> Any:
        import logging

        return logging.getLogger("airflow.task")

    @property
    def is_mapped(self) -> bool:
        return self.map_index >= 0

    @property
    def logical_date(self) -> Any:
        return _pendulum(self._run.logical_date)

    def get_template_context(self) -> dict[str, Any]:
        """The running task's context (Airflow's `ti.get_template_context()`)."""
        from updraft.execution.current import get_current_context

        return get_current_context()

    def get_dagrun_state(self, dag_id: str, run_id: str) -> str:
        from updraft.store.runs import RunStore

        run = RunStore(self._xcoms.table).get(dag_id, run_id, consistent=True)
        if run is None:
            from updraft.exceptions import DagRunNotFound

            raise DagRunNotFound(f"DagRun {run_id} of DAG '{dag_id}' not found")
        return str(run.state)

    def follow_only(self, task_ids: Iterable[str]) -> None:
        """Branching: of the direct downstream tasks, only `task_ids` run; the others are
        skipped (and their skips flow on through trigger rules)."""
        keep = set(task_ids)
        self.skip_plan = SkipPlan(skip=set(self.task.downstream_task_ids) - keep)

    def skip_tasks(self, task_ids: Iterable[str]) -> None:
        """SkipMixin.skip: these tasks are marked skipped (their skips flow on)."""
        self.skip_plan = SkipPlan(skip=set(task_ids))

    def skip_all_downstream(self, *, ignore_downstream_trigger_rules: bool = True) -> None:
        """Short-circuiting: skip every downstream task; with ignore_downstream_trigger_rules
        every task after this one is skipped outright, else only the direct ones (the rest
        follow their trigger rules)."""
        self.skip_plan = SkipPlan(
            skip=set(self.task.downstream_task_ids), descendants=ignore_downstream_trigger_rules
        )

    @property
    def task_state_store(self) -> "TaskStateStoreAccessor":
        return TaskStateStoreAccessor(self)

    def xcom_push(self, key: str, value: Any) -> None:
        self._xcoms.push(self.dag_id, self.run_id, self.task_id, self.map_index, key, value)

    def xcom_pull(
        self,
        task_ids: str | list[str] | None = None,
        dag_id: str | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
        *,
        map_indexes: int | list[int] | None = None,
        default: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """Airflow's signature and shapes: one task id gives its value (a mapped task's: the
        list of its instances' values); a list of task ids gives a list. `dag_id` / `run_id`
        read another DAG's or run's XComs; `include_prior_dates` looks back through the DAG's
        earlier runs when this one has none."""
        if task_ids is None:
            task_ids = self.task_id
        single = isinstance(task_ids, str)
        ids = [task_ids] if single else list(task_ids)
        where = (dag_id or self.dag_id, run_id or self.run_id)
        values = [self._pull_one(where, task_id, key, map_indexes, default, include_prior_dates)
                  for task_id in ids]  # type: ignore[arg-type]
        return values[0] if single else values

    def _pull_one(self, where: tuple[str, str], task_id: str, key: str, map_indexes: int | list[int] | None,
                  default: Any, include_prior_dates: bool = False) -> Any:
        if isinstance(map_indexes, list):
            return [self._pull_one(where, task_id, key, index, default, include_prior_dates) for index in map_indexes]
        dag_id, run_id = where
        own_dag = dag_id == self.dag_id
        if map_indexes is None and own_dag and self._in_my_mapped_group(task_id):
            map_indexes = self.map_index  # instance i of a mapped group reads instance i
        elif map_indexes is None and own_dag and self._is_mapped(task_id):
            return self._xcoms.get_all_indexes(dag_id, run_id, task_id, key)
        index = -1 if map_indexes is None else map_indexes
        found, value = self._xcoms.get(dag_id, run_id, task_id, index, key)
        if not found and include_prior_dates:
            found, value = self._pull_from_earlier_runs(dag_id, run_id, task_id, index, key)
        return value if found else default

    # How far back include_prior_dates looks (Airflow's query has no bound; this keeps one pull
    # from reading a DAG's whole history).
    PRIOR_RUNS_LOOKED_AT = 50

    def _pull_from_earlier_runs(self, dag_id: str, run_id: str, task_id: str, index: int,
                                key: str) -> tuple[bool, Any]:
        from updraft.store.runs import RunStore

        runs = RunStore(self._xcoms.table)
        run = runs.get(dag_id, run_id)
        for _ in range(self.PRIOR_RUNS_LOOKED_AT):
            run = runs.neighbour(run, before=True) if run is not None else None
            if run is None:
                break
            found, value = self._xcoms.get(dag_id, run.run_id, task_id, index, key)
            if found:
                return True, value
        return False, None

    def _other(self, task_id: str) -> Any:
        dag = getattr(self.task, "dag", None)
        return dag.task_dict.get(task_id) if dag is not None else None

    def _is_mapped(self, task_id: str) -> bool:
        from updraft.authoring.taskgroup import mapped_task_group

        other = self._other(task_id)
        return bool(getattr(other, "is_mapped", False)) or mapped_task_group(other) is not None

    def _in_my_mapped_group(self, task_id: str) -> bool:
        from updraft.authoring.taskgroup import mapped_task_group

        mine = mapped_task_group(self.task)
        return mine is not None and self.map_index >= 0 and mapped_task_group(self._other(task_id)) is mine


PREVIOUS_SUCCESS_KEYS = (
    "prev_data_interval_start_success", "prev_data_interval_end_success",
    "prev_start_date_success", "prev_end_date_success",
)


class TaskStateStoreAccessor:
    """`context["task_state_store"]`: keys this task instance keeps across its tries."""

    def __init__(self, ti: RuntimeTaskInstance) -> None:
        self._ti = ti
        self._where = (ti.dag_id, ti.run_id, ti.task_id, ti.map_index)

    @property
    def _store(self) -> Any:
        """Made when first used (`tasks render` has no table to give)."""
        from updraft.store.task_state import TaskStateStore

        return TaskStateStore(self._ti._xcoms.table)

    def __repr__(self) -> str:
        return f"<TaskStateStoreAccessor {'.'.join(map(str, self._where))}>"

    def get(self, key: str, default: Any = None) -> Any:
        found, value = self._store.get(*self._where, key)
        return value if found else default

    def set(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        """`retention`: how long the key lives (NEVER_EXPIRE: for ever; None: 30 days)."""
        if value is None:
            raise ValueError("Cannot set value as None")
        self._store.set(*self._where, key, value, retention)

    def delete(self, key: str) -> None:
        self._store.delete(*self._where, key)

    def clear(self) -> None:
        self._store.clear(*self._where)

    # The async task's forms (`await task_state_store.aget(...)`), as Airflow's accessor has.
    async def aget(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    async def aset(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        self.set(key, value, retention=retention)

    async def adelete(self, key: str) -> None:
        self.delete(key)

    async def aclear(self) -> None:
        self.clear()


def wants_previous_success(task: Any) -> bool:
    """Whether the task may read prev_*_success (a query for the latest successful run is
    only paid for then): its templates name them, or its callable takes them or **kwargs."""
    import inspect

    for name in getattr(task, "template_fields", ()):
        if "prev_" in repr(getattr(task, name, "")):
            return True
    callable_ = getattr(task, "python_callable", None)
    if callable_ is None:
        return False
    params = inspect.signature(callable_).parameters.values()
    return any(p.kind is p.VAR_KEYWORD or p.name in PREVIOUS_SUCCESS_KEYS for p in params)


def previous_success_values(previous: "DagRun | None") -> dict[str, Any]:
    if previous is None:
        return dict.fromkeys(PREVIOUS_SUCCESS_KEYS)
    return {
        "prev_data_interval_start_success": parse_iso(previous.data_interval_start),
        "prev_data_interval_end_success": parse_iso(previous.data_interval_end),
        "prev_start_date_success": parse_iso(previous.start_date),
        "prev_end_date_success": parse_iso(previous.end_date),
    }


def _pendulum(value: str | None) -> Any:
    """A stored time as the pendulum DateTime Airflow's context holds (`logical_date.add(days=1)`,
    `.format(...)` in templates)."""
    parsed = parse_iso(value)
    if parsed is None:
        return None
    import pendulum

    return pendulum.instance(parsed)


def build_context(
    dag: "DAG", task: "BaseOperator", run: "DagRun", ti: RuntimeTaskInstance,
    previous_success: "DagRun | None | bool" = False,
) -> Context:
    """Airflow 3's template context for this task instance. `previous_success` is the
    latest successful earlier run (or None); False when it was not looked up."""
    logical = _pendulum(run.logical_date) or _pendulum(run.run_after)
    assert logical is not None
    start = _pendulum(run.data_interval_start) or logical
    end = _pendulum(run.data_interval_end) or logical
    from updraft.authoring.params import resolve_params
    from updraft.execution.accessors import ConnectionAccessor, VariableAccessor

    params = resolve_params(dag.params, task.params, run.conf or {})
    ds = logical.strftime("%Y-%m-%d")
    ts = logical.isoformat()
    return {
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "task_state_store": ti.task_state_store,
        "map_index_template": getattr(task, "map_index_template", None),
        "run_id": run.run_id,
        "dag_run": DagRunView(run),
        "conf": run.conf,
        "params": params,
        "logical_date": logical,
        "data_interval_start": start,
        "data_interval_end": end,
        "ds": ds,
        "ds_nodash": ds.replace("-", ""),
        "ts": ts,
        "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
        "map_index": ti.map_index,
        "try_number": ti.try_number,
        "task_instance_key_str": f"{dag.dag_id}__{task.task_id}__{ds.replace('-', '')}",
        "macros": macros,
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
        "conn": ConnectionAccessor(),
        "inlets": [],
        "outlets": [],
        **({} if previous_success is False else previous_success_values(previous_success)),  # type: ignore[arg-type]
    }


def dag_callback_context(dag: "DAG", run: "DagRun", reason: str) -> Context:
    """What a DAG's on_success/on_failure callback receives, as in Airflow."""
    from updraft.authoring.params import resolve_params

    logical = parse_iso(run.logical_date) or parse_iso(run.run_after)
    ds = logical.strftime("%Y-%m-%d") if logical else None
    return {
        "dag": dag,
        "dag_run": DagRunView(run),
        "run_id": run.run_id,
        "reason": reason,
        "logical_date": logical,
        "ds": ds,
        "ts": logical.isoformat() if logical else None,
        "params": resolve_params(dag.params, None, run.conf or {}),
        "conf": run.conf,
    }


class DagRunView:
    """`dag_run` in the context, with Airflow's attribute names."""

    def __init__(self, run: "DagRun") -> None:
        self.dag_id = run.dag_id
        self.run_id = run.run_id
        self.run_type = run.run_type
        self.conf = run.conf or {}
        self.logical_date = _pendulum(run.logical_date)
        self.data_interval_start = _pendulum(run.data_interval_start)
        self.data_interval_end = _pendulum(run.data_interval_end)
        self.run_after = _pendulum(run.run_after)
        self.start_date = _pendulum(run.start_date)
        self.state = str(run.state)

    def __repr__(self) -> str:
        return f"<DagRun {self.dag_id} @ {self.logical_date}: {self.run_id}, state:{self.state}>"

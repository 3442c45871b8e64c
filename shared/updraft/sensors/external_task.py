"""ExternalTaskSensor: wait for a task (or a whole run) of another DAG at a related logical
date; ExternalTaskMarker: mark that a task of another DAG depends on this one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
import datetime as dt
from datetime import datetime, timedelta
from typing import Any

from updraft.exceptions import AirflowException, AirflowSkipException
from updraft.operators.empty import EmptyOperator
from updraft.sensors.base import BaseSensorOperator
from updraft.timeutil import iso

log = logging.getLogger("updraft.task")


class ExternalTaskSensor(BaseSensorOperator):
    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "external_task_ids",
                                      "external_task_group_id")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        external_task_ids: Sequence[str] | None = None,
        allowed_states: Sequence[str] | None = None,
        skipped_states: Sequence[str] | None = None,
        failed_states: Sequence[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., Any] | None = None,
        check_existence: bool = False,
        external_task_group_id: str | None = None,
        deferrable: bool = False,
        poll_interval: float = 2.0,
        **kwargs: Any,
    ) -> None:
        if deferrable:  # no triggerer: wait the reschedule way, every poll_interval seconds
            kwargs.setdefault("mode", "reschedule")
            kwargs.setdefault("poke_interval", poll_interval)
        super().__init__(**kwargs)
        if external_task_id is not None and external_task_ids:
            raise ValueError("Only one of `external_task_id` or `external_task_ids` may be provided to ExternalTaskSensor")
        if external_task_group_id is not None and (external_task_id is not None or external_task_ids):
            raise ValueError(
                "Values for `external_task_group_id` and `external_task_id` or `external_task_ids` "
                "can't be set at the same time"
            )
        self.external_task_group_id = external_task_group_id
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        if execution_delta is not None and execution_date_fn is not None:
            raise ValueError("Only one of `execution_delta` or `execution_date_fn` may be provided to ExternalTaskSensor; not both.")
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.external_task_ids = list(external_task_ids) if external_task_ids else (
            [external_task_id] if external_task_id else [])
        self.allowed_states = list(allowed_states or ["success"])
        self.skipped_states = list(skipped_states or [])
        self.failed_states = list(failed_states or [])
        overlap = set(self.allowed_states) & set(self.failed_states)
        if overlap:
            raise AirflowException(f"Duplicate values provided across allowed_states and failed_states: {overlap}")
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.check_existence = check_existence

    def _logical_date(self, context: Any) -> datetime:
        logical = context["logical_date"]
        if self.execution_delta is not None:
            return logical - self.execution_delta
        if self.execution_date_fn is not None:
            from updraft.operators.python import context_kwargs

            fn = self.execution_date_fn
            return fn(logical, **context_kwargs(fn, context, op_args=[logical]))
        return logical

    def poke(self, context: Any) -> bool:
        from updraft.services import services_from_env

        services = services_from_env()
        if self.check_existence and services.dags.get(self.external_dag_id) is None:
            raise AirflowException(f"The external DAG {self.external_dag_id} does not exist.")
        when = iso(self._logical_date(context))
        run_id = services.runs.run_id_for_logical_date(self.external_dag_id, when or "")
        if self.external_task_group_id:
            what = f"task group {self.external_task_group_id} of DAG {self.external_dag_id}"
        elif self.external_task_ids:
            what = f"{self.external_dag_id}.{self.external_task_ids}"
        else:
            what = f"DAG {self.external_dag_id}"
        log.info("Poking for %s on %s ...", what, when)
        if run_id is None:
            return False
        if self.external_task_group_id:
            states = self._group_states(services, run_id)
        elif not self.external_task_ids:
            run = services.runs.get(self.external_dag_id, run_id, consistent=True)
            states = [str(run.state)] if run else []
        else:
            found = {t.task_id: str(t.state) for t in services.tis.list(self.external_dag_id, run_id)}
            states = [found.get(t, "none") for t in self.external_task_ids]
        if self.failed_states and any(s in self.failed_states for s in states):
            message = f"The external {what} failed."
            if self.soft_fail:
                raise AirflowSkipException(message)
            raise AirflowException(message)
        if self.skipped_states and any(s in self.skipped_states for s in states):
            raise AirflowSkipException(f"The external {what} was skipped.")
        return bool(states) and all(s in self.allowed_states for s in states)


    def _group_states(self, services: Any, run_id: str) -> list[str]:
        """The states of every task instance of the group in the external run (its DAG as that
        run was parsed); no task group of that id is an error, as in Airflow."""
        run = services.runs.get(self.external_dag_id, run_id, consistent=True)
        if run is None:
            return []
        serialized = services.serialized_dag(self.external_dag_id, run.dag_version)
        prefix = f"{self.external_task_group_id}."
        members = {t["task_id"] for t in serialized["tasks"]
                   if t.get("task_group_id") == self.external_task_group_id
                   or (t.get("task_group_id") or "").startswith(prefix)}
        if not members:
            raise AirflowException(
                f"The external task group '{self.external_task_group_id}' in DAG "
                f"'{self.external_dag_id}' does not exist."
            )
        states: dict[str, list[str]] = {m: [] for m in members}
        for ti in services.tis.list(self.external_dag_id, run_id):
            if ti.task_id in members and not (ti.map_index < 0 and ti.map_length):
                states[ti.task_id].append(str(ti.state))
        return [state for task_states in states.values() for state in (task_states or ["none"])]


class ExternalTaskMarker(EmptyOperator):
    """Does nothing when it runs; it records that `external_task_id` of `external_dag_id`, at
    `logical_date` (templated; the run's own by default), depends on this task. Airflow's
    recursive clear follows it into that DAG, `recursion_depth` levels at most; Updraft's
    clear does not follow it (docs/differences.md)."""

    template_fields: Sequence[str] = ["external_dag_id", "external_task_id", "logical_date"]  # type: ignore[assignment]
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        logical_date: str | dt.datetime | None = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        if isinstance(logical_date, dt.datetime):
            self.logical_date = logical_date.isoformat()
        elif isinstance(logical_date, str):
            self.logical_date = logical_date
        else:
            raise TypeError(
                f"Expected str or datetime.datetime type for logical_date. Got {type(logical_date)}"
            )
        if recursion_depth <= 0:
            raise ValueError("recursion_depth should be a positive integer")
        self.recursion_depth = recursion_depth

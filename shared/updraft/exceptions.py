"""Exceptions under Airflow's names, so that DAG code written for Airflow catches the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


class AirflowException(Exception):
    """Base of every error Updraft raises to DAG authors and operators."""


class AirflowNotFoundException(AirflowException):
    """Something asked for by id (a connection, say) does not exist."""


class AirflowSkipException(AirflowException):
    """Raised inside a task to mark it skipped."""


class AirflowFailException(AirflowException):
    """Raised inside a task to fail it without using its remaining retries."""


class AirflowTaskTimeout(AirflowException):
    """The task ran past its execution_timeout."""


class AirflowRescheduleException(AirflowException):
    """Raised by a sensor in reschedule mode: free the worker, poke again at `reschedule_date`."""

    def __init__(self, reschedule_date: "datetime", *, started_at: "datetime | None" = None,
                 poke_count: int = 0) -> None:
        super().__init__(f"Rescheduling to {reschedule_date.isoformat()}")
        self.reschedule_date = reschedule_date
        self.started_at = started_at
        self.poke_count = poke_count


class AirflowSensorTimeout(AirflowException):
    """A sensor waited longer than its timeout; it fails without retrying, as in Airflow."""


class AirflowDagCycleException(AirflowException):
    """A DAG's dependencies form a cycle."""


class DuplicateTaskIdFound(AirflowException):
    """Two tasks in one DAG share an id."""


class AirflowTimetableInvalid(AirflowException):
    """A schedule (cron string, preset, timedelta or timetable) is not valid."""


class DagNotFound(AirflowException):
    """No DAG with this id is known."""


class DagRunNotFound(AirflowException):
    """No DagRun with this id is known."""


class DagRunAlreadyExists(AirflowException):
    """A DagRun with this run id or logical date already exists."""

    def __init__(self, dag_id: str, run_id: str, logical_date: str | None = None) -> None:
        where = f" for logical date {logical_date}" if logical_date else ""
        super().__init__(f"A DagRun of DAG '{dag_id}' already exists{where} (run_id '{run_id}')")
        self.dag_id = dag_id
        self.run_id = run_id
        self.logical_date = logical_date


class TaskNotFound(AirflowException):
    """No task with this id in the DAG."""


class ParamValidationError(AirflowException):
    """A param or a trigger's conf does not satisfy the DAG's params."""


class AirflowBadRequest(AirflowException):
    """A request was malformed (Airflow's 400)."""


class AirflowConfigException(AirflowException):
    """A setting is missing or not valid."""


class AirflowClusterPolicyViolation(AirflowException):
    """A task or DAG breaks a policy of the deployment."""


class AirflowTaskTerminated(AirflowException):
    """The task was stopped from outside (its worker was ended)."""


class AirflowRuntimeError(AirflowException):
    """An error of the task runtime, not of the task's own code."""


class DownstreamTasksSkipped(AirflowException):
    """Raised by a task to skip the listed downstream tasks."""

    def __init__(self, *, tasks: "list[str | tuple[str, int]]") -> None:
        super().__init__(f"Skipping downstream tasks: {tasks}")
        self.tasks = tasks


class TaskDeferred(AirflowException):
    """An operator asked to defer; Updraft has no triggerer (use reschedule-mode sensors)."""


class TaskDeferralError(AirflowException):
    """A deferral could not be carried out."""


class XComNotFound(AirflowException):
    """An XCom that a task pulled does not exist."""

    def __init__(self, dag_id: str, task_id: str, key: str) -> None:
        super().__init__(f'XComArg result from {task_id} at {dag_id} with key="{key}" is not found!')
        self.dag_id = dag_id
        self.task_id = task_id
        self.key = key


class AirflowDagDuplicatedIdException(AirflowException):
    """Two files define the same DAG id."""


class AirflowDagInconsistent(AirflowException):
    """A DAG's definition contradicts itself."""


def __getattr__(name: str) -> type:
    # Defined beside the mapping code, which raises it; importable from here as in Airflow.
    if name == "UnmappableXComTypePushed":
        from updraft.authoring.mapped import UnmappableXComTypePushed

        return UnmappableXComTypePushed
    raise AttributeError(f"module 'updraft.exceptions' has no attribute {name!r}")


__all__ = [
    "AirflowBadRequest",
    "AirflowClusterPolicyViolation",
    "AirflowConfigException",
    "AirflowDagCycleException",
    "AirflowDagDuplicatedIdException",
    "AirflowDagInconsistent",
    "AirflowRuntimeError",
    "AirflowTaskTerminated",
    "DownstreamTasksSkipped",
    "TaskDeferralError",
    "TaskDeferred",
    "XComNotFound",
    "AirflowException",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowNotFoundException",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "AirflowTimetableInvalid",
    "DagNotFound",
    "DagRunAlreadyExists",
    "DagRunNotFound",
    "DuplicateTaskIdFound",
    "ParamValidationError",
    "TaskNotFound",
]

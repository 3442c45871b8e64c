"""Task instance and DagRun states, with Airflow's names and values."""

from __future__ import annotations

from enum import Enum


class TaskInstanceState(str, Enum):
    """States of one task instance; `NONE` is Airflow's `None` (created, not yet decided)."""

    NONE = "none"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


FINISHED_STATES = frozenset(
    {
        TaskInstanceState.SUCCESS,
        TaskInstanceState.FAILED,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)
FAILED_STATES = frozenset({TaskInstanceState.FAILED, TaskInstanceState.UPSTREAM_FAILED})


class DagRunState(str, Enum):
    """States of a DagRun."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class DagRunType(str, Enum):
    """How a DagRun came to be; the prefix of its run id."""

    SCHEDULED = "scheduled"
    MANUAL = "manual"
    BACKFILL = "backfill"
    ASSET_TRIGGERED = "asset_triggered"

    def __str__(self) -> str:
        return self.value


class TriggerRule(str, Enum):
    """When a task may run, given its upstream tasks' states (Airflow 3's rules)."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def all_triggers(cls) -> set[str]:
        return {rule.value for rule in cls}


class WeightRule(str, Enum):
    """How a task's priority weight adds up (Airflow's `weight_rule`)."""

    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"

    def __str__(self) -> str:
        return self.value


class State:
    """Airflow 2's `State` namespace, kept for DAG code that compares with `State.SUCCESS`."""

    NONE = None
    SCHEDULED = TaskInstanceState.SCHEDULED
    QUEUED = TaskInstanceState.QUEUED
    RUNNING = TaskInstanceState.RUNNING
    SUCCESS = TaskInstanceState.SUCCESS
    FAILED = TaskInstanceState.FAILED
    SKIPPED = TaskInstanceState.SKIPPED
    UPSTREAM_FAILED = TaskInstanceState.UPSTREAM_FAILED
    UP_FOR_RETRY = TaskInstanceState.UP_FOR_RETRY
    UP_FOR_RESCHEDULE = TaskInstanceState.UP_FOR_RESCHEDULE
    REMOVED = TaskInstanceState.REMOVED
    finished = frozenset(FINISHED_STATES)
    failed_states = frozenset(FAILED_STATES)
    success_states = frozenset({TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED})

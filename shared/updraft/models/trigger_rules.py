"""Deciding a task instance from its upstream tallies, per trigger rule.

The decision needs only the counts of finished upstream task instances by state, which the
engine keeps on the task instance itself, so it never reads the rest of the run."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from updraft.models.states import TaskInstanceState, TriggerRule


class Decision(str, Enum):
    WAIT = "wait"
    RUN = "run"
    SKIP = "skipped"
    UPSTREAM_FAILED = "upstream_failed"

    @property
    def final_state(self) -> TaskInstanceState | None:
        if self is Decision.SKIP:
            return TaskInstanceState.SKIPPED
        if self is Decision.UPSTREAM_FAILED:
            return TaskInstanceState.UPSTREAM_FAILED
        return None


@dataclass(frozen=True)
class Tally:
    """How many of a task instance's `total` upstream task instances ended in each state."""

    total: int
    success: int = 0
    failed: int = 0
    skipped: int = 0
    upstream_failed: int = 0
    removed: int = 0

    @property
    def done(self) -> int:
        return self.success + self.failed + self.skipped + self.upstream_failed + self.removed

    @property
    def all_done(self) -> bool:
        return self.done >= self.total


def decide(rule: TriggerRule | str, tally: Tally) -> Decision:
    """What Airflow's trigger rule dependency concludes for these upstream counts."""
    rule = TriggerRule(str(rule))
    t = tally
    if t.total == 0 or rule is TriggerRule.ALWAYS:
        return Decision.RUN
    failed_any = t.failed + t.upstream_failed
    if rule is TriggerRule.ALL_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        if t.skipped:
            return Decision.SKIP
        return Decision.RUN if t.all_done else Decision.WAIT
    if rule is TriggerRule.ALL_FAILED:
        if t.success or t.skipped:
            return Decision.SKIP
        return Decision.RUN if t.all_done else Decision.WAIT
    if rule is TriggerRule.ALL_DONE:
        return Decision.RUN if t.all_done else Decision.WAIT
    if rule is TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
        if not t.all_done:
            return Decision.WAIT
        return Decision.RUN if t.success else Decision.SKIP
    if rule is TriggerRule.ALL_SKIPPED:
        if t.success or failed_any:
            return Decision.SKIP
        return Decision.RUN if t.all_done else Decision.WAIT
    if rule is TriggerRule.ONE_SUCCESS:
        if t.success:
            return Decision.RUN
        if not t.all_done:
            return Decision.WAIT
        return Decision.UPSTREAM_FAILED if failed_any else Decision.SKIP
    if rule is TriggerRule.ONE_FAILED:
        if failed_any:
            return Decision.RUN
        return Decision.SKIP if t.all_done else Decision.WAIT
    if rule is TriggerRule.ONE_DONE:
        if t.success + t.failed:
            return Decision.RUN
        return Decision.SKIP if t.all_done else Decision.WAIT
    if rule is TriggerRule.NONE_FAILED:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if t.all_done else Decision.WAIT
    if rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        if not t.all_done:
            return Decision.WAIT
        return Decision.RUN if t.success else Decision.SKIP
    if rule is TriggerRule.NONE_SKIPPED:
        if t.skipped:
            return Decision.SKIP
        return Decision.RUN if t.all_done else Decision.WAIT
    raise ValueError(f"Unknown trigger rule {rule}")

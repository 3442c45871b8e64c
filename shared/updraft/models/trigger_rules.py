"""Deciding a task instance from its upstream tallies, per trigger rule, as Airflow 3 does.

The decision needs only the counts of finished upstream task instances by state, which the
engine keeps on the task instance itself, so it never reads the rest of the run. It is asked
again each time one more upstream finishes, so a rule may decide before all are done.

What each rule asks of the upstream task instances, and what the task becomes when they
cannot give it:

- all_success: all succeeded. Upstream_failed at the first failed or upstream_failed one,
  else skipped at the first skipped one.
- all_failed: all failed or upstream_failed. Skipped at the first success or skip.
- all_done: all are done, in any state. The rule never skips nor fails the task.
- all_done_min_one_success: all non-skipped ones are done and one succeeded. Skipped at the
  first skipped one; upstream_failed when all are done and none succeeded.
- all_skipped: all were skipped. Skipped at the first success, failure or upstream_failed.
- one_success: one succeeded; runs at the first success without waiting for the others. When
  all are done without one: skipped if all were skipped, else upstream_failed.
- one_failed: one failed or is upstream_failed; runs at the first, without waiting. Skipped
  when all are done without one.
- one_done: one succeeded or failed (upstream_failed does not count); runs at the first,
  without waiting. Skipped when all are done without one.
- none_failed: all succeeded or were skipped. Upstream_failed at the first failed or
  upstream_failed one.
- none_failed_min_one_success: as none_failed, and one succeeded. Upstream_failed at the
  first failed or upstream_failed one; skipped when all were skipped.
- none_skipped: all are done and none was skipped. Skipped at the first skipped one.
- all_done_setup_success (a teardown's): all are done, and one of the upstream setups
  succeeded (or there is none). Skipped when all are done and every setup was skipped;
  upstream_failed when all are done and no setup succeeded.
- always: runs at once.

Setups and teardowns add two conditions, each from its own counts on the tally (zero for a
task that has nothing to do with setups):

- A task that is not a teardown needs its *indirect* setups (upstream of it, not directly,
  and in scope: without teardowns, or with one downstream of the task) to have succeeded,
  whatever its rule: upstream_failed at the first of them failed or upstream_failed, skipped
  at the first skipped, and it waits until they all succeeded. Airflow checks this first
  (`_evaluate_setup_constraint`), and a state set there wins.
- A teardown whose rule is met still waits until every task in its scope (between its
  setups and it, not directly upstream) is done (`_evaluate_teardown_scope`).

A task without upstream tasks runs, whatever its rule. A `removed` upstream counts as done,
as in Airflow, but as neither a success, a failure nor a skip: all_success, all_failed,
all_skipped, none_failed and none_failed_min_one_success then wait for ever once the others
are done, where Airflow's scheduler fails the run as deadlocked.

Airflow's code is `TriggerRuleDep` in airflow-core/src/airflow/ti_deps/deps/trigger_rule_dep.py
(`_evaluate_direct_relatives`). With `flag_upstream_failed`, as the scheduler calls it, it first
sets the task instance's state early for some counts; otherwise the task runs if the rule is
met and waits if not. `decide` keeps the same two steps, for a task instance that is not
mapped (map index -1), the only kind the engine decides."""

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
    # Of the `total`, those that are setups, and how many of them succeeded or were skipped.
    setups: int = 0
    setup_success: int = 0
    setup_skipped: int = 0
    # A non-teardown's indirect setups (not counted in `total`) and how each ended.
    indirect_setups: int = 0
    indirect_success: int = 0
    indirect_failed: int = 0
    indirect_skipped: int = 0
    # A teardown's scope (not counted in `total`) and how many of its tasks are done.
    scope: int = 0
    scope_done: int = 0

    @property
    def done(self) -> int:
        return self.success + self.failed + self.skipped + self.upstream_failed + self.removed

    @property
    def all_done(self) -> bool:
        return self.done >= self.total


def decide(rule: TriggerRule | str, tally: Tally) -> Decision:
    """What Airflow's trigger rule dependency concludes for these upstream counts.

    A final state set early wins over the rule being met: Airflow's scheduler then no longer
    finds the task instance schedulable."""
    rule = TriggerRule(str(rule))
    if tally.total == 0 or rule is TriggerRule.ALWAYS:
        return Decision.RUN
    early = _setup_constraint_state(tally) or _early_state(rule, tally)
    if early is not None:
        return early
    if tally.indirect_success < tally.indirect_setups or not _met(rule, tally):
        return Decision.WAIT
    return Decision.RUN if tally.scope_done >= tally.scope else Decision.WAIT


def _setup_constraint_state(t: Tally) -> Decision | None:
    """The state Airflow's setup constraint sets from the indirect setups, before all end."""
    if t.indirect_failed:
        return Decision.UPSTREAM_FAILED
    return Decision.SKIP if t.indirect_skipped else None


def _early_state(rule: TriggerRule, t: Tally) -> Decision | None:
    """The state Airflow sets with `flag_upstream_failed`, if any, possibly before all are done."""
    failed_any = t.failed or t.upstream_failed
    if rule is TriggerRule.ALL_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        return Decision.SKIP if t.skipped else None
    if rule is TriggerRule.ALL_FAILED:
        return Decision.SKIP if t.success or t.skipped else None
    if rule is TriggerRule.ALL_DONE:
        return None
    if rule is TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
        if t.skipped:
            return Decision.SKIP
        non_skipped_done = t.success + t.failed + t.upstream_failed + t.removed
        if non_skipped_done >= t.total - t.skipped and not t.success:
            return Decision.UPSTREAM_FAILED
        return None
    if rule is TriggerRule.ALL_DONE_SETUP_SUCCESS:
        if t.all_done and t.setups and t.setup_skipped >= t.setups:
            return Decision.SKIP
        return Decision.UPSTREAM_FAILED if t.all_done and t.setups and not t.setup_success else None
    if rule is TriggerRule.ALL_SKIPPED:
        return Decision.SKIP if t.success or failed_any else None
    if rule is TriggerRule.ONE_SUCCESS:
        if t.all_done and t.done == t.skipped:
            return Decision.SKIP
        return Decision.UPSTREAM_FAILED if t.all_done and not t.success else None
    if rule is TriggerRule.ONE_FAILED:
        return Decision.SKIP if t.all_done and not failed_any else None
    if rule is TriggerRule.ONE_DONE:
        return Decision.SKIP if t.all_done and not (t.failed or t.success) else None
    if rule is TriggerRule.NONE_FAILED:
        return Decision.UPSTREAM_FAILED if failed_any else None
    if rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        return Decision.SKIP if t.skipped == t.total else None
    if rule is TriggerRule.NONE_SKIPPED:
        return Decision.SKIP if t.skipped else None
    raise ValueError(f"Unknown trigger rule {rule}")


def _met(rule: TriggerRule, t: Tally) -> bool:
    """Whether the rule lets the task run, when no state was set early."""
    if rule is TriggerRule.ALL_SUCCESS:
        return t.total - t.success <= 0
    if rule is TriggerRule.ALL_FAILED:
        return t.total - t.failed - t.upstream_failed <= 0
    if rule is TriggerRule.ALL_DONE:
        return t.all_done
    if rule is TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
        non_skipped_done = t.success + t.failed + t.upstream_failed + t.removed
        return not t.skipped and non_skipped_done >= t.total - t.skipped and t.success > 0
    if rule is TriggerRule.ALL_DONE_SETUP_SUCCESS:
        return t.all_done and (not t.setups or t.setup_success > 0)
    if rule is TriggerRule.ALL_SKIPPED:
        return t.total - t.skipped <= 0
    if rule is TriggerRule.ONE_SUCCESS:
        return t.success > 0
    if rule is TriggerRule.ONE_FAILED:
        return bool(t.failed or t.upstream_failed)
    if rule is TriggerRule.ONE_DONE:
        return t.success + t.failed > 0
    if rule in (TriggerRule.NONE_FAILED, TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS):
        return t.total - t.success - t.skipped <= 0
    if rule is TriggerRule.NONE_SKIPPED:
        return t.all_done and not t.skipped
    raise ValueError(f"Unknown trigger rule {rule}")

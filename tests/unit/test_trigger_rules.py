"""Trigger rules decide a task instance from its upstream counts as Airflow 3 does.

Expected values follow Airflow's `TriggerRuleDep`, read at apache/airflow commit
0642ae17dbbab3fe96626b84d7a1d231ed2838ad, airflow-core/src/airflow/ti_deps/deps/
trigger_rule_dep.py; each group below names its lines there, as
"state L..." for the state set early under `flag_upstream_failed` (`_evaluate_direct_relatives`,
L399-456; it wins over the rule being met, L457-473, since the scheduler's
`DagRun._get_ready_tis` then finds the task instance no longer schedulable) and
"met L..." for the check that lets the task run or keeps it waiting (L475-629).
`done` counts every finished upstream, removed ones too (L87), and all are done when
`done >= upstream` (L395).
"""

from __future__ import annotations

import itertools

import pytest

from updraft.models.states import TriggerRule as TR
from updraft.models.trigger_rules import Decision, Tally, decide

RUN = Decision.RUN
WAIT = Decision.WAIT
SKIP = Decision.SKIP
UF = Decision.UPSTREAM_FAILED


def case(rule: TR, tally: Tally, expected: Decision, what: str):
    return pytest.param(rule, tally, expected, id=f"{rule.value}: {what}")


CASES = [
    # always: passes at once, whatever the upstreams (L113-115).
    case(TR.ALWAYS, Tally(3, success=3), RUN, "all success"),
    case(TR.ALWAYS, Tally(3, failed=3), RUN, "all failed"),
    case(TR.ALWAYS, Tally(3, skipped=3), RUN, "all skipped"),
    case(TR.ALWAYS, Tally(3, upstream_failed=3), RUN, "all upstream_failed"),
    case(TR.ALWAYS, Tally(3, failed=1, skipped=1), RUN, "before all are done"),
    # all_success: state L400-407, met L503-515.
    case(TR.ALL_SUCCESS, Tally(3, success=3), RUN, "all success"),
    case(TR.ALL_SUCCESS, Tally(3, failed=3), UF, "all failed"),
    case(TR.ALL_SUCCESS, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ALL_SUCCESS, Tally(3, upstream_failed=3), UF, "all upstream_failed"),
    case(TR.ALL_SUCCESS, Tally(3, success=1, failed=1, skipped=1), UF, "a failure beats a skip"),
    case(TR.ALL_SUCCESS, Tally(3, success=2, skipped=1), SKIP, "success and skipped"),
    case(TR.ALL_SUCCESS, Tally(3, success=2), WAIT, "waits for the rest"),
    case(TR.ALL_SUCCESS, Tally(3, failed=1), UF, "first failure decides early"),
    case(TR.ALL_SUCCESS, Tally(3, upstream_failed=1), UF, "first upstream_failed decides early"),
    case(TR.ALL_SUCCESS, Tally(3, skipped=1), SKIP, "first skip decides early"),
    case(TR.ALL_SUCCESS, Tally(2, success=1, removed=1), WAIT, "a removed upstream never succeeds"),
    # all_failed: state L408-410, met L516-528.
    case(TR.ALL_FAILED, Tally(3, success=3), SKIP, "all success"),
    case(TR.ALL_FAILED, Tally(3, failed=3), RUN, "all failed"),
    case(TR.ALL_FAILED, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ALL_FAILED, Tally(3, upstream_failed=3), RUN, "all upstream_failed"),
    case(TR.ALL_FAILED, Tally(2, failed=1, upstream_failed=1), RUN, "failed and upstream_failed"),
    case(TR.ALL_FAILED, Tally(3, failed=2, success=1), SKIP, "failed and success"),
    case(TR.ALL_FAILED, Tally(3, failed=2), WAIT, "waits for the rest"),
    case(TR.ALL_FAILED, Tally(3, success=1), SKIP, "first success decides early"),
    case(TR.ALL_FAILED, Tally(3, skipped=1), SKIP, "first skip decides early"),
    case(TR.ALL_FAILED, Tally(2, failed=1, removed=1), WAIT, "a removed upstream never fails"),
    # all_done: no early state, met L529-538.
    case(TR.ALL_DONE, Tally(3, success=3), RUN, "all success"),
    case(TR.ALL_DONE, Tally(3, failed=3), RUN, "all failed"),
    case(TR.ALL_DONE, Tally(3, skipped=3), RUN, "all skipped"),
    case(TR.ALL_DONE, Tally(3, upstream_failed=3), RUN, "all upstream_failed"),
    case(TR.ALL_DONE, Tally(4, success=1, failed=1, skipped=1, upstream_failed=1), RUN,
         "every state"),
    case(TR.ALL_DONE, Tally(2, success=1, removed=1), RUN, "removed counts as done"),
    case(TR.ALL_DONE, Tally(3, failed=1, skipped=1), WAIT, "waits for the rest"),
    # all_done_min_one_success: state L438-448, met L592-626. Airflow skips it at the first
    # skipped upstream ("all non-skipped upstream tasks are done"; apache/airflow#59925).
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, success=3), RUN, "all success"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, failed=3), UF, "all failed"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, upstream_failed=3), UF, "all upstream_failed"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, success=1, failed=1), RUN, "success and failed"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, success=1, upstream_failed=1), RUN,
         "success and upstream_failed"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, success=1, skipped=1), SKIP, "success and skipped"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, failed=1, skipped=1), SKIP,
         "a skip beats a failure"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, success=1), WAIT, "a success waits for the rest"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, failed=2), WAIT, "failures wait for the rest"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(3, success=1, skipped=1), SKIP,
         "first skip decides early"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, success=1, removed=1), RUN, "success and removed"),
    case(TR.ALL_DONE_MIN_ONE_SUCCESS, Tally(2, removed=2), UF, "all removed"),
    # all_skipped: state L435-437, met L562-572.
    case(TR.ALL_SKIPPED, Tally(3, success=3), SKIP, "all success"),
    case(TR.ALL_SKIPPED, Tally(3, failed=3), SKIP, "all failed"),
    case(TR.ALL_SKIPPED, Tally(3, skipped=3), RUN, "all skipped"),
    case(TR.ALL_SKIPPED, Tally(3, upstream_failed=3), SKIP, "all upstream_failed"),
    case(TR.ALL_SKIPPED, Tally(2, skipped=1, success=1), SKIP, "skipped and success"),
    case(TR.ALL_SKIPPED, Tally(3, skipped=2), WAIT, "waits for the rest"),
    case(TR.ALL_SKIPPED, Tally(3, success=1), SKIP, "first success decides early"),
    case(TR.ALL_SKIPPED, Tally(3, failed=1), SKIP, "first failure decides early"),
    case(TR.ALL_SKIPPED, Tally(3, upstream_failed=1), SKIP, "first upstream_failed decides early"),
    case(TR.ALL_SKIPPED, Tally(2, skipped=1, removed=1), WAIT, "a removed upstream is not skipped"),
    # one_success: state L411-417, met L475-483.
    case(TR.ONE_SUCCESS, Tally(3, success=3), RUN, "all success"),
    case(TR.ONE_SUCCESS, Tally(3, failed=3), UF, "all failed"),
    case(TR.ONE_SUCCESS, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ONE_SUCCESS, Tally(3, upstream_failed=3), UF, "all upstream_failed"),
    case(TR.ONE_SUCCESS, Tally(2, skipped=1, failed=1), UF, "skipped and failed"),
    case(TR.ONE_SUCCESS, Tally(2, skipped=1, upstream_failed=1), UF, "skipped and upstream_failed"),
    case(TR.ONE_SUCCESS, Tally(3, success=1), RUN, "first success decides early"),
    case(TR.ONE_SUCCESS, Tally(4, failed=2, success=1), RUN, "a success after failures runs"),
    case(TR.ONE_SUCCESS, Tally(3, failed=2), WAIT, "failures wait for the rest"),
    case(TR.ONE_SUCCESS, Tally(3, skipped=2), WAIT, "skips wait for the rest"),
    case(TR.ONE_SUCCESS, Tally(2, skipped=1, removed=1), UF, "skipped and removed"),
    case(TR.ONE_SUCCESS, Tally(1, removed=1), UF, "all removed"),
    # one_failed: state L418-420, met L484-492.
    case(TR.ONE_FAILED, Tally(3, success=3), SKIP, "all success"),
    case(TR.ONE_FAILED, Tally(3, failed=3), RUN, "all failed"),
    case(TR.ONE_FAILED, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ONE_FAILED, Tally(3, upstream_failed=3), RUN, "all upstream_failed"),
    case(TR.ONE_FAILED, Tally(2, success=1, skipped=1), SKIP, "success and skipped"),
    case(TR.ONE_FAILED, Tally(3, failed=1), RUN, "first failure decides early"),
    case(TR.ONE_FAILED, Tally(3, upstream_failed=1), RUN, "first upstream_failed decides early"),
    case(TR.ONE_FAILED, Tally(3, success=1, failed=1), RUN, "a failure after a success runs"),
    case(TR.ONE_FAILED, Tally(3, success=2), WAIT, "successes wait for the rest"),
    case(TR.ONE_FAILED, Tally(2, success=1, removed=1), SKIP, "success and removed"),
    # one_done: state L421-423, met L493-502; upstream_failed is not "done" here.
    case(TR.ONE_DONE, Tally(3, success=3), RUN, "all success"),
    case(TR.ONE_DONE, Tally(3, failed=3), RUN, "all failed"),
    case(TR.ONE_DONE, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.ONE_DONE, Tally(3, upstream_failed=3), SKIP, "all upstream_failed"),
    case(TR.ONE_DONE, Tally(2, skipped=1, upstream_failed=1), SKIP, "skipped and upstream_failed"),
    case(TR.ONE_DONE, Tally(2, skipped=1, failed=1), RUN, "skipped and failed"),
    case(TR.ONE_DONE, Tally(3, success=1), RUN, "first success decides early"),
    case(TR.ONE_DONE, Tally(3, failed=1), RUN, "first failure decides early"),
    case(TR.ONE_DONE, Tally(3, skipped=1, upstream_failed=1), WAIT, "waits for the rest"),
    case(TR.ONE_DONE, Tally(2, skipped=1, removed=1), SKIP, "skipped and removed"),
    # none_failed: state L424-426, met L539-551.
    case(TR.NONE_FAILED, Tally(3, success=3), RUN, "all success"),
    case(TR.NONE_FAILED, Tally(3, failed=3), UF, "all failed"),
    case(TR.NONE_FAILED, Tally(3, skipped=3), RUN, "all skipped"),
    case(TR.NONE_FAILED, Tally(3, upstream_failed=3), UF, "all upstream_failed"),
    case(TR.NONE_FAILED, Tally(2, success=1, skipped=1), RUN, "success and skipped"),
    case(TR.NONE_FAILED, Tally(2, success=1, failed=1), UF, "success and failed"),
    case(TR.NONE_FAILED, Tally(3, failed=1), UF, "first failure decides early"),
    case(TR.NONE_FAILED, Tally(3, upstream_failed=1), UF, "first upstream_failed decides early"),
    case(TR.NONE_FAILED, Tally(3, success=1, skipped=1), WAIT, "waits for the rest"),
    case(TR.NONE_FAILED, Tally(2, success=1, removed=1), WAIT,
         "a removed upstream neither succeeds nor skips"),
    # none_failed_min_one_success: state L427-431, met L539-551 (shared with none_failed).
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, success=3), RUN, "all success"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, failed=3), UF, "all failed"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, upstream_failed=3), UF, "all upstream_failed"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(2, success=1, skipped=1), RUN,
         "success and skipped"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(2, skipped=1, failed=1), UF, "skipped and failed"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, failed=1), UF, "first failure decides early"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, upstream_failed=1), UF,
         "first upstream_failed decides early"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, success=1), WAIT, "a success waits for the rest"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(3, skipped=2), WAIT, "skips wait for the rest"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(2, skipped=1, removed=1), WAIT,
         "skipped and removed"),
    case(TR.NONE_FAILED_MIN_ONE_SUCCESS, Tally(2, success=1, removed=1), WAIT,
         "success and removed"),
    # none_skipped: state L432-434, met L552-561.
    case(TR.NONE_SKIPPED, Tally(3, success=3), RUN, "all success"),
    case(TR.NONE_SKIPPED, Tally(3, failed=3), RUN, "all failed"),
    case(TR.NONE_SKIPPED, Tally(3, skipped=3), SKIP, "all skipped"),
    case(TR.NONE_SKIPPED, Tally(3, upstream_failed=3), RUN, "all upstream_failed"),
    case(TR.NONE_SKIPPED, Tally(3, success=1, failed=1, upstream_failed=1), RUN, "no skip"),
    case(TR.NONE_SKIPPED, Tally(2, success=1, skipped=1), SKIP, "success and skipped"),
    case(TR.NONE_SKIPPED, Tally(3, skipped=1), SKIP, "first skip decides early"),
    case(TR.NONE_SKIPPED, Tally(3, success=1, failed=1), WAIT, "waits for the rest"),
    case(TR.NONE_SKIPPED, Tally(2, success=1, removed=1), RUN, "success and removed"),
]


@pytest.mark.parametrize("rule, tally, expected", CASES)
def test_rule_decides_as_airflow(rule, tally, expected):
    assert decide(rule, tally) is expected


@pytest.mark.parametrize("rule", list(TR), ids=lambda rule: rule.value)
def test_task_without_upstreams_runs_whatever_its_rule(rule):
    # L110-112: checked before the rule itself.
    assert decide(rule, Tally(0)) is RUN


@pytest.mark.parametrize("rule", [r for r in TR if r is not TR.ALWAYS], ids=lambda rule: rule.value)
def test_no_upstream_finished_waits(rule):
    assert decide(rule, Tally(2)) is WAIT


def _finished_tallies(total: int):
    """Every way `total` upstreams can all have finished without one being removed."""
    for success, failed, skipped in itertools.product(range(total + 1), repeat=3):
        upstream_failed = total - success - failed - skipped
        if upstream_failed >= 0:
            yield Tally(total, success, failed, skipped, upstream_failed)


@pytest.mark.parametrize("rule", list(TR), ids=lambda rule: rule.value)
def test_no_rule_waits_once_all_upstreams_finished_without_removed_ones(rule):
    # The engine asks again only when another upstream finishes: after the last, a rule
    # that still waited would leave the run unfinished.
    for total in range(1, 4):
        for tally in _finished_tallies(total):
            assert decide(rule, tally) is not WAIT, tally


def test_rule_may_be_given_by_its_name():
    assert decide("one_success", Tally(3, success=1)) is RUN


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        decide("dummy", Tally(1, success=1))

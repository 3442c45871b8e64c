"""Setup and teardown tasks as Airflow 3.3 has them: how they are marked and wired, the
errors, the all_done_setup_success decisions, which tasks count for a run's state, and what
clearing a task brings along. Pure: no AWS.

Expected edges, run leaves and clear selections were recorded with Airflow 3.3.2
(bench/.airflow-venv): each task's upstream ids from a DagBag, `partial_subset` task ids."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from updraft import DAG, task
from updraft.authoring.serialization import serialize_dag
from updraft.authoring.setup_teardown import setup, teardown
from updraft.authoring.setup_teardown_context import SetupTeardownContext
from updraft.authoring.setup_teardown_marks import validate_setup_teardown
from updraft.authoring.taskgroup import TaskGroup, task_group
from updraft.exceptions import AirflowException
from updraft.models.clear import select_tasks
from updraft.models.records import TaskInstance
from updraft.models.setup_teardown import counts_for_run_state, notified, tally_of
from updraft.models.states import TriggerRule as TR
from updraft.models.trigger_rules import Decision, Tally, decide
from updraft.operators import BashOperator, EmptyOperator
from updraft.processing.dagfile import load_dag_file

RUN, WAIT, SKIP, UF = Decision.RUN, Decision.WAIT, Decision.SKIP, Decision.UPSTREAM_FAILED


@pytest.fixture(autouse=True)
def _clean_context() -> Any:
    yield
    SetupTeardownContext.reset()


def upstreams(dag: DAG) -> dict[str, list[str]]:
    return {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}


def serialized_tasks(dag: DAG) -> dict[str, dict[str, Any]]:
    return {t["task_id"]: t for t in serialize_dag(dag, "dags/x.py")["tasks"]}


# -- marking ----------------------------------------------------------------------------
def test_as_setup_and_as_teardown_mark_and_link() -> None:
    with DAG("marks", schedule=None):
        create = EmptyOperator(task_id="create").as_setup()
        work = EmptyOperator(task_id="work")
        delete = EmptyOperator(task_id="delete").as_teardown(setups=create, on_failure_fail_dagrun=True)
        create >> work >> delete
    assert (create.is_setup, create.is_teardown) == (True, False)
    assert (delete.is_setup, delete.is_teardown, delete.on_failure_fail_dagrun) == (False, True, True)
    assert delete.trigger_rule == TR.ALL_DONE_SETUP_SUCCESS
    assert (work.is_setup, work.is_teardown, work.on_failure_fail_dagrun) == (False, False, False)
    assert sorted(delete.upstream_task_ids) == ["create", "work"]


def test_as_teardown_marks_the_given_setups_as_setups() -> None:
    with DAG("setups", schedule=None):
        a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
        down = EmptyOperator(task_id="down").as_teardown(setups=[a, b])
    assert a.is_setup and b.is_setup
    assert sorted(down.upstream_task_ids) == ["a", "b"]


def test_taskflow_outputs_have_as_setup_and_as_teardown() -> None:
    with DAG("outputs", schedule=None):
        @task
        def first() -> None: ...

        @task
        def second() -> None: ...

        @task
        def third() -> None: ...

        one, two, three = first(), second(), third()
        one >> two >> three.as_teardown(setups=one)
    assert one.is_setup and one.operator.is_setup
    assert three.is_teardown and three.operator.trigger_rule == TR.ALL_DONE_SETUP_SUCCESS
    assert sorted(three.operator.upstream_task_ids) == ["first", "second"]
    three.on_failure_fail_dagrun = True
    assert three.operator.on_failure_fail_dagrun is True


@pytest.mark.parametrize(
    "mark, error, message",
    [
        pytest.param(lambda t: t.as_setup().as_teardown(), ValueError,
                     "Cannot mark task 't' as teardown; task is already a setup.", id="setup-then-teardown"),
        pytest.param(lambda t: t.as_teardown().as_setup(), ValueError,
                     "Cannot mark task 't' as setup; task is already a teardown.", id="teardown-then-setup"),
        pytest.param(lambda t: setattr(t, "on_failure_fail_dagrun", True), ValueError,
                     "Cannot set task on_failure_fail_dagrun for 't' because it is not a teardown task.",
                     id="fail-dagrun-on-work"),
        pytest.param(lambda t: t.as_setup().as_teardown(on_failure_fail_dagrun=True), ValueError,
                     "Cannot mark task 't' as teardown; task is already a setup.", id="setup-fail-dagrun"),
    ],
)
def test_marking_errors_are_airflows(mark: Any, error: type[Exception], message: str) -> None:
    with DAG("errors", schedule=None):
        t = EmptyOperator(task_id="t")
        with pytest.raises(error) as err:
            mark(t)
    assert str(err.value) == message


def test_only_setups_and_teardowns_are_context_managers() -> None:
    with DAG("ctx", schedule=None):
        plain = EmptyOperator(task_id="plain")

        @task
        def work() -> None: ...

        output = work()
        with pytest.raises(RuntimeError, match="^Only setup/teardown tasks can be used as context managers.$"):
            with plain:
                pass
        with pytest.raises(AirflowException, match="^Only setup/teardown tasks can be used as context managers.$"):
            with output:
                pass


# -- the context manager: edges as Airflow makes them ------------------------------------
def test_context_manager_puts_tasks_between_and_nests() -> None:
    with DAG("ctx", schedule=None) as dag:
        outer_setup = BashOperator(task_id="outer_setup", bash_command="echo").as_setup()
        outer_teardown = BashOperator(task_id="outer_teardown", bash_command="echo").as_teardown()
        with outer_setup >> outer_teardown:
            first = BashOperator(task_id="first", bash_command="echo")
            second = BashOperator(task_id="second", bash_command="echo")
            first >> second
            inner_setup = BashOperator(task_id="inner_setup", bash_command="echo").as_setup()
            inner_teardown = BashOperator(task_id="inner_teardown", bash_command="echo").as_teardown()
            with inner_setup >> inner_teardown:
                BashOperator(task_id="inner_work", bash_command="exit 1")
        after = BashOperator(task_id="after", bash_command="echo")
        outer_teardown >> after
    assert upstreams(dag) == {  # Airflow 3.3.2's
        "after": ["outer_teardown"],
        "first": ["outer_setup"],
        "inner_setup": ["outer_setup"],
        "inner_teardown": ["inner_setup", "inner_work"],
        "inner_work": ["inner_setup"],
        "outer_setup": [],
        "outer_teardown": ["inner_teardown", "outer_setup", "second"],
        "second": ["first"],
    }
    assert SetupTeardownContext.active is False


def test_leaving_an_inner_context_deactivates_the_outer_one_as_in_airflow() -> None:
    with DAG("quirk", schedule=None) as dag:
        s1, t1 = EmptyOperator(task_id="s1").as_setup(), EmptyOperator(task_id="t1").as_teardown()
        s2, t2 = EmptyOperator(task_id="s2").as_setup(), EmptyOperator(task_id="t2").as_teardown()
        with s1 >> t1:
            with s2 >> t2:
                EmptyOperator(task_id="inside")
            EmptyOperator(task_id="late")  # the context is no longer active: left alone
    assert upstreams(dag)["late"] == []
    assert upstreams(dag)["t1"] == ["s1", "t2"]


def test_context_add_task_and_a_setup_entered_alone() -> None:
    with DAG("add", schedule=None) as dag:
        made_before = EmptyOperator(task_id="made_before")
        s = EmptyOperator(task_id="s").as_setup()
        with s as ctx:
            ctx.add_task(made_before)
            EmptyOperator(task_id="inside")
    assert upstreams(dag) == {"made_before": ["s"], "s": [], "inside": ["s"]}
    with pytest.raises(AirflowException, match="Cannot add task to context outside the context manager."):
        SetupTeardownContext.add_task(made_before)


def test_airflow_example_setup_teardown_taskflow_edges() -> None:
    path = Path(__file__).resolve().parents[2] / (
        "bench/.airflow-venv/lib/python3.11/site-packages/airflow/example_dags/example_setup_teardown_taskflow.py")
    if not path.exists():
        pytest.skip("the Airflow reference install is not here")
    loaded = load_dag_file(str(path))
    assert loaded.error is None
    (dag,) = loaded.dags
    assert upstreams(dag) == {  # Airflow 3.3.2's
        "my_first_task": [], "my_second_task": ["my_first_task"],
        "my_third_task": ["my_first_task", "my_second_task"],
        "outer_setup": [], "outer_teardown": ["outer_setup", "outer_work"], "outer_work": ["outer_setup"],
        "section_1.inner_setup": [],
        "section_1.inner_teardown": ["section_1.inner_setup", "section_1.inner_work"],
        "section_1.inner_work": ["section_1.inner_setup"],
    }
    marks = {t.task_id: (t.is_setup, t.is_teardown, str(t.trigger_rule)) for t in dag.tasks}
    assert marks["section_1.inner_setup"] == (True, False, "all_success")
    assert marks["outer_teardown"] == (False, True, "all_done_setup_success")


# -- the decorators ---------------------------------------------------------------------
def test_setup_and_teardown_decorators_mark_their_tasks() -> None:
    with DAG("decorated", schedule=None):
        @setup
        def create() -> str:
            return "x"

        @teardown(on_failure_fail_dagrun=True)
        def delete(x: str) -> None: ...

        @teardown
        def plain(x: str) -> None: ...

        made = create()
        gone = delete(made)
        other = plain.override(task_id="other")(made)
    assert made.operator.is_setup and not made.operator.is_teardown
    assert gone.operator.is_teardown and gone.operator.on_failure_fail_dagrun
    assert gone.operator.trigger_rule == TR.ALL_DONE_SETUP_SUCCESS
    assert other.operator.is_teardown and not other.operator.on_failure_fail_dagrun
    assert sorted(gone.operator.upstream_task_ids) == ["create"]


def test_a_teardown_decorator_refuses_a_trigger_rule_and_a_second_call() -> None:
    with DAG("teardown_rules", schedule=None):
        @teardown
        @task(trigger_rule="all_done")
        def ruled() -> None: ...

        with pytest.raises(ValueError, match="^Trigger rule not configurable for teardown tasks.$"):
            ruled()

        @teardown
        def once() -> None: ...

        once()
        with pytest.raises(ValueError, match="^Trigger rule not configurable for teardown tasks.$"):
            once()  # Airflow's decorator keeps the rule its first call set


def test_task_groups_cannot_be_marked() -> None:
    @task_group
    def group() -> None: ...

    with pytest.raises(AirflowException, match="^Task groups cannot be marked as setup or teardown.$"):
        setup(group)
    with pytest.raises(AirflowException, match="^Task groups cannot be marked as setup or teardown.$"):
        teardown(group)


def test_with_teardown_call_around_taskflow_work() -> None:
    with DAG("taskflow_ctx", schedule=None) as dag:
        @setup
        def make() -> str:
            return "c"

        @teardown
        def drop(c: str) -> None: ...

        @task
        def use() -> None: ...

        with drop(make()):
            use()
    assert upstreams(dag) == {"make": [], "drop": ["make", "use"], "use": ["make"]}


# -- validation -------------------------------------------------------------------------
def test_what_follows_a_setup_keeps_all_success(tmp_path: Path) -> None:
    with DAG("lenient", schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        s >> EmptyOperator(task_id="w", trigger_rule="all_done")
    with pytest.raises(ValueError, match="^Setup tasks must be followed with trigger rule ALL_SUCCESS.$"):
        validate_setup_teardown(dag)
    path = tmp_path / "lenient.py"
    path.write_text(textwrap.dedent("""
        from airflow.sdk import DAG
        from airflow.providers.standard.operators.empty import EmptyOperator

        with DAG("lenient", schedule=None):
            s = EmptyOperator(task_id="s").as_setup()
            s >> EmptyOperator(task_id="w", trigger_rule="all_done")
            s >> EmptyOperator(task_id="t").as_teardown(setups=s)
    """))
    loaded = load_dag_file(str(path))
    assert loaded.dags == [] and "ValueError: Setup tasks must be followed with trigger rule ALL_SUCCESS." in (
        loaded.error or "")


# -- all_done_setup_success and the setup constraints ------------------------------------
def _case(tally: Tally, expected: Decision, what: str, rule: TR = TR.ALL_DONE_SETUP_SUCCESS) -> Any:
    return pytest.param(rule, tally, expected, id=f"{rule.value}: {what}")


DECISIONS = [
    # trigger_rule_dep.py, ALL_DONE_SETUP_SUCCESS: state set early, then met.
    _case(Tally(2, success=2, setups=1, setup_success=1), RUN, "setup and work succeeded"),
    _case(Tally(2, success=1, failed=1, setups=1, setup_success=1), RUN, "work failed, setup succeeded"),
    _case(Tally(2, success=1, upstream_failed=1, setups=1, setup_success=1), RUN, "work upstream_failed"),
    _case(Tally(2, success=1, setups=1, setup_success=1), WAIT, "waits for the work"),
    _case(Tally(2, failed=1, upstream_failed=1, setups=1), UF, "the only setup failed"),
    _case(Tally(2, failed=1, setups=1), WAIT, "setup failed, work not done: waits"),
    _case(Tally(2, skipped=2, setups=1, setup_skipped=1), SKIP, "the only setup skipped"),
    _case(Tally(3, failed=1, skipped=2, setups=2, setup_skipped=1), UF, "one setup skipped, one failed"),
    _case(Tally(3, success=1, failed=2, setups=2, setup_success=1), RUN, "one of two setups succeeded"),
    _case(Tally(2, failed=2), RUN, "no setup upstream: all_done"),
    _case(Tally(2, failed=1), WAIT, "no setup upstream, not all done"),
    # A teardown's scope: the rule met, it waits for the tasks between its setups and it.
    _case(Tally(2, success=1, upstream_failed=1, setups=1, setup_success=1, scope=2, scope_done=1), WAIT,
          "scope not done"),
    _case(Tally(2, success=1, upstream_failed=1, setups=1, setup_success=1, scope=2, scope_done=2), RUN,
          "scope done"),
    _case(Tally(2, failed=1, upstream_failed=1, setups=1, scope=2), UF, "an early state ignores the scope"),
    # A task's indirect setups (_evaluate_setup_constraint), whatever its own rule.
    _case(Tally(1, upstream_failed=1, indirect_setups=1, indirect_failed=1), UF, "indirect setup failed",
          TR.ALL_DONE),
    _case(Tally(1, indirect_setups=1, indirect_failed=1), UF, "decided before its upstream ends", TR.ALL_DONE),
    _case(Tally(1, skipped=1, indirect_setups=1, indirect_skipped=1), SKIP, "indirect setup skipped",
          TR.NONE_FAILED),
    _case(Tally(1, success=1, indirect_setups=1), WAIT, "waits for the indirect setup", TR.ALL_SUCCESS),
    _case(Tally(1, success=1, indirect_setups=1, indirect_success=1), RUN, "indirect setup succeeded",
          TR.ALL_SUCCESS),
    _case(Tally(2, failed=1, indirect_setups=1), UF, "its own rule still decides early", TR.ALL_SUCCESS),
    _case(Tally(1, failed=1, indirect_setups=1, indirect_failed=1), RUN, "always runs at once", TR.ALWAYS),
]


@pytest.mark.parametrize("rule, tally, expected", DECISIONS)
def test_decisions(rule: TR, tally: Tally, expected: Decision) -> None:
    assert decide(rule, tally) is expected


def _ti(**sets: set[str]) -> TaskInstance:
    return TaskInstance("d", "r", "t", **{f"up_{k}": v for k, v in sets.items()})


def test_tally_separates_direct_upstreams_setups_indirect_setups_and_scope() -> None:
    tasks = {
        "s": {"task_id": "s", "upstream": [], "downstream": ["t"], "is_setup": True},
        "w": {"task_id": "w", "upstream": [], "downstream": ["t"]},
        "t": {"task_id": "t", "upstream": ["s", "w"], "downstream": [], "is_teardown": True,
              "trigger_rule": "all_done_setup_success", "teardown_scope": ["m"]},
        "m": {"task_id": "m", "upstream": [], "downstream": []},
    }
    ti = _ti(success={"s", "m#0"}, failed={"w", "m#1"})
    ti.upstream_lengths = {"m": 3}
    assert tally_of(tasks, tasks["t"], ti) == Tally(
        2, success=1, failed=1, setups=1, setup_success=1, scope=3, scope_done=2)
    work = {"task_id": "x", "upstream": ["w"], "downstream": [], "trigger_rule": "all_success",
            "indirect_setups": ["s"]}
    assert tally_of(tasks, work, _ti(success={"w"}, upstream_failed={"s"})) == Tally(
        1, success=1, indirect_setups=1, indirect_failed=1)


# -- serialized: what the engine is told, and only where it applies ----------------------
def _work_fails_dag() -> DAG:
    with DAG("scope", schedule=None) as dag:
        s = EmptyOperator(task_id="setup").as_setup()
        fails, slow, after = (EmptyOperator(task_id=t) for t in ("fails", "slow", "after"))
        t = EmptyOperator(task_id="teardown").as_teardown(setups=s)
        s >> [fails, slow] >> after >> t
        t >> EmptyOperator(task_id="cleanup_done")
    return dag


def test_serialized_scope_notifies_and_run_leaves() -> None:
    tasks = serialized_tasks(_work_fails_dag())
    assert tasks["setup"]["is_setup"] is True and "is_teardown" not in tasks["setup"]
    assert tasks["teardown"]["teardown_scope"] == ["fails", "slow"]
    assert tasks["after"]["indirect_setups"] == ["setup"]
    assert notified(tasks["fails"]) == ["after", "teardown"]
    assert notified(tasks["setup"]) == ["fails", "slow", "teardown", "after"]
    # Airflow's is_effective_leaf: all that follows `after` is an ignorable teardown, so it
    # counts (though a work task follows the teardown); the teardown itself never does.
    assert {t: counts_for_run_state(v) for t, v in tasks.items()} == {
        "setup": False, "fails": False, "slow": False, "after": True, "teardown": False,
        "cleanup_done": True,
    }


def test_run_state_leaves_follow_on_failure_fail_dagrun() -> None:
    with DAG("leaves", schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        w = EmptyOperator(task_id="w")
        ignored = EmptyOperator(task_id="ignored").as_teardown(setups=s)
        counted = EmptyOperator(task_id="counted").as_teardown(setups=s, on_failure_fail_dagrun=True)
        s >> w >> [ignored, counted]
    tasks = serialized_tasks(dag)
    assert {t: counts_for_run_state(v) for t, v in tasks.items()} == {
        "s": False, "w": False, "ignored": False, "counted": True}
    with DAG("only_teardowns", schedule=None) as dag:
        EmptyOperator(task_id="a").as_teardown() >> EmptyOperator(task_id="b").as_teardown()
    assert {t: counts_for_run_state(v) for t, v in serialized_tasks(dag).items()} == {"a": False, "b": True}


def test_a_dag_without_setups_serializes_as_before() -> None:
    with DAG("plain", schedule=None) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    keys = {k for t in serialize_dag(dag, "dags/x.py")["tasks"] for k in t}
    assert not keys & {"is_setup", "is_teardown", "on_failure_fail_dagrun", "indirect_setups",
                       "teardown_scope", "notifies", "dagrun_leaf"}


# -- clearing: Airflow's partial_subset brings setups and teardowns ------------------------
def _example_dag() -> dict[str, Any]:
    with DAG("example_setup_teardown", schedule=None) as dag:
        root_setup = EmptyOperator(task_id="root_setup").as_setup()
        root_normal = EmptyOperator(task_id="normal")
        root_teardown = EmptyOperator(task_id="root_teardown").as_teardown(setups=root_setup)
        root_setup >> root_normal >> root_teardown
        with TaskGroup("section_1") as section_1:
            inner_setup = EmptyOperator(task_id="taskgroup_setup").as_setup()
            inner_normal = EmptyOperator(task_id="normal")
            inner_teardown = EmptyOperator(task_id="taskgroup_teardown").as_teardown(setups=inner_setup)
            inner_setup >> inner_normal >> inner_teardown
        root_normal >> section_1
    return serialize_dag(dag, "dags/x.py")


@pytest.mark.parametrize(
    "task_id, upstream, downstream, expected",
    [  # Airflow 3.3.2's dag.partial_subset(...).task_ids for example_setup_teardown
        ("normal", False, False, ["normal", "root_setup", "root_teardown"]),
        ("root_setup", False, False, ["root_setup", "root_teardown"]),
        ("root_teardown", False, False, ["root_teardown"]),
        ("section_1.normal", True, False, ["normal", "root_setup", "root_teardown", "section_1.normal",
                                           "section_1.taskgroup_setup", "section_1.taskgroup_teardown"]),
        ("normal", False, True, ["normal", "root_setup", "root_teardown", "section_1.normal",
                                 "section_1.taskgroup_setup", "section_1.taskgroup_teardown"]),
    ],
)
def test_clearing_brings_setups_and_teardowns(task_id: str, upstream: bool, downstream: bool,
                                              expected: list[str]) -> None:
    chosen = select_tasks(_example_dag(), [task_id], include_upstream=upstream, include_downstream=downstream,
                          setups_teardowns=True)
    assert sorted(chosen) == expected
    # Marking a state (Airflow's set_state) finds relatives only.
    assert select_tasks(_example_dag(), ["normal"]) == {"normal"}


# -- `updraft tasks failed-deps`: the same counts, Airflow's words ---------------------------
def test_failed_deps_explain_setups_scope_and_all_done_setup_success() -> None:
    from updraft.cli.task_deps import trigger_rule_reason

    tasks = serialized_tasks(_work_fails_dag())
    teardown, after = tasks["teardown"], tasks["after"]
    waiting = trigger_rule_reason(teardown, _ti(success={"setup", "fails"}, upstream_failed={"after"}), tasks)
    assert waiting == ("Task's trigger rule 'all_done_setup_success' requires all tasks between setup and "
                       "teardown to have completed, but found 1 in-scope task(s) not done. "
                       "in_scope_task_ids={'fails', 'slow'}")
    no_setup = trigger_rule_reason(teardown, _ti(failed={"setup"}, upstream_failed={"after"}), tasks)
    assert no_setup is not None and no_setup.startswith(
        "Task's trigger rule 'all_done_setup_success' requires at least one upstream setup task be successful, "
        "but found 1 task(s) that were not.")
    assert trigger_rule_reason(after, _ti(success={"fails", "slow"}), tasks) == (
        "All setup tasks must complete successfully. Relevant setups: ['setup']: upstream_states={'success': 2, "
        "'skipped': 0, 'failed': 0, 'upstream_failed': 0, 'removed': 0, 'done': 2}, "
        "upstream_task_ids=['fails', 'slow']")
    assert trigger_rule_reason(after, _ti(success={"fails", "slow", "setup"}), tasks) is None

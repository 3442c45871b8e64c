"""Branching and short-circuiting as in Airflow: what the operators decide, checked by calling
`execute` with a task instance that records what it was told."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from updraft import DAG, TaskGroup, task
from updraft.authoring.xcomarg import XComArg
from updraft.exceptions import AirflowException
from updraft.operators import BranchPythonOperator, EmptyOperator, ShortCircuitOperator

if TYPE_CHECKING:
    from collections.abc import Mapping


class RecordingTI:
    """Stands in for the engine's task instance: records follow_only / skip_all_downstream."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def follow_only(self, task_ids: Any) -> None:
        self.calls.append(("follow_only", sorted(task_ids)))

    def skip_all_downstream(self, *, ignore_downstream_trigger_rules: bool = True) -> None:
        self.calls.append(("skip_all_downstream", ignore_downstream_trigger_rules))


def run(operator: Any) -> tuple[Any, list[tuple[str, Any]]]:
    ti = RecordingTI()
    result = operator.execute({"ti": ti, "task_instance": ti, "task": operator, "params": {}})
    return result, ti.calls


def branching(returns: Any) -> tuple[DAG, BranchPythonOperator]:
    """branch >> [a, b, g (x >> y)], join after a and b; a >> c."""
    with DAG("branching", schedule=None) as d:
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: returns)
        a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
        with TaskGroup("g") as g:
            EmptyOperator(task_id="x") >> EmptyOperator(task_id="y")
        c = EmptyOperator(task_id="c")
        branch >> [a, b, g]
        a >> c
    return d, branch


# -- BranchPythonOperator ------------------------------------------------------------------


@pytest.mark.parametrize(
    "returns, follow",
    [
        pytest.param("a", ["a"], id="one-task"),
        pytest.param(["a", "b"], ["a", "b"], id="list"),
        pytest.param(("b",), ["b"], id="tuple"),
        pytest.param(None, [], id="none-skips-all"),
        pytest.param("g", ["g.x"], id="group-means-its-roots"),
        pytest.param(["g", "b"], ["b", "g.x"], id="group-and-task"),
        pytest.param("g.x", ["g.x"], id="task-in-group"),
        # As in Airflow: an existing task that is not directly downstream is no error, but
        # it opens no path: the direct downstream tasks before it are skipped too.
        pytest.param("c", [], id="further-downstream"),
        pytest.param("g.y", [], id="not-a-root-of-the-group"),
    ],
)
def test_branch_follows_what_the_callable_returns(returns: Any, follow: list[str]) -> None:
    _, branch = branching(returns)
    result, calls = run(branch)
    assert calls == [("follow_only", follow)]
    assert result == returns


def test_the_join_after_an_empty_branch_is_followed() -> None:
    with DAG("join", schedule=None):
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "work")
        work = EmptyOperator(task_id="work")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        branch >> [work, join]
        work >> join
    _, calls = run(branch)
    assert calls == [("follow_only", ["join", "work"])]


def test_a_branch_inside_a_group_may_name_its_siblings_without_the_prefix() -> None:
    with DAG("relative", schedule=None) as d:
        EmptyOperator(task_id="left")  # outside the group: "left" alone means this one
        with TaskGroup("g"):
            branch = BranchPythonOperator(task_id="branch", python_callable=lambda: ["right", "left"])
            right, left = EmptyOperator(task_id="right"), EmptyOperator(task_id="left")
            branch >> [right, left]
    assert d.task_ids == ["left", "g.branch", "g.right", "g.left"]
    _, calls = run(branch)
    assert calls == [("follow_only", ["g.right"])]


@pytest.mark.parametrize(
    "returns, message",
    [
        pytest.param(
            "nope",
            "'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {'nope'}.",
            id="unknown-id",
        ),
        pytest.param(
            ["a", 5],
            "Unable to branch to the specified tasks. The branching function returned invalid "
            "'branch_task_ids': {(5, 'int')}. Please check that your function returns an Iterable "
            "of valid task IDs that exist in your DAG.",
            id="not-a-string",
        ),
        pytest.param(
            7,
            "Unable to branch to the specified tasks. The branching function returned invalid "
            "'branch_task_ids': {(7, 'int')}. Please check that your function returns an Iterable "
            "of valid task IDs that exist in your DAG.",
            id="a-number",
        ),
    ],
)
def test_invalid_branch_results_fail_the_task(returns: Any, message: str) -> None:
    _, branch = branching(returns)
    with pytest.raises(AirflowException) as err:
        run(branch)
    assert str(err.value) == message


def test_a_branch_with_nothing_downstream_skips_nothing() -> None:
    with DAG("alone", schedule=None):
        branch = BranchPythonOperator(task_id="branch", python_callable=lambda: None)
    assert run(branch) == (None, [])


def test_the_branch_callable_gets_context_and_op_kwargs() -> None:
    def choose(ti: Any, which: str) -> str:
        assert isinstance(ti, RecordingTI)
        return which

    with DAG("kwargs", schedule=None):
        branch = BranchPythonOperator(task_id="branch", python_callable=choose, op_kwargs={"which": "b"})
        branch >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    assert run(branch) == ("b", [("follow_only", ["b"])])


# -- ShortCircuitOperator ------------------------------------------------------------------


def short_circuit(value: Any, **kwargs: Any) -> ShortCircuitOperator:
    with DAG("short", schedule=None):
        check = ShortCircuitOperator(task_id="check", python_callable=lambda: value, **kwargs)
        check >> EmptyOperator(task_id="next") >> EmptyOperator(task_id="after")
    return check


@pytest.mark.parametrize("value", [True, 1, "yes", [0]])
def test_a_truthy_result_lets_the_pipeline_go_on(value: Any) -> None:
    assert run(short_circuit(value)) == (value, [])


@pytest.mark.parametrize("value", [False, 0, "", [], None])
def test_a_falsy_result_skips_everything_downstream(value: Any) -> None:
    assert run(short_circuit(value)) == (value, [("skip_all_downstream", True)])


def test_short_circuit_may_respect_downstream_trigger_rules() -> None:
    check = short_circuit(False, ignore_downstream_trigger_rules=False)
    assert run(check) == (False, [("skip_all_downstream", False)])


def test_short_circuit_with_nothing_downstream_skips_nothing() -> None:
    with DAG("short_alone", schedule=None):
        check = ShortCircuitOperator(task_id="check", python_callable=lambda: False)
    assert run(check) == (False, [])


def test_ignore_downstream_trigger_rules_comes_from_default_args() -> None:
    with DAG("short_defaults", schedule=None, default_args={"ignore_downstream_trigger_rules": False}):
        check = ShortCircuitOperator(task_id="check", python_callable=lambda: True)
    assert check.ignore_downstream_trigger_rules is False


# -- @task.branch and @task.short_circuit --------------------------------------------------


def test_task_branch_decorator() -> None:
    @task.branch
    def choose(n: int) -> str:
        return "small" if n < 10 else "large"

    @task
    def number() -> int:
        return 3

    with DAG("decorated_branch", schedule=None) as d:
        chosen = choose(number())
        chosen >> [EmptyOperator(task_id="small"), EmptyOperator(task_id="large")]
    assert isinstance(chosen, XComArg)
    operator = d.get_task("choose")
    assert isinstance(operator, BranchPythonOperator)
    assert operator.custom_operator_name == "@task.branch"
    assert operator.upstream_task_ids == {"number"}
    operator.op_args = [3]  # what the worker resolves from the XComArg
    assert run(operator) == ("small", [("follow_only", ["small"])])


def test_task_branch_with_arguments_and_in_a_group() -> None:
    @task.branch(task_id="pick")
    def choose() -> list[str]:
        return ["two"]

    with DAG("decorated_branch_group", schedule=None) as d:
        with TaskGroup("g"):
            choose() >> [EmptyOperator(task_id="one"), EmptyOperator(task_id="two")]
    assert d.task_ids == ["g.pick", "g.one", "g.two"]
    assert run(d.get_task("g.pick")) == (["two"], [("follow_only", ["g.two"])])


def test_task_short_circuit_decorator() -> None:
    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def has_data() -> bool:
        return False

    with DAG("decorated_short", schedule=None) as d:
        has_data() >> EmptyOperator(task_id="load")
    operator = d.get_task("has_data")
    assert isinstance(operator, ShortCircuitOperator)
    assert operator.custom_operator_name == "@task.short_circuit"
    assert run(operator) == (False, [("skip_all_downstream", False)])


# -- multiple_outputs from the return annotation --------------------------------------------


def returns_dict() -> dict[str, int]:
    return {"a": 1}


def returns_mapping() -> Mapping[str, int]:  # only imported for type checking
    return {"a": 1}


def returns_int() -> int:
    return 1


def no_annotation():  # type: ignore[no-untyped-def]
    return {"a": 1}


@pytest.mark.parametrize(
    "function, options, expected",
    [
        pytest.param(returns_dict, {}, True, id="dict"),
        pytest.param(returns_int, {}, False, id="int"),
        pytest.param(no_annotation, {}, False, id="no-annotation"),
        pytest.param(returns_mapping, {}, False, id="unresolvable-annotation"),
        pytest.param(returns_dict, {"multiple_outputs": False}, False, id="given-false-wins"),
        pytest.param(returns_int, {"multiple_outputs": True}, True, id="given-true-wins"),
    ],
)
def test_multiple_outputs_is_inferred_from_a_mapping_return_annotation(
    function: Any, options: Mapping[str, Any], expected: bool
) -> None:
    with DAG("outputs", schedule=None) as d:
        task(function, **options)()
        task.branch(function, **options)()
    assert [t.multiple_outputs for t in d.tasks] == [expected, expected]

"""DAGs are checked when they are defined, with errors that name the DAG, the tasks and the file."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from updraft import DAG, chain, cross_downstream, dag, task
from updraft.exceptions import AirflowDagCycleException, AirflowException, DuplicateTaskIdFound
from updraft.operators import BashOperator, EmptyOperator, PythonOperator

HERE = __file__


def test_cycle_is_refused_when_the_dag_block_closes() -> None:
    with pytest.raises(AirflowDagCycleException) as err:
        with DAG("cyclic", schedule=None):
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            c = EmptyOperator(task_id="c")
            a >> b >> c >> a
    assert str(err.value) == f"Cycle detected in DAG 'cyclic' ({HERE}): a >> b >> c >> a. Faulty task: a"


def test_duplicate_task_id_names_the_dag_and_file() -> None:
    with pytest.raises(DuplicateTaskIdFound) as err:
        with DAG("dups", schedule=None):
            EmptyOperator(task_id="same")
            EmptyOperator(task_id="same")
    assert str(err.value) == f"Task id 'same' has already been added to the DAG 'dups' in {HERE}"


@pytest.mark.parametrize(
    "bad_id, message",
    [
        pytest.param("has space", "The key 'has space' has to be made of alphanumeric characters, dashes, "
                     "dots and underscores exclusively", id="space"),
        pytest.param("x" * 251, f"The key: {'x' * 251} has to be less than 250 characters", id="too-long"),
    ],
)
def test_invalid_ids_are_refused(bad_id: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        DAG(bad_id, schedule=None)
    assert str(err.value) == f"{message} (DAG id in {HERE})"
    with pytest.raises(ValueError) as err:
        with DAG("fine", schedule=None):
            EmptyOperator(task_id=bad_id)
    assert str(err.value) == f"{message} (in DAG 'fine', {HERE})"


def test_unknown_trigger_rule_names_dag_and_task() -> None:
    with pytest.raises(AirflowException) as err:
        with DAG("rules", schedule=None):
            EmptyOperator(task_id="t", trigger_rule="whenever")
    assert str(err.value).endswith(f"'rules.t'; received 'whenever'. (in DAG 'rules', {HERE})")


def test_bad_cron_string_is_refused_at_definition() -> None:
    with pytest.raises(AirflowException) as err:
        DAG("cron", schedule="0 25 * * *", start_date=datetime(2024, 1, 1))
    assert str(err.value).startswith(f"DAG 'cron' in {HERE}: ")


def test_dependencies_with_lists_on_either_side() -> None:
    with DAG("deps", schedule=None) as d:
        a, b, c, e = (EmptyOperator(task_id=n) for n in "abce")
        [a, b] >> c
        e << c
    assert d.task_dict["c"].upstream_task_ids == {"a", "b"}
    assert d.task_dict["e"].upstream_task_ids == {"c"}
    assert [t.task_id for t in d.roots] == ["a", "b"]
    assert [t.task_id for t in d.leaves] == ["e"]


def test_chain_and_cross_downstream() -> None:
    with DAG("chained", schedule=None) as d:
        a, b, c, x, y = (EmptyOperator(task_id=n) for n in "abcxy")
        chain(a, [b, c], x)
        cross_downstream([b, c], [y])
    assert d.task_dict["x"].upstream_task_ids == {"b", "c"}
    assert d.task_dict["y"].upstream_task_ids == {"b", "c"}


def test_default_args_apply_where_the_operator_accepts_them() -> None:
    with DAG("defaults", schedule=None,
             default_args={"retries": 3, "retry_delay": timedelta(seconds=7), "owner": "ana",
                           "bash_command": "ignored"}):
        explicit = EmptyOperator(task_id="explicit", retries=1)
        implicit = BashOperator(task_id="implicit", bash_command="echo hi")
    assert (explicit.retries, explicit.owner) == (1, "ana")
    assert (implicit.retries, implicit.retry_delay, implicit.bash_command) == (3, timedelta(seconds=7), "echo hi")


def test_taskflow_arguments_make_dependencies_and_unique_ids() -> None:
    @dag(schedule=None, start_date=datetime(2024, 1, 1))
    def flow():
        @task
        def make() -> int:
            return 1

        @task
        def use(x: int) -> int:
            return x

        use(make())
        use(make())

    d = flow()
    assert d.dag_id == "flow"
    assert sorted(d.task_ids) == ["make", "make__1", "use", "use__1"]
    assert d.task_dict["use__1"].upstream_task_ids == {"make__1"}


def test_python_operator_requires_a_callable() -> None:
    with pytest.raises(TypeError, match="`python_callable` param must be callable"):
        with DAG("py", schedule=None):
            PythonOperator(task_id="p", python_callable="not callable")  # type: ignore[arg-type]

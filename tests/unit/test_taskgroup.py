"""Task groups as in Airflow: the same ids, the same edges into, out of and between groups,
the same errors."""

from __future__ import annotations

from typing import Any

import pytest

from updraft import DAG, TaskGroup, chain, task, task_group
from updraft.authoring.serialization import serialize_dag
from updraft.exceptions import DuplicateTaskIdFound
from updraft.operators import EmptyOperator

HERE = __file__


def edges(dag: DAG) -> set[tuple[str, str]]:
    return {(up, t.task_id) for t in dag.tasks for up in t.upstream_task_ids}


# -- ids -----------------------------------------------------------------------------------


def test_tasks_in_a_group_get_the_group_id_as_prefix() -> None:
    with DAG("ids", schedule=None) as d:
        EmptyOperator(task_id="start")
        with TaskGroup("outer") as outer:
            EmptyOperator(task_id="a")
            with TaskGroup("inner") as inner:
                EmptyOperator(task_id="b")
    assert d.task_ids == ["start", "outer.a", "outer.inner.b"]
    assert (outer.group_id, inner.group_id, inner.label) == ("outer", "outer.inner", "inner")


def test_prefix_group_id_false_leaves_child_ids_alone() -> None:
    with DAG("noprefix", schedule=None) as d:
        with TaskGroup("outer", prefix_group_id=False):
            EmptyOperator(task_id="a")
            with TaskGroup("inner") as inner:
                EmptyOperator(task_id="b")
    assert d.task_ids == ["a", "inner.b"]
    assert inner.group_id == "inner"


def test_every_task_knows_its_group_and_top_level_tasks_are_in_the_root_group() -> None:
    with DAG("membership", schedule=None) as d:
        top = EmptyOperator(task_id="top")
        with TaskGroup("g") as g:
            inside = EmptyOperator(task_id="inside")
    assert top.task_group is d.task_group
    assert d.task_group.is_root and d.task_group.group_id is None
    assert inside.task_group is g and g.parent_group is d.task_group
    assert list(d.task_group.children) == ["top", "g"]
    assert d.task_group_dict == {"g": g}


def test_a_group_made_with_dag_outside_the_with_block() -> None:
    d = DAG("explicit", schedule=None)
    g = TaskGroup("g", dag=d)
    t = EmptyOperator(task_id="t", dag=d, task_group=g)
    assert t.task_id == "g.t"
    assert d.task_group.get_child_by_label("g") is g
    assert g.get_child_by_label("t") is t


def test_taskflow_tasks_in_a_group_and_called_twice() -> None:
    @task
    def step() -> int:
        return 1

    with DAG("taskflow", schedule=None) as d:
        step()
        with TaskGroup("g"):
            step()
            step()
        with TaskGroup("flat", prefix_group_id=False):
            step()
    assert d.task_ids == ["step", "g.step", "g.step__1", "step__1"]


# -- dependencies --------------------------------------------------------------------------


def test_edges_into_a_group_reach_its_roots_and_edges_out_leave_from_its_leaves() -> None:
    with DAG("around", schedule=None) as d:
        start = EmptyOperator(task_id="start")
        with TaskGroup("g") as g:
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            c = EmptyOperator(task_id="c")
            a >> [b, c]
        end = EmptyOperator(task_id="end")
        start >> g >> end
    assert [t.task_id for t in g.roots] == ["g.a"]
    assert [t.task_id for t in g.leaves] == ["g.b", "g.c"]
    assert edges(d) == {
        ("start", "g.a"), ("g.a", "g.b"), ("g.a", "g.c"), ("g.b", "end"), ("g.c", "end"),
    }
    assert (g.upstream_task_ids, g.downstream_task_ids) == ({"start"}, {"end"})


def test_edges_between_groups_join_leaves_to_roots() -> None:
    with DAG("between", schedule=None) as d:
        with TaskGroup("g1") as g1:
            EmptyOperator(task_id="x") >> EmptyOperator(task_id="y")
        with TaskGroup("g2") as g2:
            EmptyOperator(task_id="p")
            EmptyOperator(task_id="q")
        g1 >> g2
    assert edges(d) == {("g1.x", "g1.y"), ("g1.y", "g2.p"), ("g1.y", "g2.q")}
    assert g2.upstream_group_ids == {"g1"} and g1.downstream_group_ids == {"g2"}


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(lambda s, g, e: s >> g >> e, id="rshift"),
        pytest.param(lambda s, g, e: e << g << s, id="lshift"),
        pytest.param(lambda s, g, e: (g.set_upstream(s), g.set_downstream(e)), id="set-on-group"),
        pytest.param(lambda s, g, e: (s.set_downstream(g), e.set_upstream(g)), id="set-on-tasks"),
        pytest.param(lambda s, g, e: ([s] >> g, [g] >> e), id="lists"),
        pytest.param(lambda s, g, e: chain(s, g, e), id="chain"),
    ],
)
def test_every_way_of_writing_an_edge_gives_the_same_dependencies(wire: Any) -> None:
    with DAG("ways", schedule=None) as d:
        start = EmptyOperator(task_id="start")
        with TaskGroup("g") as g:
            EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
        end = EmptyOperator(task_id="end")
        wire(start, g, end)
    assert edges(d) == {("start", "g.a"), ("g.a", "g.b"), ("g.b", "end")}


def test_lists_mixing_groups_and_tasks() -> None:
    with DAG("mixed", schedule=None) as d:
        start = EmptyOperator(task_id="start")
        with TaskGroup("g") as g:
            EmptyOperator(task_id="a")
        solo = EmptyOperator(task_id="solo")
        end = EmptyOperator(task_id="end")
        start >> [g, solo] >> end
    assert edges(d) == {("start", "g.a"), ("start", "solo"), ("g.a", "end"), ("solo", "end")}


def test_chain_pairs_groups_in_lists() -> None:
    with DAG("chained", schedule=None) as d:
        groups = []
        for name in ("g1", "g2"):
            with TaskGroup(name) as g:
                EmptyOperator(task_id="x") >> EmptyOperator(task_id="y")
            groups.append(g)
        ends = [EmptyOperator(task_id="e1"), EmptyOperator(task_id="e2")]
        chain(groups, ends)
    assert {("g1.y", "e1"), ("g2.y", "e2")} <= edges(d)
    assert ("g1.x", "e1") not in edges(d)


def test_edges_into_a_nested_group_inside_its_parent() -> None:
    with DAG("nested", schedule=None) as d:
        with TaskGroup("outer") as outer:
            first = EmptyOperator(task_id="first")
            with TaskGroup("inner") as inner:
                EmptyOperator(task_id="one")
                EmptyOperator(task_id="two")
            first >> inner
        end = EmptyOperator(task_id="end")
        outer >> end
    assert edges(d) == {
        ("outer.first", "outer.inner.one"), ("outer.first", "outer.inner.two"),
        ("outer.inner.one", "end"), ("outer.inner.two", "end"),
    }
    assert [t.task_id for t in outer.roots] == ["outer.first"]


def test_an_empty_group_passes_its_upstream_on() -> None:
    with DAG("empty", schedule=None) as d:
        a = EmptyOperator(task_id="a")
        with TaskGroup("nothing") as nothing:
            pass
        b = EmptyOperator(task_id="b")
        a >> nothing >> b
    assert edges(d) == {("a", "b")}


def test_xcomarg_into_a_group() -> None:
    @task
    def make() -> int:
        return 1

    with DAG("xcom", schedule=None) as d:
        with TaskGroup("g") as g:
            EmptyOperator(task_id="a")
        make() >> g
    assert edges(d) == {("make", "g.a")}


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, message",
    [
        pytest.param(
            lambda: (TaskGroup("g"), TaskGroup("g")),
            "group_id 'g' has already been added to the DAG",
            id="two-groups",
        ),
        pytest.param(
            lambda: (EmptyOperator(task_id="x"), TaskGroup("x")),
            "group_id 'x' has already been added to the DAG",
            id="group-after-task",
        ),
        pytest.param(
            lambda: (TaskGroup("x"), EmptyOperator(task_id="x")),
            f"Task id 'x' has already been added to the DAG 'dups' in {HERE}",
            id="task-after-group",
        ),
    ],
)
def test_duplicate_ids_are_refused(build: Any, message: str) -> None:
    with pytest.raises(DuplicateTaskIdFound) as err:
        with DAG("dups", schedule=None):
            build()
    assert str(err.value) == message


def test_duplicate_nested_group_names_the_unprefixed_id() -> None:
    with pytest.raises(DuplicateTaskIdFound) as err:
        with DAG("nested_dups", schedule=None):
            with TaskGroup("outer"):
                TaskGroup("inner")
                TaskGroup("inner")
    assert str(err.value) == "group_id 'inner' has already been added to the DAG"


def test_same_label_under_different_parents_is_fine() -> None:
    with DAG("siblings", schedule=None) as d:
        for parent in ("p1", "p2"):
            with TaskGroup(parent):
                with TaskGroup("sub"):
                    EmptyOperator(task_id="t")
    assert d.task_ids == ["p1.sub.t", "p2.sub.t"]


def test_duplicate_task_in_a_group_names_the_full_id() -> None:
    with pytest.raises(DuplicateTaskIdFound) as err:
        with DAG("in_group", schedule=None):
            with TaskGroup("g"):
                EmptyOperator(task_id="t")
                EmptyOperator(task_id="t")
    assert str(err.value) == f"Task id 'g.t' has already been added to the DAG 'in_group' in {HERE}"


@pytest.mark.parametrize(
    "group_id, error, message",
    [
        pytest.param(
            "a.b", ValueError,
            "The key 'a.b' has to be made of alphanumeric characters, dashes, and underscores exclusively",
            id="dot",
        ),
        pytest.param("x" * 201, ValueError, "The key has to be less than 200 characters, not 201", id="long"),
        pytest.param(3, TypeError, "The key has to be a string and is <class 'int'>:3", id="not-str"),
    ],
)
def test_invalid_group_ids_are_refused(group_id: Any, error: type, message: str) -> None:
    with DAG("bad_group", schedule=None):
        with pytest.raises(error) as err:
            TaskGroup(group_id)
    assert str(err.value) == message


def test_a_group_needs_a_dag() -> None:
    with pytest.raises(RuntimeError) as err:
        TaskGroup("lonely")
    assert str(err.value) == "TaskGroup can only be used inside a dag"


def test_tooltip_must_be_a_string() -> None:
    with DAG("tooltip", schedule=None):
        with pytest.raises(TypeError) as err:
            TaskGroup("g", tooltip=3)  # type: ignore[arg-type]
    assert str(err.value) == "'tooltip' must be <class 'str'> (got 3 that is a <class 'int'>)."


# -- default_args --------------------------------------------------------------------------


def test_group_default_args_sit_between_the_dags_and_the_tasks() -> None:
    with DAG("defaults", schedule=None, default_args={"retries": 1, "owner": "dag"}) as d:
        with TaskGroup("outer", default_args={"retries": 2, "queue": "outer"}):
            with TaskGroup("inner", default_args={"owner": "inner"}):
                t = EmptyOperator(task_id="t")
                own = EmptyOperator(task_id="own", retries=5, default_args={"queue": "task"})
        top = EmptyOperator(task_id="top")
    assert (t.retries, t.owner, t.queue) == (2, "inner", "outer")
    assert (own.retries, own.owner, own.queue) == (5, "inner", "task")
    assert (top.retries, top.owner, top.queue) == (1, "dag", None)
    assert d.get_task("outer.inner.t") is t


# -- @task_group ---------------------------------------------------------------------------


def test_task_group_decorator_forms_and_repeated_calls() -> None:
    @task_group
    def bare() -> None:
        """Loads the data."""
        EmptyOperator(task_id="t")

    @task_group()
    def called() -> None:
        EmptyOperator(task_id="t")

    @task_group(group_id="named", tooltip="given")
    def renamed() -> None:
        """Ignored: a tooltip was given."""
        EmptyOperator(task_id="t")

    with DAG("decorated", schedule=None) as d:
        first, second = bare(), bare()
        third = called()
        fourth = renamed()
        fifth = bare.override(group_id="other")()
    assert d.task_ids == ["bare.t", "bare__1.t", "called.t", "named.t", "other.t"]
    assert [g.group_id for g in (first, second, third, fourth, fifth)] == [
        "bare", "bare__1", "called", "named", "other",
    ]
    assert (first.tooltip, fourth.tooltip) == ("Loads the data.", "given")


def test_task_group_returns_the_functions_return_value_when_there_is_one() -> None:
    @task
    def extract() -> int:
        return 1

    @task
    def load(x: int) -> int:
        return x

    @task_group
    def etl() -> Any:
        return load(extract())

    @task_group
    def silent() -> None:
        load(extract())

    with DAG("returns", schedule=None) as d:
        start = EmptyOperator(task_id="start")
        start >> etl() >> EmptyOperator(task_id="after_etl")
        start >> silent() >> EmptyOperator(task_id="after_silent")
    # As in Airflow: edges bind to the returned task, else to the whole group.
    assert edges(d) == {
        ("etl.extract", "etl.load"), ("start", "etl.load"), ("etl.load", "after_etl"),
        ("silent.extract", "silent.load"), ("start", "silent.extract"), ("silent.load", "after_silent"),
    }


def test_nested_task_group_functions() -> None:
    @task_group
    def inner() -> None:
        EmptyOperator(task_id="t")

    @task_group
    def outer() -> None:
        inner()
        inner()

    with DAG("nested_decorated", schedule=None) as d:
        outer()
        outer()
    assert d.task_ids == ["outer.inner.t", "outer.inner__1.t", "outer__1.inner.t", "outer__1.inner__1.t"]


def test_task_group_refuses_unknown_arguments_when_decorating() -> None:
    with pytest.raises(TypeError) as err:

        @task_group(colour="red")
        def painted() -> None:
            pass

    assert str(err.value) == "got an unexpected keyword argument 'colour'"


def test_positional_group_id_is_ignored_as_in_airflow() -> None:
    # Airflow's task_group() takes its options by keyword only: a string given positionally
    # is not the group id, and the group is named after the function.
    @task_group("ignored")  # type: ignore[arg-type]
    def by_name() -> None:
        EmptyOperator(task_id="t")

    with DAG("positional", schedule=None) as d:
        by_name()
    assert d.task_ids == ["by_name.t"]


# -- serialization -------------------------------------------------------------------------


def test_serialized_dag_holds_the_group_tree_and_each_tasks_group() -> None:
    with DAG("serialized", schedule=None) as d:
        EmptyOperator(task_id="start")
        with TaskGroup("outer", tooltip="Outer", ui_color="#abcdef"):
            EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
            with TaskGroup("inner", prefix_group_id=False):
                EmptyOperator(task_id="c")
    body = serialize_dag(d, "dags/serialized.py")
    tree = body["task_group"]
    assert (tree["group_id"], tree["task_ids"]) == (None, ["start"])
    [outer] = tree["groups"]
    assert {k: outer[k] for k in ("group_id", "label", "prefix_group_id", "tooltip", "ui_color")} == {
        "group_id": "outer", "label": "outer", "prefix_group_id": True, "tooltip": "Outer",
        "ui_color": "#abcdef",
    }
    assert (outer["task_ids"], outer["roots"]) == (["outer.a", "outer.b"], ["outer.a", "c"])
    [inner] = outer["groups"]
    # The inner group's own id is prefixed by its parent; it does not prefix its tasks.
    assert (inner["group_id"], inner["prefix_group_id"], inner["task_ids"], inner["groups"]) == (
        "outer.inner", False, ["c"], [],
    )
    assert {t["task_id"]: t["task_group_id"] for t in body["tasks"]} == {
        "start": None, "outer.a": "outer", "outer.b": "outer", "c": "outer.inner",
    }

"""Dynamic task mapping through the real handlers: expansion, per-instance runs, results as
a list downstream, empty expansions, the limit, and duplicate deliveries."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_driver import Driver


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


MAPPING = """
    from datetime import datetime
    from updraft import DAG, task
    from updraft.operators import BashOperator

    with DAG("mapping", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def numbers() -> list:
            return [1, 2, 3]

        @task
        def double(x: int, factor: int, map_index=None) -> int:
            print(f"instance {map_index}: {x} * {factor}")
            return x * factor

        @task
        def total(values) -> int:
            return sum(values)

        @task
        def nothing() -> list:
            return []

        @task
        def after_empty(values):
            return values

        total(double.partial(factor=2).expand(x=numbers()))
        BashOperator.partial(task_id="echo").expand(bash_command=["echo a", "echo b"])
        after_empty(double.override(task_id="empty_map").partial(factor=1).expand(x=nothing()))

        @task
        def pairs(a, b):
            return f"{a}{b}"

        pairs.expand(a=["x", "y"], b=[1, 2, 3])
        pairs.override(task_id="kwargs").expand_kwargs([{"a": "p", "b": 1}, {"a": "q", "b": 2}])
"""


def test_mapped_tasks_expand_run_and_reduce(driver: Driver) -> None:
    assert driver.upload("mapping.py", MAPPING)["result"] == "ok"
    run = driver.trigger("mapping")
    driver.drain(duplicate=True)
    services = driver.services
    tis = {(t.task_id, t.map_index): (str(t.state), t.try_number) for t in services.tis.list("mapping", run.run_id)}
    assert [tis[("double", i)] for i in range(3)] == [("success", 1)] * 3
    assert tis[("double", -1)][0] == "scheduled"  # the decision record of the expansion
    assert services.xcoms.get("mapping", run.run_id, "total", -1, "return_value") == (True, 12)
    assert [services.xcoms.get("mapping", run.run_id, "echo", i, "return_value")[1] for i in (0, 1)] == ["a", "b"]
    assert tis[("empty_map", -1)] == ("skipped", 0)
    assert tis[("after_empty", -1)] == ("skipped", 0)
    cross = [services.xcoms.get("mapping", run.run_id, "pairs", i, "return_value")[1] for i in range(6)]
    assert cross == ["x1", "x2", "x3", "y1", "y2", "y3"]
    assert services.xcoms.get_all_indexes("mapping", run.run_id, "kwargs", "return_value") == ["p1", "q2"]
    final = services.runs.get("mapping", run.run_id)
    assert final.state == "success"
    # nine tasks; a mapped one counts its instances instead of itself (3 + 2 + 6 + 2), an
    # empty expansion counts once, as its skip
    assert final.tis_finished == final.tis_total == 9 + (3 - 1) + (2 - 1) + (6 - 1) + (2 - 1)


TOO_MANY = """
    from datetime import datetime
    from updraft import DAG, task

    with DAG("too_many", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def many() -> list:
            return list(range(2000))

        @task
        def one(x):
            return x

        one.expand(x=many())
"""


def test_expansion_past_the_limit_fails_with_a_clear_error(driver: Driver) -> None:
    driver.upload("too_many.py", TOO_MANY)
    run = driver.trigger("too_many")
    driver.drain()
    ti = driver.services.tis.get("too_many", run.run_id, "one", -1)
    assert str(ti.state) == "failed"
    assert ti.error == (
        "Task 'one' would expand to 2000 mapped instances, more than the limit of 1024 (max_map_length)"
    )
    assert driver.services.runs.get("too_many", run.run_id).state == "failed"

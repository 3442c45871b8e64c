"""Dynamic task mapping: over literals and upstream XComs, partial/expand, expand_kwargs,
cross products, classic operators, an empty expansion, and the reduce step."""

from datetime import datetime

from updraft import DAG, task
from updraft.operators import BashOperator

with DAG("conformance_mapping", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def numbers() -> list:
        return [1, 2, 3]

    @task
    def scale(x: int, factor: int) -> int:
        return x * factor

    @task
    def total(values) -> int:
        return sum(values)

    @task
    def nothing() -> list:
        return []

    @task
    def pair(a: str, b: int) -> str:
        return f"{a}{b}"

    total(scale.partial(factor=10).expand(x=numbers()))
    scale.override(task_id="never").partial(factor=1).expand(x=nothing())
    pair.expand(a=["x", "y"], b=[1, 2])
    pair.override(task_id="by_kwargs").expand_kwargs([{"a": "p", "b": 1}, {"a": "q", "b": 2}])
    BashOperator.partial(task_id="echo").expand(bash_command=["echo one", "echo two"])

EXPECTED = {
    "dag_id": "conformance_mapping",
    "run": "success",
    "states": {
        "numbers": "success", "scale[0]": "success", "scale[1]": "success", "scale[2]": "success",
        "total": "success", "nothing": "success", "never": "skipped",
        "pair[0]": "success", "pair[1]": "success", "pair[2]": "success", "pair[3]": "success",
        "by_kwargs[0]": "success", "by_kwargs[1]": "success",
        "echo[0]": "success", "echo[1]": "success",
    },
    "xcom": {
        "scale[2]": 30, "total": 60, "pair[0]": "x1", "pair[1]": "x2", "pair[2]": "y1",
        "pair[3]": "y2", "by_kwargs[1]": "q2", "echo[1]": "two",
    },
}

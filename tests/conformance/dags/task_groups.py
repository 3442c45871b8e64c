"""Task groups: prefixed ids, nested groups, dependencies into and out of groups,
@task_group, and prefix_group_id=False."""

from datetime import datetime

from updraft import DAG, TaskGroup, task, task_group

from updraft.operators import EmptyOperator

with DAG("conformance_task_groups", schedule=None, start_date=datetime(2024, 1, 1)):
    start = EmptyOperator(task_id="start")
    end = EmptyOperator(task_id="end")
    with TaskGroup("extract") as extract:
        a = EmptyOperator(task_id="a")
        with TaskGroup("inner"):
            EmptyOperator(task_id="c") << a
    with TaskGroup("flat", prefix_group_id=False) as flat:
        EmptyOperator(task_id="unprefixed")

    @task_group
    def process(value: int):
        @task
        def double(x: int) -> int:
            return x * 2

        @task
        def inc(x: int) -> int:
            return x + 1

        return inc(double(value))

    start >> extract >> flat >> end
    end >> process(20)

EXPECTED = {
    "dag_id": "conformance_task_groups",
    "run": "success",
    "states": {
        "start": "success", "extract.a": "success", "extract.inner.c": "success",
        "unprefixed": "success", "end": "success", "process.double": "success",
        "process.inc": "success",
    },
    "xcom": {"process.double": 40, "process.inc": 41},
}

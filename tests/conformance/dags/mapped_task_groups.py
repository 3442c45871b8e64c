"""Mapped task groups: expand over an upstream's XCom with a partial argument, instance by
instance inside the group (one instance fails: only its own downstream instance is
upstream_failed), a task after the group reading every instance, and expand_kwargs."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task, task_group

with DAG("conformance_mapped_task_groups", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def numbers():
        return [1, 2, 3]

    @task_group
    def per_number(num, factor):
        @task
        def scale(n, f):
            if n == 2:
                raise ValueError("two is refused")
            return n * f

        @task
        def plus_one(v):
            return v + 1

        @task(trigger_rule="all_done")
        def always(n):
            return f"done {n}"

        scaled = scale(num, factor)
        result = plus_one(scaled)
        scaled >> always(num)
        return result

    @task(trigger_rule="all_done")
    def collect(values):
        return sorted(v for v in values if v is not None)

    collect(per_number.partial(factor=10).expand(num=numbers()))

    @task_group
    def pairs(a, b):
        @task
        def join(x, y):
            return f"{x}-{y}"

        return join(a, b)

    pairs.expand_kwargs([{"a": "x", "b": 1}, {"a": "y", "b": 2}])

# Recorded with Apache Airflow 3.3.2's dag.test().
EXPECTED = {
    "dag_id": "conformance_mapped_task_groups",
    "run": "success",
    "states": {
        "numbers": "success",
        "per_number.scale[0]": "success", "per_number.scale[1]": "failed", "per_number.scale[2]": "success",
        "per_number.plus_one[0]": "success", "per_number.plus_one[1]": "upstream_failed",
        "per_number.plus_one[2]": "success",
        "per_number.always[0]": "success", "per_number.always[1]": "success", "per_number.always[2]": "success",
        "collect": "success",
        "pairs.join[0]": "success", "pairs.join[1]": "success",
    },
    "tries": {"per_number.scale[1]": 1, "per_number.plus_one[1]": 0, "per_number.always[1]": 1,
              "collect": 1},
    "xcom": {
        "per_number.scale[0]": 10, "per_number.scale[2]": 30,
        "per_number.plus_one[0]": 11, "per_number.plus_one[2]": 31,
        "per_number.always[1]": "done 2",
        "collect": [11, 31],
        "pairs.join[0]": "x-1", "pairs.join[1]": "y-2",
    },
}

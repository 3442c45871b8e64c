"""XComArg.map, .zip and .concat as mapping sources and as plain arguments: lengths come
from the stored XComs, the values are transformed when an instance reads them."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

with DAG("conformance_xcomarg_transforms", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def letters():
        return ["a", "b", "c"]

    @task
    def numbers():
        return [1, 2]

    @task
    def doubled(n):
        return n * 2

    @task
    def show(value):
        return value

    @task
    def total(values):
        return list(values)

    def shout(letter):
        return letter.upper()

    up = letters().map(shout)
    nums = numbers()
    show.override(task_id="mapped")(value=1)
    show.override(task_id="by_map").expand(value=up)
    show.override(task_id="by_zip").expand(value=up.zip(nums))
    show.override(task_id="by_zip_longest").expand(value=nums.zip(up, fillvalue="-"))
    show.override(task_id="by_concat").expand(value=nums.concat(letters.override(task_id="more")()))
    total(doubled.expand(n=nums).map(lambda v: v + 1))
    total.override(task_id="plain_zip")(nums.zip(up))

# Recorded with Apache Airflow 3.3.2's dag.test() (its tuples read here as JSON lists).
EXPECTED = {
    "dag_id": "conformance_xcomarg_transforms",
    "run": "success",
    "states": {
        "letters": "success", "numbers": "success", "more": "success", "mapped": "success",
        "by_map[0]": "success", "by_map[1]": "success", "by_map[2]": "success",
        "by_zip[0]": "success", "by_zip[1]": "success",
        "by_zip_longest[0]": "success", "by_zip_longest[1]": "success", "by_zip_longest[2]": "success",
        "by_concat[0]": "success", "by_concat[1]": "success", "by_concat[2]": "success",
        "by_concat[3]": "success", "by_concat[4]": "success",
        "doubled[0]": "success", "doubled[1]": "success", "total": "success", "plain_zip": "success",
    },
    "xcom": {
        "by_map[0]": "A", "by_map[2]": "C", "by_zip[1]": ["B", 2], "by_zip_longest[2]": ["-", "C"],
        "by_concat[1]": 2, "by_concat[4]": "c", "total": [3, 5], "plain_zip": [[1, "A"], [2, "B"]],
    },
}

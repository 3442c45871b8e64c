"""A task group ending in a teardown: `group >> after` follows the group's work, not its
teardown (Airflow's TaskGroup.get_leaves), so `after` does not wait on the teardown."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task

with DAG("conformance_group_teardown_leaves", schedule=None, start_date=datetime(2024, 1, 1)) as dag:

    @task
    def create():
        return "made"

    @task
    def work():
        raise RuntimeError("the work fails")

    @task
    def delete():
        return "deleted"

    with TaskGroup("g") as g:
        s = create().as_setup()
        w = work()
        t = delete().as_teardown(setups=s)
        s >> w >> t

    @task(trigger_rule="all_done")
    def after():
        return "after"

    g >> after()

# Recorded with Apache Airflow 3.3.2's dag.test() (`after` is downstream of g.work only).
EXPECTED = {
    "dag_id": "conformance_group_teardown_leaves",
    "run": "success",
    "states": {"g.create": "success", "g.work": "failed", "g.delete": "success", "after": "success"},
    "xcom": {"after": "after", "g.delete": "deleted"},
}

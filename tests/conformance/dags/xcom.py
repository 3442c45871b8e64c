"""XCom: return values, keys, xcom_pull's shapes, multiple_outputs and do_xcom_push."""

from datetime import datetime

from updraft import DAG, task
from updraft.operators import BashOperator

with DAG("conformance_xcom", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def push(ti) -> list:
        ti.xcom_push(key="extra", value={"a": 1})
        return [1, 2]

    @task(multiple_outputs=True)
    def multi() -> dict:
        return {"x": 1, "y": "two"}

    hidden = BashOperator(task_id="nopush", bash_command="echo hidden", do_xcom_push=False)

    @task
    def pull(ti) -> dict:
        return {
            "single": ti.xcom_pull(task_ids="push"),
            "listed": ti.xcom_pull(task_ids=["push", "multi"]),
            "key": ti.xcom_pull(task_ids="push", key="extra"),
            "x": ti.xcom_pull(task_ids="multi", key="x"),
            "missing": ti.xcom_pull(task_ids="nopush"),
        }

    [push(), multi(), hidden] >> pull()

EXPECTED = {
    "dag_id": "conformance_xcom",
    "run": "success",
    "states": {"push": "success", "multi": "success", "nopush": "success", "pull": "success"},
    "xcom": {
        "pull": {
            "single": [1, 2],
            "listed": [[1, 2], {"x": 1, "y": "two"}],
            "key": {"a": 1},
            "x": 1,
            "missing": None,
        },
    },
}

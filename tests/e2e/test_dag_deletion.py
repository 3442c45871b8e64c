"""Deleting a DAG's records (`updraft dags delete`): every partition of the DAG, a Query each,
and nothing of another DAG."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.store import keys
from updraft.store.deletion import delete_dag_records
from updraft.store.xcom import MAX_INLINE_BYTES

TWO_DAGS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    for name in ("doomed", "kept"):
        with DAG(name, schedule=None, start_date=datetime(2024, 1, 1)):
            BashOperator(task_id="first", bash_command="echo first") >> BashOperator(task_id="second", bash_command="echo second")
"""


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def _items(services: Any, pk: str) -> list[dict[str, Any]]:
    return list(services.table.query_all(pk, consistent=True))


def test_deleting_a_dag_removes_its_records_and_large_xcoms_only(driver: Driver) -> None:
    services = driver.services
    driver.upload("two.py", TWO_DAGS)
    runs = {dag_id: [driver.trigger(dag_id, "manual__1")] for dag_id in ("doomed", "kept")}
    driver.drain()
    big = runs["doomed"][0]
    services.xcoms.push("doomed", big.run_id, "first", -1, "big", "x" * (MAX_INLINE_BYTES + 1))
    big_key = next(i["s3_key"] for i in _items(services, keys.xcom_pk("doomed", big.run_id)) if i.get("s3_key"))
    assert services.bucket.get(big_key) is not None

    # the run, its logical date, 2 task instances, 2 XComs and the large one; summary and version
    assert delete_dag_records(services.table, services.bucket, "doomed") == 6 + 1 + 2

    assert services.dags.get("doomed", consistent=True) is None
    for pk in (keys.run_pk("doomed"), keys.dag_version_pk("doomed"), keys.logical_date_pk("doomed"),
               *(keys.ti_pk("doomed", r.run_id) for r in runs["doomed"]),
               *(keys.xcom_pk("doomed", r.run_id) for r in runs["doomed"])):
        assert _items(services, pk) == [], pk
    assert services.bucket.get(big_key) is None
    assert services.dags.get("kept", consistent=True) is not None
    assert len(_items(services, keys.run_pk("kept"))) == 1
    assert all(len(_items(services, keys.ti_pk("kept", r.run_id))) == 2 for r in runs["kept"])
    assert delete_dag_records(services.table, services.bucket, "doomed") == 0  # again: nothing left

"""The official `apache-airflow-client` (3.x) against `updraft standalone`, as an Airflow user
would drive an Airflow 3 deployment: log in for a token, list DAGs, unpause, trigger with conf,
follow the run, read task instances and a log, clear a task and see it run again, read XComs,
and keep a variable and a connection whose secrets come back masked."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from tests.e2e.test_standalone import Standalone, running

client = pytest.importorskip("airflow_client.client")

T = TypeVar("T")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    with running(tmp_path_factory.mktemp("client_home")) as node:
        yield node


@pytest.fixture(scope="module")
def api(stack: Standalone) -> Iterator[Any]:
    """An ApiClient logged in as the admin that `updraft standalone` printed, as the client's
    documentation logs in to Airflow 3: POST /auth/token, then a bearer token."""
    printed = re.search(r"Login with username: (\S+)  password: (\S+)", (stack.home / "standalone.log").read_text())
    assert printed, "standalone printed no login"
    status, body = stack.request("POST", "/auth/token", {"username": printed[1], "password": printed[2]})
    assert status == 201, body
    configuration = client.Configuration(host=f"http://127.0.0.1:{stack.port}", access_token=body["access_token"])
    with client.ApiClient(configuration) as api_client:
        yield api_client


def until(fetch: Callable[[], T], done: Callable[[T], bool], what: str, timeout: float = 90) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value}")
        time.sleep(0.5)


def test_without_a_token_the_client_is_refused(stack: Standalone) -> None:
    from airflow_client.client.api.dag_api import DAGApi
    from airflow_client.client.exceptions import UnauthorizedException

    with client.ApiClient(client.Configuration(host=f"http://127.0.0.1:{stack.port}")) as anonymous:
        with pytest.raises(UnauthorizedException):
            DAGApi(anonymous).get_dags()


def test_a_run_from_trigger_to_cleared_task(api: Any) -> None:
    from airflow_client.client.api.dag_api import DAGApi
    from airflow_client.client.api.dag_run_api import DagRunApi
    from airflow_client.client.api.task_instance_api import TaskInstanceApi
    from airflow_client.client.api.x_com_api import XComApi
    from airflow_client.client.models import (
        ClearTaskInstancesBody,
        ClearTaskInstancesBodyTaskIdsInner,
        DAGPatchBody,
        TriggerDAGRunPostBody,
    )

    dags = DAGApi(api).get_dags(tags=["etl"])
    assert [d.dag_id for d in dags.dags] == ["example_etl"]
    assert DAGApi(api).get_dag_details("example_etl").catchup is False

    assert DAGApi(api).patch_dag("example_etl", DAGPatchBody(is_paused=False)).is_paused is False
    run = DagRunApi(api).trigger_dag_run(
        "example_etl", TriggerDAGRunPostBody(logical_date=None, conf={"source": "client"}))
    assert run.conf == {"source": "client"}
    run = until(lambda: DagRunApi(api).get_dag_run("example_etl", run.dag_run_id),
                lambda r: r.state in ("success", "failed"), "the run")
    assert run.state == "success"

    tis = TaskInstanceApi(api).get_task_instances("example_etl", run.dag_run_id)
    assert {ti.task_id: ti.state for ti in tis.task_instances} == {
        "extract": "success", "transform": "success", "load": "success", "report": "success"}
    log = TaskInstanceApi(api).get_log("example_etl", run.dag_run_id, "load", 1)
    assert "loaded" in json.dumps([m.to_dict() if hasattr(m, "to_dict") else str(m) for m in log.content])

    xcoms = XComApi(api).get_xcom_entries("example_etl", run.dag_run_id, "load")
    assert [x.key for x in xcoms.xcom_entries] == ["return_value"]
    loaded = XComApi(api).get_xcom_entry(dag_id="example_etl", dag_run_id=run.dag_run_id, task_id="load",
                                         xcom_key="return_value")
    loaded = loaded.actual_instance  # XComResponseNative (XComResponseString with stringify)
    assert isinstance(loaded.value, int) and loaded.value > 0

    cleared = TaskInstanceApi(api).post_clear_task_instances("example_etl", ClearTaskInstancesBody(
        dag_run_id=run.dag_run_id, task_ids=[ClearTaskInstancesBodyTaskIdsInner("report")], dry_run=False,
        only_failed=False))
    assert [ti.task_id for ti in cleared.task_instances] == ["report"]
    again = until(lambda: TaskInstanceApi(api).get_task_instance("example_etl", run.dag_run_id, "report"),
                  lambda ti: ti.state == "success" and ti.try_number == 2, "the cleared task to run again")
    assert again.try_number == 2
    tries = TaskInstanceApi(api).get_task_instance_tries("example_etl", run.dag_run_id, "report")
    assert [(t.try_number, t.state) for t in tries.task_instances] == [(1, "success"), (2, "success")]
    assert DagRunApi(api).get_dag_run("example_etl", run.dag_run_id).state == "success"


def test_variables_and_connections_come_back_masked(api: Any) -> None:
    from airflow_client.client.api.connection_api import ConnectionApi
    from airflow_client.client.api.variable_api import VariableApi
    from airflow_client.client.models import ConnectionBody, VariableBody

    VariableApi(api).post_variable(VariableBody(key="region", value="eu-west-1", description="where"))
    VariableApi(api).post_variable(VariableBody(key="service_api_key", value="sk-very-secret"))
    assert VariableApi(api).get_variable("region").value == "eu-west-1"
    assert VariableApi(api).get_variable("service_api_key").value == "***"
    listed = {v.key: v.value for v in VariableApi(api).get_variables().variables}
    assert listed == {"region": "eu-west-1", "service_api_key": "***"}

    ConnectionApi(api).post_connection(ConnectionBody(
        connection_id="warehouse", conn_type="postgres", host="db.example.com", login="etl",
        password="s3cr3t-pass", port=5432, extra='{"sslmode": "require"}'))
    conn = ConnectionApi(api).get_connection("warehouse")
    assert (conn.host, conn.login, conn.port, conn.password) == ("db.example.com", "etl", 5432, "***")
    assert json.loads(conn.extra) == {"sslmode": "require"}


def test_health_reports_the_ticking_scheduler(api: Any) -> None:
    from airflow_client.client.api.monitor_api import MonitorApi

    health = until(lambda: MonitorApi(api).get_health(), lambda h: h.scheduler.status == "healthy", "a heartbeat")
    assert health.metadatabase.status == "healthy"
    assert health.scheduler.latest_scheduler_heartbeat is not None

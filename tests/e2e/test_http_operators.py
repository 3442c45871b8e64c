"""HttpOperator, HttpSensor and HttpHook through the real handlers, against an HTTP service
on loopback: the base URL and basic auth from the connection, templated data and headers,
response checks, filters and pages, a 404 that means "not yet", and failures that carry the
status and the body but never the password."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine_driver import Driver
from tests.servers import HttpService, free_port
from updraft.store.bucket import log_key


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def _connection(service: HttpService, **overrides: Any) -> str:
    return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": service.port, "login": service.login,
                       "password": service.password, "extra": {"X-Client": "updraft-tests"}, **overrides})


@pytest.fixture
def api(http_service: HttpService, monkeypatch: pytest.MonkeyPatch) -> HttpService:
    """The service, fresh, with connection `api` in the environment."""
    http_service.requests.clear()
    http_service.ready_calls = 0
    http_service.ready_after = 0
    monkeypatch.setenv("AIRFLOW_CONN_API", _connection(http_service))
    return http_service


def _log(driver: Driver, dag_id: str, run_id: str, task_id: str) -> str:
    body = driver.services.bucket.get(log_key(dag_id, run_id, task_id, -1, 1))
    assert body is not None, f"no log for {task_id}"
    return body.decode()


def _xcom(driver: Driver, dag_id: str, run_id: str, task_id: str) -> Any:
    found, value = driver.services.xcoms.get(dag_id, run_id, task_id, -1, "return_value")
    assert found, f"no XCom from {task_id}"
    return value


CALLS_DAG = """
    import json
    from datetime import datetime
    from updraft import DAG, task
    from updraft.hooks import HttpHook
    from updraft.operators import HttpOperator
    from updraft.sensors import HttpSensor

    def next_page(response):
        following = response.json()["next"]
        return {"data": {"page": following}} if following else None

    with DAG("http_calls", schedule=None, start_date=datetime(2024, 1, 1), params={"tenant": "acme"}):
        ready = HttpSensor(task_id="ready", http_conn_id="api", endpoint="ready", mode="reschedule",
                           poke_interval=0)
        orders = HttpOperator(task_id="orders", http_conn_id="api", endpoint="orders", method="GET",
                              data={"page": "2", "day": "{{ ds }}"}, log_response=True,
                              response_filter=lambda response: response.json()["items"])
        echo = HttpOperator(
            task_id="echo", http_conn_id="api", endpoint="/echo",
            data=json.dumps({"total": 3}),
            headers={"Content-Type": "application/json", "X-Tenant": "{{ params.tenant }}"},
            response_check=lambda response, ti: response.json()["tenant"] == "acme" and ti.task_id == "echo",
        )
        pages = HttpOperator(task_id="pages", http_conn_id="api", endpoint="orders", method="GET",
                             data={"page": 1}, pagination_function=next_page,
                             response_filter=lambda responses: [i["id"] for r in responses for i in r.json()["items"]])
        last_page = HttpSensor(task_id="last_page", http_conn_id="api", endpoint="orders",
                               request_params={"page": "3"}, poke_interval=0.1,
                               response_check=lambda response: response.json()["next"] is None)

        @task
        def with_the_hook():
            return HttpHook(method="GET", http_conn_id="api").run("orders", data={"page": 3}).json()["page"]

        ready >> [orders, echo, pages, last_page, with_the_hook()]
"""


def test_calls_reach_the_service_with_the_connections_url_auth_and_headers(driver: Driver, api: HttpService) -> None:
    api.ready_after = 2  # /ready answers 404 twice: the sensor waits, then passes
    driver.upload("http_calls.py", CALLS_DAG)
    run = driver.trigger("http_calls")
    driver.drain()

    assert driver.states("http_calls", run.run_id) == {
        task: ("success", 1) for task in ("ready", "orders", "echo", "pages", "last_page", "with_the_hook")
    }
    day = run.logical_date[:10]
    assert _xcom(driver, "http_calls", run.run_id, "orders") == [{"id": 3, "day": day}, {"id": 4, "day": day}]
    assert json.loads(_xcom(driver, "http_calls", run.run_id, "echo")) == {
        "method": "POST", "body": '{"total": 3}', "query": {}, "tenant": "acme",
    }
    assert _xcom(driver, "http_calls", run.run_id, "pages") == [1, 2, 3, 4, 5, 6]
    assert _xcom(driver, "http_calls", run.run_id, "with_the_hook") == 3
    assert api.ready_calls == 3
    ti = driver.services.tis.get("http_calls", run.run_id, "ready")
    assert ti.poke_count >= 2 and ti.try_number == 1  # rescheduled twice, in one try

    echo = next(r for r in api.requests if r["path"] == "/echo")
    assert echo["headers"]["X-Client"] == "updraft-tests"  # the connection extra's header
    assert echo["headers"]["Authorization"].startswith("Basic ")
    orders_log = _log(driver, "http_calls", run.run_id, "orders")
    assert f"Sending 'GET' to url: {api.url}/orders" in orders_log
    assert '"items": [{"id": 3' in orders_log  # log_response
    rendered = {t.task_id: t.rendered_fields for t in driver.services.tis.list("http_calls", run.run_id)}
    assert rendered["echo"]["headers"] == {"Content-Type": "application/json", "X-Tenant": "acme"}
    assert rendered["orders"]["data"] == {"page": "2", "day": day}


FAILING_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import HttpOperator
    from updraft.sensors import HttpSensor

    with DAG("http_failing", schedule=None, start_date=datetime(2024, 1, 1)):
        HttpOperator(task_id="wrong_password", http_conn_id="api_wrong", endpoint="orders", method="GET")
        HttpOperator(task_id="server_error", http_conn_id="api", endpoint="boom", method="GET")
        HttpOperator(task_id="unreachable", http_conn_id="api_nowhere", endpoint="orders", method="GET",
                     extra_options={"timeout": 5})
        HttpOperator(task_id="check_fails", http_conn_id="api", endpoint="orders", method="GET",
                     response_check=lambda response: response.json()["page"] == 2)
        HttpSensor(task_id="sensor_error", http_conn_id="api", endpoint="boom", poke_interval=0.1)
"""


def test_failures_carry_the_status_and_body_and_never_the_password(
    driver: Driver, api: HttpService, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wr0ng-http-passw0rd"
    monkeypatch.setenv("AIRFLOW_CONN_API_WRONG", _connection(api, password=wrong))
    monkeypatch.setenv("AIRFLOW_CONN_API_NOWHERE", _connection(api, port=free_port()))
    driver.upload("http_failing.py", FAILING_DAG)
    run = driver.trigger("http_failing")
    driver.drain()

    assert driver.states("http_failing", run.run_id) == {
        task: ("failed", 1) for task in ("wrong_password", "server_error", "unreachable", "check_fails", "sensor_error")
    }
    errors = {t.task_id: t.error for t in driver.services.tis.list("http_failing", run.run_id)}
    logs = {task: _log(driver, "http_failing", run.run_id, task) for task in errors}
    assert errors["wrong_password"] == "AirflowException: 401:Unauthorized: invalid credentials for updraft-tests"
    assert "HTTP error: Unauthorized" in logs["wrong_password"]
    assert errors["server_error"] == "AirflowException: 500:Internal Server Error: the orders database is on fire"
    assert errors["sensor_error"] == errors["server_error"]  # only a 404 means "not yet"
    assert "Connection refused" in errors["unreachable"] and "Connection refused" in logs["unreachable"]
    assert errors["check_fails"] == "AirflowException: Response check returned False."
    for text in [*logs.values(), *errors.values()]:
        assert wrong not in text and api.password not in text

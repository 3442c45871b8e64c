"""The REST API (/api/v2) as a client sees it: HTTP API 2.0 events in, Airflow 3's JSON out.

Each test runs against moto's in-process AWS with the table, bucket and queue declared as
in template.yaml, and DAG files processed by the real dag processor."""

from __future__ import annotations

import functools
import itertools
import json
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
ETL_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators.bash import BashOperator

    with DAG("etl", schedule="@daily", start_date=datetime(2024, 1, 1), tags=["finance", "daily"],
             description="Nightly load"):
        extract = BashOperator(task_id="extract", bash_command="echo extract", retries=2)
        transform = BashOperator(task_id="transform", bash_command="echo transform")
        load = BashOperator(task_id="load", bash_command="echo load")
        extract >> transform >> load
"""
REPORT_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators.bash import BashOperator

    with DAG("report", schedule=None, start_date=datetime(2024, 1, 1), tags=["marketing"]):
        BashOperator(task_id="send", bash_command="echo send")
"""
BROKEN_DAG = """
    from updraft import DAG
    import a_module_that_does_not_exist
"""
_sequencer = itertools.count(1)


# -- the stack ------------------------------------------------------------------------
def _create_resources(session: Any) -> dict[str, str]:
    """The table, bucket and queue, shaped as template.yaml declares them."""
    ddb = session.client("dynamodb")
    ddb.create_table(
        TableName="updraft-state",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "lsi1sk", "tpk", "tsk")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{
            "IndexName": "by_date",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "lsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        GlobalSecondaryIndexes=[{
            "IndexName": "timers",
            "KeySchema": [{"AttributeName": "tpk", "KeyType": "HASH"},
                          {"AttributeName": "tsk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE",
                           "NonKeyAttributes": ["kind", "state", "try_number", "dag_id", "run_id"]},
        }],
    )
    s3 = session.client("s3")
    s3.create_bucket(Bucket="updraft-dags")
    s3.put_bucket_versioning(Bucket="updraft-dags", VersioningConfiguration={"Status": "Enabled"})
    queue_url = session.client("sqs").create_queue(QueueName="updraft-tasks")["QueueUrl"]
    return {"UPDRAFT_TABLE": "updraft-state", "UPDRAFT_BUCKET": "updraft-dags",
            "UPDRAFT_QUEUE_URL": queue_url}


@pytest.fixture
def svc(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The services the API Lambda makes from its environment, over moto. While it is active,
    `call` sends a token of the user it is asked to act as (an admin by default)."""
    import boto3
    from moto import mock_aws

    from updraft.services import services_from_env

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        for key, value in _create_resources(boto3.session.Session()).items():
            monkeypatch.setenv(key, value)
        services_from_env.cache_clear()
        _stack["services"] = services_from_env()
        yield _stack["services"]
        _stack.clear()
        services_from_env.cache_clear()


def upload(svc: Any, name: str, source: str) -> dict[str, Any]:
    """Put a DAG file under dags/ and hand its S3 event to the dag processor."""
    from updraft.processing.processor import process_s3_event

    key = f"dags/{name}"
    version = svc.bucket.put(key, textwrap.dedent(source))
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": svc.bucket.name},
               "object": {"key": key, "versionId": version, "sequencer": f"{next(_sequencer):018X}"}},
    }
    return process_s3_event(svc, {"Records": [record]}, now=NOW)


@pytest.fixture
def dags(svc: Any) -> Any:
    upload(svc, "etl.py", ETL_DAG)
    upload(svc, "report.py", REPORT_DAG)
    return svc


# -- users and tokens -------------------------------------------------------------------
_stack: dict[str, Any] = {}
PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    """One slow hash for the whole module: every test user shares the password."""
    from updraft.api.passwords import hash_password

    return hash_password(PASSWORD)


def add_user(svc: Any, username: str, role: str) -> None:
    from updraft.store.users import UserExists, UserStore

    try:
        UserStore(svc.table).create(username, role, password_hash(), "2024-06-01T12:00:00+00:00")
    except UserExists:
        pass


def token_for(username: str, role: str | None = None) -> str:
    """A token of `username` (made with that role, as an admin by default, if new)."""
    from updraft.api.tokens import issue

    svc = _stack["services"]
    role = role or (username if username in ROLES else "admin")
    add_user(svc, username, role)
    return issue(svc.jwt_signing_key, username, role, NOW)


ROLES = ("viewer", "user", "op", "admin")


# -- requests -------------------------------------------------------------------------
def call(
    method: str, path: str, query: str = "", body: Any = None, headers: dict[str, str] | None = None,
    services: Any = None, as_user: str | None = "admin", cookies: list[str] | None = None,
) -> tuple[int, Any]:
    """Send one request through the handler's entry point as `as_user` (no token when None,
    or when no stack is up); (status, parsed body)."""
    from updraft.api.app import resolve

    if as_user is not None and "services" in _stack and "authorization" not in {k.lower() for k in headers or {}}:
        headers = {**(headers or {}), "authorization": f"Bearer {token_for(as_user)}"}
    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    event = {
        "version": "2.0",
        "routeKey": "ANY /{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"accept": "application/json", "content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": "request", "routeKey": "ANY /{proxy+}", "stage": "$default",
            "time": "01/Jun/2024:12:00:00 +0000", "timeEpoch": 1717243200000,
        },
        "pathParameters": {"proxy": path.lstrip("/")},
        # API Gateway also gives the query as a map, repeated names' values joined by commas.
        **({"queryStringParameters": _query_map(query)} if query else {}),
        "body": raw_body,
        "isBase64Encoded": False,
        **({"cookies": cookies} if cookies else {}),
    }
    response = resolve(event, None, services=services, clock=lambda: NOW)
    content_type = (response.get("headers") or {}).get("Content-Type", "")
    text = response.get("body") or ""
    is_json = content_type.startswith("application/json") and text
    return response["statusCode"], json.loads(text) if is_json else text


def _query_map(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    joined: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def trigger(dag_id: str = "etl", **body: Any) -> tuple[int, Any]:
    return call("POST", f"/api/v2/dags/{dag_id}/dagRuns", body=body)


# -- monitor ----------------------------------------------------------------------------
def test_health_reports_the_table_as_the_metadatabase(svc: Any) -> None:
    status, body = call("GET", "/api/v2/monitor/health", as_user=None)

    assert status == 200
    assert body["metadatabase"] == {"status": "healthy"}
    assert body["scheduler"] == {"status": "unhealthy", "latest_scheduler_heartbeat": None}  # never ran
    assert body["triggerer"] == {"status": None, "latest_triggerer_heartbeat": None}


@pytest.mark.parametrize(
    ("seconds_ago", "status"),
    [
        pytest.param(5, "healthy", id="this-tick"),
        pytest.param(140, "healthy", id="two-ticks-late"),
        pytest.param(200, "unhealthy", id="stopped"),
    ],
)
def test_health_reports_the_schedulers_last_pass_as_its_heartbeat(svc: Any, seconds_ago: int, status: str) -> None:
    from updraft.scheduling.scheduler import run_pass

    run_pass(svc, NOW - timedelta(seconds=seconds_ago))

    body = call("GET", "/api/v2/monitor/health", as_user=None)[1]

    expected = (NOW - timedelta(seconds=seconds_ago)).isoformat()
    assert body["scheduler"] == {"status": status, "latest_scheduler_heartbeat": expected}


def test_a_table_that_does_not_answer_is_unhealthy_and_fails_requests_with_500(svc: Any) -> None:
    import boto3

    from updraft.services import Services

    missing = Services.from_settings(replace(svc.settings, table="no-such-table"), boto3.session.Session())

    status, body = call("GET", "/api/v2/monitor/health", services=missing)
    assert status == 200
    assert body["metadatabase"] == {"status": "unhealthy"}
    assert call("GET", "/api/v2/dags", services=missing) == (500, {"detail": "Internal Server Error"})


def test_version_is_the_package_version() -> None:
    from updraft import __version__

    assert call("GET", "/api/v2/version") == (200, {"version": __version__, "git_version": None})


def test_unknown_route_is_a_404_with_a_detail() -> None:
    assert call("GET", "/api/v2/nothing/here") == (404, {"detail": "Not Found"})


# -- DAGs -------------------------------------------------------------------------------
def test_list_dags_in_airflow_shape(dags: Any) -> None:
    status, body = call("GET", "/api/v2/dags")

    assert status == 200
    assert body["total_entries"] == 2
    assert [d["dag_id"] for d in body["dags"]] == ["etl", "report"]
    etl = body["dags"][0]
    assert etl["is_paused"] is True  # dags_are_paused_at_creation
    assert etl["is_stale"] is False
    assert etl["fileloc"] == "dags/etl.py"
    assert etl["relative_fileloc"] == "etl.py"
    assert etl["bundle_name"] == "dags-folder"
    assert etl["description"] == "Nightly load"
    assert etl["timetable_summary"] == dags.dags.get("etl")["timetable_summary"]
    assert etl["tags"] == [{"name": "daily", "dag_id": "etl", "dag_display_name": "etl"},
                           {"name": "finance", "dag_id": "etl", "dag_display_name": "etl"}]
    assert etl["owners"] == ["airflow"]
    assert etl["has_import_errors"] is False
    assert etl["last_parsed_time"] == "2024-06-01T12:00:00Z"
    assert etl["next_dagrun_logical_date"] == "2024-06-01T00:00:00Z"  # @daily: a cron trigger


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("dag_id_pattern=et", ["etl"], id="pattern-substring"),
        pytest.param("dag_id_pattern=r_p%25t", ["report"], id="pattern-wildcards"),
        pytest.param("dag_id_pattern=~", ["etl", "report"], id="pattern-tilde-is-all"),
        pytest.param("tags=marketing&tags=daily", ["etl", "report"], id="tags-any"),
        pytest.param("tags=finance&tags=daily&tags_match_mode=all", ["etl"], id="tags-all"),
        pytest.param("paused=false", [], id="paused-false"),
        pytest.param("limit=1&offset=1", ["report"], id="limit-offset"),
        pytest.param("limit=0", [], id="limit-zero"),
        pytest.param("order_by=-dag_id", ["report", "etl"], id="order-by-desc"),
    ],
)
def test_list_dags_filters(dags: Any, query: str, expected: list[str]) -> None:
    status, body = call("GET", "/api/v2/dags", query=query)

    assert status == 200
    assert [d["dag_id"] for d in body["dags"]] == expected


def test_list_dags_rejects_a_bad_limit(dags: Any) -> None:
    status, body = call("GET", "/api/v2/dags", query="limit=many")

    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "limit"]
    assert body["detail"][0]["type"] == "int_parsing"


def test_get_dag(dags: Any) -> None:
    status, body = call("GET", "/api/v2/dags/report")

    assert status == 200
    assert body["dag_id"] == "report"
    assert body["timetable_summary"] is None


def test_unknown_dag_is_a_404_naming_it(dags: Any) -> None:
    status, body = call("GET", "/api/v2/dags/nope")

    assert status == 404
    assert body == {"detail": "The Dag with ID: `nope` was not found"}


def test_unpausing_schedules_the_next_run_and_pausing_removes_it(dags: Any) -> None:
    status, body = call("PATCH", "/api/v2/dags/etl", query="update_mask=is_paused", body={"is_paused": False})

    assert status == 200
    assert body["is_paused"] is False
    assert body["next_dagrun_logical_date"] == "2024-06-01T00:00:00Z"
    assert body["next_dagrun_run_after"] == "2024-06-01T00:00:00Z"
    assert "tpk" in dags.dags.get("etl")  # the scheduler's timer is set

    status, body = call("PATCH", "/api/v2/dags/etl", body={"is_paused": True})

    assert status == 200
    assert body["is_paused"] is True
    stored = dags.dags.get("etl")
    assert stored["is_paused"] is True
    assert "tpk" not in stored


@pytest.mark.parametrize(
    ("query", "body", "status", "detail"),
    [
        pytest.param("update_mask=description", {"is_paused": True}, 400,
                     "Only `is_paused` field can be updated through the REST API", id="mask-other-field"),
        pytest.param("", "{not json", 400, None, id="malformed-json"),
    ],
)
def test_patch_dag_rejects(dags: Any, query: str, body: Any, status: int, detail: str | None) -> None:
    got_status, got = call("PATCH", "/api/v2/dags/etl", query=query, body=body)

    assert got_status == status
    if detail:
        assert got == {"detail": detail}
    else:
        assert "not valid JSON" in got["detail"]


def test_patch_unknown_dag_is_a_404(dags: Any) -> None:
    assert call("PATCH", "/api/v2/dags/nope", body={"is_paused": False}) == (
        404, {"detail": "Dag with id: nope was not found"}
    )


# -- DagRuns ----------------------------------------------------------------------------
def unpause(dag_id: str = "etl") -> None:
    assert call("PATCH", f"/api/v2/dags/{dag_id}", body={"is_paused": False})[0] == 200


def test_trigger_of_a_paused_dag_stays_queued(dags: Any) -> None:
    status, run = trigger(logical_date="2024-05-01T00:00:00Z")

    assert status == 200
    assert run["state"] == "queued"
    assert run["start_date"] is None


def test_trigger_creates_and_starts_a_run(dags: Any) -> None:
    unpause()
    status, run = trigger(logical_date="2024-05-01T00:00:00Z", conf={"day": "2024-05-01"}, note="backfill")

    assert status == 200
    assert run["dag_run_id"] == "manual__2024-06-01T12:00:00+00:00"
    assert run["dag_id"] == "etl"
    assert run["logical_date"] == "2024-05-01T00:00:00Z"
    assert run["data_interval_start"] == "2024-05-01T00:00:00Z"  # a cron trigger's interval is a point
    assert run["data_interval_end"] == "2024-05-01T00:00:00Z"
    assert run["run_after"] == "2024-05-01T00:00:00Z"
    assert run["run_type"] == "manual"
    assert run["triggered_by"] == "rest_api"
    assert run["state"] == "running"
    assert run["conf"] == {"day": "2024-05-01"}
    assert run["note"] == "backfill"
    assert run["queued_at"] == "2024-06-01T12:00:00Z"
    assert run["start_date"] == "2024-06-01T12:00:00Z"


def test_trigger_without_logical_date_has_no_interval(dags: Any) -> None:
    status, run = trigger("report", logical_date=None)

    assert status == 200
    assert run["logical_date"] is None
    assert run["data_interval_start"] is None
    assert run["dag_run_id"].startswith("manual__2024-06-01T12:00:00+00:00_")


def test_trigger_twice_for_one_logical_date_conflicts(dags: Any) -> None:
    assert trigger(logical_date="2024-05-01T00:00:00Z", dag_run_id="first")[0] == 200

    status, body = trigger(logical_date="2024-05-01T00:00:00Z", dag_run_id="second")

    assert status == 409
    assert "already exists" in body["detail"]
    assert "2024-05-01" in body["detail"]


def test_trigger_unknown_dag_is_a_404_naming_it(dags: Any) -> None:
    assert trigger("nope", logical_date=None) == (404, {"detail": "DAG with dag_id: 'nope' not found"})


def test_trigger_with_malformed_json_is_a_400(dags: Any) -> None:
    status, body = call("POST", "/api/v2/dags/etl/dagRuns", body='{"logical_date": ')

    assert status == 400
    assert body["detail"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        pytest.param({"conf": "x"}, ["body", "conf"], "dict_type", id="conf-not-an-object"),
        pytest.param({"logical_date": "yesterday"}, ["body", "logical_date"], "datetime_from_date_parsing",
                     id="logical-date-not-a-date"),
        pytest.param({"logical_date": "2024-05-01T00:00:00"}, ["body", "logical_date"], "timezone_aware",
                     id="logical-date-naive"),
        pytest.param({"colour": "blue"}, ["body", "colour"], "extra_forbidden", id="unknown-field"),
        pytest.param({"data_interval_start": "2024-05-01T00:00:00Z"}, ["body"], "value_error",
                     id="half-an-interval"),
        pytest.param(["not", "an", "object"], ["body"], "model_type", id="not-an-object"),
    ],
)
def test_trigger_with_invalid_fields_is_a_422(dags: Any, body: Any, loc: list[str], kind: str) -> None:
    status, got = call("POST", "/api/v2/dags/etl/dagRuns", body=body)

    assert status == 422
    assert got["detail"][0]["loc"] == loc
    assert got["detail"][0]["type"] == kind


def test_trigger_with_a_bad_run_id_is_a_400(dags: Any) -> None:
    status, body = trigger(logical_date=None, dag_run_id="has spaces/and slashes")

    assert status == 400
    assert "has spaces/and slashes" in body["detail"]


def test_list_and_get_runs_newest_first(dags: Any) -> None:
    for day in ("2024-05-01", "2024-05-03", "2024-05-02"):
        trigger(logical_date=f"{day}T00:00:00Z", dag_run_id=f"run_{day}")

    status, body = call("GET", "/api/v2/dags/etl/dagRuns", query="limit=2")

    assert status == 200
    assert body["total_entries"] == 3
    assert [r["dag_run_id"] for r in body["dag_runs"]] == ["run_2024-05-03", "run_2024-05-02"]
    status, body = call("GET", "/api/v2/dags/etl/dagRuns", query="offset=2&order_by=-run_after")
    assert [r["dag_run_id"] for r in body["dag_runs"]] == ["run_2024-05-01"]
    assert body["total_entries"] == 3

    status, run = call("GET", "/api/v2/dags/etl/dagRuns/run_2024-05-02")
    assert status == 200
    assert run["logical_date"] == "2024-05-02T00:00:00Z"


def test_run_ids_with_plus_signs_resolve_encoded_or_not(dags: Any) -> None:
    run_id = trigger(logical_date="2024-05-01T00:00:00Z")[1]["dag_run_id"]

    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")[0] == 200
    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id.replace('+', '%2B')}")[0] == 200


def test_unknown_run_is_a_404(dags: Any) -> None:
    assert call("GET", "/api/v2/dags/etl/dagRuns/nope") == (
        404, {"detail": "The DagRun with dag_id: `etl` and run_id: `nope` was not found"}
    )
    assert call("GET", "/api/v2/dags/nope/dagRuns")[0] == 404


# -- task instances and logs ------------------------------------------------------------
def test_task_instances_of_a_run_list_every_task(dags: Any) -> None:
    unpause()
    run_id = trigger(logical_date="2024-05-01T00:00:00Z")[1]["dag_run_id"]

    status, body = call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances")

    assert status == 200
    assert body["total_entries"] == 3
    by_task = {ti["task_id"]: ti for ti in body["task_instances"]}
    assert list(by_task) == ["extract", "transform", "load"]
    assert by_task["extract"]["state"] == "queued"  # the root, sent to the workers
    assert by_task["extract"]["try_number"] == 1
    assert by_task["extract"]["max_tries"] == 2
    assert by_task["extract"]["operator"] == "BashOperator"
    assert by_task["extract"]["priority_weight"] == 3
    assert by_task["extract"]["logical_date"] == "2024-05-01T00:00:00Z"
    assert by_task["transform"]["state"] is None  # nothing touched it yet
    assert by_task["load"]["try_number"] == 0
    assert by_task["load"]["dag_run_id"] == run_id

    status, body = call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances", query="state=no_status")
    assert [ti["task_id"] for ti in body["task_instances"]] == ["transform", "load"]


def test_get_one_task_instance(dags: Any) -> None:
    run_id = trigger(logical_date="2024-05-01T00:00:00Z")[1]["dag_run_id"]

    status, ti = call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load")

    assert status == 200
    assert (ti["task_id"], ti["state"], ti["map_index"]) == ("load", None, -1)
    status, body = call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/nope")
    assert status == 404
    assert "`nope`" in body["detail"]


def test_task_log_in_airflow_shape(dags: Any) -> None:
    from updraft.store.bucket import log_key

    unpause()
    run_id = trigger(logical_date="2024-05-01T00:00:00Z")[1]["dag_run_id"]
    key = log_key("etl", run_id, "extract", -1, 1)
    dags.bucket.put(key, "[2024-06-01T12:00:01.500+0000] {bash.py:12} INFO - extract\nplain line\n")
    url = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract/logs/1"

    status, body = call("GET", url)

    assert status == 200
    assert body["continuation_token"] is None
    assert body["content"] == [
        {"event": "::group::Log message source details", "sources": [f"s3://updraft-dags/{key}"]},
        {"event": "::endgroup::"},
        {"timestamp": "2024-06-01T12:00:01.500000Z",
         "event": "[2024-06-01T12:00:01.500+0000] {bash.py:12} INFO - extract"},
        {"timestamp": None, "event": "plain line"},
    ]
    status, text = call("GET", url, headers={"accept": "application/x-ndjson"})
    assert status == 200
    assert [json.loads(line)["event"] for line in text.splitlines()][-1] == "plain line"
    assert call("GET", url.replace("/logs/1", "/logs/2")) == (404, {"detail": "TaskInstance not found"})
    assert call("GET", url.replace("/logs/1", "/logs/0"))[0] == 422


# -- import errors ----------------------------------------------------------------------
def test_import_errors_list_the_broken_file(dags: Any) -> None:
    upload(dags, "broken.py", BROKEN_DAG)

    status, body = call("GET", "/api/v2/importErrors")

    assert status == 200
    assert body["total_entries"] == 1
    error = body["import_errors"][0]
    assert error["filename"] == "dags/broken.py"
    assert error["bundle_name"] == "dags-folder"
    assert isinstance(error["import_error_id"], int)
    assert "a_module_that_does_not_exist" in error["stack_trace"]
    assert error["timestamp"] == "2024-06-01T12:00:00Z"


def test_a_dag_whose_file_breaks_reports_it_and_cannot_be_triggered(dags: Any) -> None:
    upload(dags, "report.py", BROKEN_DAG)

    status, body = call("GET", "/api/v2/dags/report")
    assert status == 200
    assert body["has_import_errors"] is True
    assert call("GET", "/api/v2/dags", query="has_import_errors=true")[1]["total_entries"] == 1

    status, body = trigger("report", logical_date=None)
    assert status == 400
    assert body == {"detail": "DAG with dag_id: 'report' has import errors and cannot be triggered"}


# -- a worker's part, played by the test ----------------------------------------------------
def run_try(svc: Any, run_id: str, task_id: str, state: str, *, dag_id: str = "etl", error: str | None = None,
            rendered: dict[str, Any] | None = None) -> None:
    """Claim the task instance's queued try and end it in `state`, as a worker would."""
    from updraft.models.outcome import Outcome, record
    from updraft.models.states import TaskInstanceState

    ti = svc.tis.get(dag_id, run_id, task_id, consistent=True)
    claimed, _, _ = svc.tis.claim(dag_id, run_id, task_id, -1, ti.try_number, NOW.isoformat(),
                                  {"hostname": "worker-1"})
    assert claimed is not None, f"{task_id} was not queued"
    run = svc.runs.get(dag_id, run_id, consistent=True)
    record(svc, run, svc.serialized_dag(dag_id, run.dag_version), claimed,
           Outcome(TaskInstanceState(state), error=error, rendered_fields=rendered), NOW)


def states(run_id: str, dag_id: str = "etl") -> dict[str, Any]:
    body = call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")[1]
    return {ti["task_id"]: ti["state"] for ti in body["task_instances"]}


def started_run(logical_date: str = "2024-05-01T00:00:00Z", **body: Any) -> str:
    unpause()
    status, run = trigger(logical_date=logical_date, **body)
    assert status == 200, run
    return run["dag_run_id"]


# -- DAG details and deletion -----------------------------------------------------------
def test_dag_details_add_the_versions_schedule_and_settings(dags: Any) -> None:
    status, body = call("GET", "/api/v2/dags/etl/details")

    assert status == 200
    assert body["dag_id"] == "etl"
    assert body["catchup"] is False
    assert body["start_date"] == "2024-01-01T00:00:00Z"
    assert body["timetable_periodic"] is True
    assert body["is_backfillable"] is True
    assert body["concurrency"] == body["max_active_tasks"] == 16
    assert body["active_runs_count"] == 0
    assert body["timezone"] == "UTC"
    assert body["description"] == "Nightly load"
    assert call("GET", "/api/v2/dags/report/details")[1]["timetable_periodic"] is False
    assert call("GET", "/api/v2/dags/nope/details") == (404, {"detail": "Dag with id nope was not found"})


def test_deleting_a_dag_removes_it_and_its_runs(dags: Any) -> None:
    run_id = started_run()

    assert call("DELETE", "/api/v2/dags/etl") == (204, "")

    assert call("GET", "/api/v2/dags/etl")[0] == 404
    assert dags.runs.get("etl", run_id) is None
    assert dags.tis.list("etl", run_id) == []
    assert call("DELETE", "/api/v2/dags/etl") == (404, {"detail": "Dag with id: etl was not found"})


def test_a_dag_with_a_running_task_instance_cannot_be_deleted(dags: Any) -> None:
    run_id = started_run()
    dags.tis.claim("etl", run_id, "extract", -1, 1, NOW.isoformat(), {})

    assert call("DELETE", "/api/v2/dags/etl") == (
        409, {"detail": "Task instances of dag with id: 'etl' are still running"})


# -- DagRuns: state, note, clear, delete ------------------------------------------------
def test_marking_a_run_success_marks_its_task_instances(dags: Any) -> None:
    run_id = started_run()

    status, run = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body={"state": "success"})

    assert status == 200
    assert run["state"] == "success"
    assert run["end_date"] == "2024-06-01T12:00:00Z"
    assert states(run_id) == {"extract": "success", "transform": "success", "load": "success"}
    stored = dags.runs.get("etl", run_id)
    assert (stored.tis_finished, stored.tis_total, stored.leaves_failed) == (3, 3, 0)
    assert dags.dags.get("etl").get("active_runs") == 0  # its place is given back


def test_marking_a_run_failed_fails_running_and_skips_unstarted_task_instances(dags: Any) -> None:
    run_id = started_run()
    dags.tis.claim("etl", run_id, "extract", -1, 1, NOW.isoformat(), {})

    status, run = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body={"state": "failed"})

    assert (status, run["state"]) == (200, "failed")
    assert states(run_id) == {"extract": "failed", "transform": "skipped", "load": "skipped"}
    # the worker of the running try finds its state taken, and records nothing
    claimed = dags.tis.get("etl", run_id, "extract")
    assert not dags.tis.finish("etl", run_id, "extract", -1, claimed.state.__class__("success"),
                               from_state=claimed.state.__class__("running"), try_number=1, fields={},
                               run_counters={"tis_finished": 1})


def test_a_running_run_set_back_to_queued_takes_its_place_again(dags: Any) -> None:
    run_id = started_run()
    run_try(dags, run_id, "extract", "success")

    status, run = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body={"state": "queued"})

    assert status == 200
    assert run["state"] == "running"  # a place was free: it started again at once
    assert run["queued_at"] == "2024-06-01T12:00:00Z"
    assert dags.dags.get("etl").get("active_runs") == 1
    assert states(run_id) == {"extract": "success", "transform": "queued", "load": None}


def test_a_finished_run_set_back_to_queued_ends_again(dags: Any) -> None:
    run_id = started_run()
    call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body={"state": "success"})

    status, run = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body={"state": "queued"})

    assert (status, run["state"]) == (200, "success")  # every task instance had finished
    assert dags.dags.get("etl").get("active_runs") == 0


def test_run_note_and_update_mask(dags: Any) -> None:
    run_id = started_run()

    status, run = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", query="update_mask=note",
                       body={"state": "success", "note": "checked by hand"})

    assert (status, run["note"], run["state"]) == (200, "checked by hand", "running")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"state": "running"}, 422, id="not-a-mutable-state"),
        pytest.param({"colour": "red"}, 422, id="unknown-field"),
        pytest.param("{not json", 422, id="malformed"),
    ],
)
def test_patch_run_rejects(dags: Any, body: Any, status: int) -> None:
    run_id = started_run()

    got, detail = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}", body=body)

    assert got == status
    assert detail["detail"][0]["loc"][0] == "body"


def test_patch_unknown_run_is_a_404(dags: Any) -> None:
    assert call("PATCH", "/api/v2/dags/etl/dagRuns/nope", body={"state": "success"}) == (
        404, {"detail": "The DagRun with dag_id: `etl` and run_id: `nope` was not found"})


def test_clearing_a_run_runs_its_task_instances_again(dags: Any) -> None:
    run_id = started_run()
    run_try(dags, run_id, "extract", "success")
    run_try(dags, run_id, "transform", "failed")
    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")[1]["state"] == "failed"

    status, preview = call("POST", f"/api/v2/dags/etl/dagRuns/{run_id}/clear", body={"only_failed": True})

    assert status == 200
    assert {ti["task_id"]: ti["state"] for ti in preview["task_instances"]} == {
        "transform": "failed", "load": "upstream_failed"}
    assert states(run_id)["transform"] == "failed"  # a dry run changes nothing

    status, run = call("POST", f"/api/v2/dags/etl/dagRuns/{run_id}/clear",
                       body={"dry_run": False, "only_failed": True})

    assert (status, run["dag_run_id"], run["state"]) == (200, run_id, "running")
    assert states(run_id) == {"extract": "success", "transform": "queued", "load": None}


def test_deleting_a_run_frees_its_logical_date(dags: Any) -> None:
    run_id = started_run(dag_run_id="first")

    assert call("DELETE", f"/api/v2/dags/etl/dagRuns/{run_id}") == (204, "")

    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")[0] == 404
    assert dags.tis.list("etl", run_id) == []
    assert dags.dags.get("etl").get("active_runs") == 0
    assert trigger(logical_date="2024-05-01T00:00:00Z", dag_run_id="second")[0] == 200
    assert call("DELETE", f"/api/v2/dags/etl/dagRuns/{run_id}")[0] == 404


# -- task instances: state, note, clear, tries, rendered fields ----------------------------
def test_marking_a_task_instance_success_moves_its_downstream_on(dags: Any) -> None:
    run_id = started_run()

    status, body = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract",
                        body={"new_state": "success"})

    assert status == 200
    assert [(ti["task_id"], ti["state"]) for ti in body["task_instances"]] == [("extract", "success")]
    assert states(run_id) == {"extract": "success", "transform": "queued", "load": None}
    assert call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract",
                body={"new_state": "success"}) == (409, {"detail": "Task id extract is already in success state"})


def test_dry_run_of_marking_lists_what_would_change(dags: Any) -> None:
    run_id = started_run()

    status, body = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/transform/dry_run",
                        body={"new_state": "failed", "include_downstream": True})

    assert status == 200
    assert sorted(ti["task_id"] for ti in body["task_instances"]) == ["load", "transform"]
    assert states(run_id) == {"extract": "queued", "transform": None, "load": None}


def test_marking_a_failed_task_success_clears_the_failed_ones_below_it(dags: Any) -> None:
    run_id = started_run()
    run_try(dags, run_id, "extract", "success")
    run_try(dags, run_id, "transform", "failed")
    assert states(run_id)["load"] == "upstream_failed"

    status, _ = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/transform",
                     body={"new_state": "success"})

    assert status == 200
    assert states(run_id) == {"extract": "success", "transform": "success", "load": "queued"}
    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}")[1]["state"] == "running"


def test_task_instance_note(dags: Any) -> None:
    run_id = started_run()

    status, body = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load",
                        query="update_mask=note", body={"note": "waits for the upstream fix"})

    assert status == 200
    assert body["task_instances"][0]["note"] == "waits for the upstream fix"
    assert call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load")[1]["note"] == \
        "waits for the upstream fix"
    assert states(run_id)["load"] is None


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        pytest.param("nope", {"new_state": "success"}, 404, "Task 'nope' not found in DAG 'etl'", id="unknown-task"),
        pytest.param("extract", {"new_state": "running"}, 422, None, id="not-a-settable-state"),
        pytest.param("extract", {"new_state": "success", "include_past": True}, 400, None, id="past"),
    ],
)
def test_patch_task_instance_rejects(dags: Any, path: str, body: Any, status: int, detail: str | None) -> None:
    run_id = started_run()

    got, found = call("PATCH", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/{path}", body=body)

    assert got == status
    if detail:
        assert found == {"detail": detail}


def test_clear_task_instances_of_one_run_with_their_downstream(dags: Any) -> None:
    run_id = started_run()
    for task_id in ("extract", "transform", "load"):
        run_try(dags, run_id, task_id, "success")
    request = {"dag_run_id": run_id, "task_ids": ["transform"], "include_downstream": True,
               "only_failed": False}

    status, preview = call("POST", "/api/v2/dags/etl/clearTaskInstances", body=request)

    assert status == 200
    assert sorted(ti["task_id"] for ti in preview["task_instances"]) == ["load", "transform"]

    status, done = call("POST", "/api/v2/dags/etl/clearTaskInstances", body={**request, "dry_run": False})

    assert (status, done["total_entries"]) == (200, 2)
    assert states(run_id) == {"extract": "success", "transform": "queued", "load": None}


def test_clear_task_instances_by_logical_date(dags: Any) -> None:
    first = started_run("2024-05-01T00:00:00Z", dag_run_id="first")
    second = started_run("2024-05-03T00:00:00Z", dag_run_id="second")
    for run_id in (first, second):
        run_try(dags, run_id, "extract", "success")
        run_try(dags, run_id, "transform", "failed", error="boom")
    body = {"start_date": "2024-05-02T00:00:00Z", "end_date": "2024-05-04T00:00:00Z", "dry_run": False}

    status, done = call("POST", "/api/v2/dags/etl/clearTaskInstances", body=body)

    assert status == 200
    assert {(ti["dag_run_id"], ti["task_id"]) for ti in done["task_instances"]} == {
        ("second", "transform"), ("second", "load")}
    assert states("second")["transform"] == "queued"
    assert states("first")["transform"] == "failed"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        pytest.param({"dag_run_id": "nope"}, 404, "Dag Run id nope not found in dag etl", id="unknown-run"),
        pytest.param({"only_running": True, "only_failed": False}, 400, None, id="only-running"),
        pytest.param({"dag_run_id": "x", "start_date": "2024-05-01T00:00:00Z"}, 422, None, id="run-and-dates"),
    ],
)
def test_clear_task_instances_rejects(dags: Any, body: dict[str, Any], status: int, detail: str | None) -> None:
    got, found = call("POST", "/api/v2/dags/etl/clearTaskInstances", body=body)

    assert got == status
    if detail:
        assert found == {"detail": detail}


def test_tries_list_every_try_of_a_task_instance(dags: Any) -> None:
    run_id = started_run()
    run_try(dags, run_id, "extract", "failed", error="not answering yet")  # retried
    dags.tis.queue("etl", run_id, "extract", -1, 2, {})
    run_try(dags, run_id, "extract", "success", rendered={"bash_command": "echo extract"})
    url = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract"

    status, body = call("GET", url + "/tries")

    assert status == 200
    assert [(t["try_number"], t["state"]) for t in body["task_instances"]] == [(1, "failed"), (2, "success")]
    assert body["task_instances"][0]["hostname"] == "worker-1"
    assert body["task_instances"][0]["max_tries"] == 2
    assert call("GET", url + "/tries/1")[1]["state"] == "failed"
    assert call("GET", url + "/tries/3")[0] == 404
    assert call("GET", url)[1]["rendered_fields"] == {"bash_command": "echo extract"}


def test_a_task_instance_waiting_to_retry_lists_its_failed_try(dags: Any) -> None:
    run_id = started_run()
    run_try(dags, run_id, "extract", "failed", error="boom")

    tries = call("GET", f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/extract/tries")[1]["task_instances"]

    assert [(t["try_number"], t["state"]) for t in tries] == [(1, "failed")]


# -- XComs --------------------------------------------------------------------------------
def test_xcom_entries_list_and_get(dags: Any) -> None:
    run_id = started_run()
    dags.xcoms.push("etl", run_id, "extract", -1, "return_value", {"rows": 3})
    dags.xcoms.push("etl", run_id, "extract", -1, "extra", "text")
    dags.xcoms.push("etl", run_id, "load", -1, "return_value", [1, 2])
    base = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances"

    status, body = call("GET", f"{base}/extract/xcomEntries")

    assert status == 200
    assert body["total_entries"] == 2
    assert [e["key"] for e in body["xcom_entries"]] == ["extra", "return_value"]
    entry = body["xcom_entries"][0]
    assert (entry["dag_id"], entry["run_id"], entry["task_id"], entry["map_index"]) == ("etl", run_id, "extract", -1)
    assert entry["logical_date"] == "2024-05-01T00:00:00Z"
    assert "value" not in entry
    assert call("GET", f"{base}/~/xcomEntries", query="xcom_key=return_value")[1]["total_entries"] == 2

    status, entry = call("GET", f"{base}/extract/xcomEntries/return_value")

    assert (status, entry["value"]) == (200, {"rows": 3})
    assert call("GET", f"{base}/extract/xcomEntries/return_value", query="stringify=true")[1]["value"] == \
        "{'rows': 3}"
    assert call("GET", f"{base}/extract/xcomEntries/nope") == (404, {"detail": "XCom entry with key: `nope` not found"})


def test_xcom_entries_can_be_created_and_updated(dags: Any) -> None:
    run_id = started_run()
    url = f"/api/v2/dags/etl/dagRuns/{run_id}/taskInstances/load/xcomEntries"

    status, entry = call("POST", url, body={"key": "checked", "value": {"ok": True}})

    assert (status, entry["value"]) == (201, {"ok": True})
    assert call("POST", url, body={"key": "checked", "value": 1})[0] == 409
    assert call("PATCH", f"{url}/checked", body={"value": False})[1]["value"] is False
    assert dags.xcoms.get("etl", run_id, "load", -1, "checked") == (True, False)


# -- variables ------------------------------------------------------------------------------
def test_variables_crud_with_sensitive_values_hidden(dags: Any) -> None:
    assert call("POST", "/api/v2/variables", body={"key": "region", "value": "eu-west-1",
                                                   "description": "where"}) == (
        201, {"key": "region", "value": "eu-west-1", "description": "where", "is_encrypted": True,
              "team_name": None})
    assert call("POST", "/api/v2/variables", body={"key": "db_password", "value": "hunter2-long"})[1]["value"] == "***"
    call("POST", "/api/v2/variables", body={"key": "settings", "value": {"api_key": "abcdef", "size": 3}})

    status, body = call("GET", "/api/v2/variables")

    assert status == 200
    assert {v["key"]: v["value"] for v in body["variables"]} == {
        "db_password": "***", "region": "eu-west-1", "settings": '{"api_key": "***", "size": 3}'}
    assert call("GET", "/api/v2/variables/db_password")[1]["value"] == "***"
    assert dags.secrets.get("variables", "db_password") == "hunter2-long"
    assert call("GET", "/api/v2/variables/region")[1]["description"] == "where"

    status, body = call("PATCH", "/api/v2/variables/region", query="update_mask=value",
                        body={"key": "region", "value": "us-east-1", "description": "ignored"})

    assert (status, body["value"], body["description"]) == (200, "us-east-1", "where")
    assert call("DELETE", "/api/v2/variables/region") == (204, "")
    assert call("GET", "/api/v2/variables/region") == (404, {"detail": "The Variable with key: `region` was not found"})


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "status", "detail"),
    [
        pytest.param("POST", "/api/v2/variables", "", {"key": "taken", "value": "x"}, 409,
                     "The Variable with key: `taken` already exists", id="create-taken"),
        pytest.param("PATCH", "/api/v2/variables/taken", "", {"key": "other", "value": "x"}, 400,
                     "Invalid body, key from request body doesn't match uri parameter", id="patch-other-key"),
        pytest.param("PATCH", "/api/v2/variables/taken", "update_mask=key", {"key": "taken", "value": "x"}, 400,
                     "Update not allowed: the following fields are immutable and cannot be modified: {'key'}",
                     id="patch-key"),
        pytest.param("PATCH", "/api/v2/variables/nope", "", {"key": "nope", "value": "x"}, 404,
                     "The Variable with key: `nope` was not found", id="patch-missing"),
        pytest.param("DELETE", "/api/v2/variables/nope", "", None, 404,
                     "The Variable with key: `nope` was not found", id="delete-missing"),
        pytest.param("POST", "/api/v2/variables", "", {"key": "has space", "value": "x"}, 400, None,
                     id="invalid-key"),
        pytest.param("POST", "/api/v2/variables", "", {"key": "empty", "value": ""}, 400, None, id="empty-value"),
    ],
)
def test_variable_requests_rejected(dags: Any, method: str, path: str, query: str, body: Any, status: int,
                                    detail: str | None) -> None:
    dags.secrets.put("variables", "taken", "x")

    got, found = call(method, path, query=query, body=body)

    assert got == status
    if detail:
        assert found == {"detail": detail}


def test_a_variable_without_a_value_is_a_422_naming_the_field(dags: Any) -> None:
    status, body = call("POST", "/api/v2/variables", body={"key": "k"})

    assert status == 422
    assert body["detail"] == [{"type": "missing", "loc": ["body", "value"], "msg": "Field required",
                               "input": {"key": "k"}}]


def test_bulk_variables(dags: Any) -> None:
    dags.secrets.put("variables", "old", "x")
    request = {"actions": [
        {"action": "create", "entities": [{"key": "a", "value": "1"}, {"key": "old", "value": "2"}],
         "action_on_existence": "skip"},
        {"action": "update", "entities": [{"key": "missing", "value": "3"}]},
        {"action": "delete", "entities": ["old"]},
    ]}

    status, body = call("PATCH", "/api/v2/variables", body=request)

    assert status == 200
    assert body["create"] == {"success": ["a"], "errors": []}
    assert body["update"] == {"success": [], "errors": [
        {"error": "The variables with these keys: ['missing'] were not found.", "status_code": 404}]}
    assert body["delete"] == {"success": ["old"], "errors": []}
    assert dags.secrets.list("variables") == {"a": "1"}


# -- connections ---------------------------------------------------------------------------
CONN = {"connection_id": "warehouse", "conn_type": "postgres", "host": "db.example.com", "login": "etl",
        "password": "s3cr3t-pass", "port": 5432, "schema": "sales",
        "extra": '{"sslmode": "require", "api_key": "abcdef"}', "description": "the warehouse"}


def test_connections_crud_with_passwords_hidden(dags: Any) -> None:
    status, conn = call("POST", "/api/v2/connections", body=CONN)

    assert status == 201
    assert conn == {**CONN, "password": "***", "extra": '{"sslmode": "require", "api_key": "***"}',
                    "team_name": None}
    assert call("GET", "/api/v2/connections/warehouse")[1] == conn
    assert call("GET", "/api/v2/connections")[1] == {"connections": [conn], "total_entries": 1}
    assert call("POST", "/api/v2/connections", body=CONN) == (
        409, {"detail": "The connection with connection_id: `warehouse` already exists."})

    status, patched = call("PATCH", "/api/v2/connections/warehouse",
                           body={**CONN, "host": "db2.example.com", "password": "***",
                                 "extra": '{"sslmode": "disable", "api_key": "***"}'})

    assert (status, patched["host"], patched["password"]) == (200, "db2.example.com", "***")
    from updraft.authoring.connection import Connection

    stored = Connection.parse(dags.secrets.get("connections", "warehouse"), "warehouse")
    assert (stored.password, stored.extra_dejson) == ("s3cr3t-pass", {"sslmode": "disable", "api_key": "abcdef"})
    assert call("DELETE", "/api/v2/connections/warehouse") == (204, "")
    assert call("GET", "/api/v2/connections/warehouse") == (
        404, {"detail": "The Connection with connection_id: `warehouse` was not found"})


def test_connection_update_mask_and_mismatched_id(dags: Any) -> None:
    call("POST", "/api/v2/connections", body=CONN)

    body = call("PATCH", "/api/v2/connections/warehouse", query="update_mask=port",
                body={**CONN, "port": 6543, "host": "ignored"})[1]

    assert (body["port"], body["host"]) == (6543, "db.example.com")
    assert call("PATCH", "/api/v2/connections/other", body=CONN) == (
        400, {"detail": "The connection_id in the request body does not match the URL parameter"})
    assert call("POST", "/api/v2/connections", body={**CONN, "extra": "[1]"})[0] == 422


def test_bulk_connections_and_disabled_test(dags: Any) -> None:
    request = {"actions": [{"action": "create", "entities": [CONN, {**CONN, "connection_id": "other"}]}]}

    status, body = call("PATCH", "/api/v2/connections", body=request)

    assert (status, body["create"]["success"]) == (200, ["warehouse", "other"])
    assert call("PATCH", "/api/v2/connections", body=request)[1]["create"]["errors"][0]["status_code"] == 409
    assert call("POST", "/api/v2/connections/test", body=CONN)[0] == 403

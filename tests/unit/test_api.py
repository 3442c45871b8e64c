"""The REST API (/api/v2) as a client sees it: HTTP API 2.0 events in, Airflow 3's JSON out.

Each test runs against moto's in-process AWS with the table, bucket and queue declared as
in template.yaml, and DAG files processed by the real dag processor."""

from __future__ import annotations

import itertools
import json
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
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
    """The services the API Lambda makes from its environment, over moto."""
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
        yield services_from_env()
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


# -- requests -------------------------------------------------------------------------
def call(
    method: str, path: str, query: str = "", body: Any = None, headers: dict[str, str] | None = None,
    services: Any = None,
) -> tuple[int, Any]:
    """Send one request through the handler's entry point; (status, parsed body)."""
    from updraft.api.app import resolve

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
        "body": raw_body,
        "isBase64Encoded": False,
    }
    response = resolve(event, None, services=services, clock=lambda: NOW)
    content_type = (response.get("headers") or {}).get("Content-Type", "")
    text = response.get("body") or ""
    is_json = content_type.startswith("application/json") and text
    return response["statusCode"], json.loads(text) if is_json else text


def trigger(dag_id: str = "etl", **body: Any) -> tuple[int, Any]:
    return call("POST", f"/api/v2/dags/{dag_id}/dagRuns", body=body)


# -- monitor ----------------------------------------------------------------------------
def test_health_reports_the_table_as_the_metadatabase(svc: Any) -> None:
    status, body = call("GET", "/api/v2/monitor/health")

    assert status == 200
    assert body["metadatabase"] == {"status": "healthy"}
    assert body["scheduler"] == {"status": "healthy", "latest_scheduler_heartbeat": None}
    assert body["triggerer"] == {"status": None, "latest_triggerer_heartbeat": None}


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

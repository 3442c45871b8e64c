"""The local event builders produce what AWS delivers: the recorded events in tests/events/
(the AWS documentation's examples, set in this stack's names) have the same structure, key
for key and type for type, and the same values wherever the inputs are the same."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from updraft.local.events import LambdaContext, http_api_event, s3_event, schedule_event, sqs_event
from updraft.local.sources import RouteMatcher, parse_rate, to_http_response

EVENTS = Path(__file__).resolve().parents[1] / "events"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def shape(value: Any) -> Any:
    """Keys and JSON types, values left out."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def without(event: dict[str, Any], *paths: str) -> dict[str, Any]:
    """A copy without the values that differ from one delivery to the next (ids, owners)."""
    copy = json.loads(json.dumps(event))
    for path in paths:
        *parents, last = path.split(".")
        node = copy
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]
    return copy


S3_VARYING = (
    "Records.0.userIdentity",
    "Records.0.requestParameters",
    "Records.0.responseElements",
    "Records.0.s3.configurationId",
    "Records.0.s3.bucket.ownerIdentity",
)


def test_s3_put_event_matches_the_recorded_one() -> None:
    expected = recorded("s3_object_created.json")
    built = s3_event(
        "updraft-dev-123456789012-us-east-1",
        "dags/daily etl.py",
        version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
        size=1305,
        etag='"b21b84d653bb07b05b1e6b33684dc11b"',
        sequencer="0C0F6F405D6ED209E1",
        event_time=datetime(2024, 5, 14, 9, 12, 31, 604000, tzinfo=timezone.utc),
    )
    assert shape(built) == shape(expected)
    assert without(built, *S3_VARYING) == without(expected, *S3_VARYING)


def test_s3_delete_marker_event_has_no_size_nor_etag() -> None:
    expected = recorded("s3_delete_marker_created.json")
    built = s3_event(
        "updraft-dev-123456789012-us-east-1",
        "dags/daily etl.py",
        version_id="ZuVyfeYpN4P2wq_VtPE5I3A0dIOPm.Tz",
        event_name="ObjectRemoved:DeleteMarkerCreated",
        sequencer="0C0F6F405D6ED20A11",
        event_time=datetime(2024, 5, 14, 9, 40, 2, 117000, tzinfo=timezone.utc),
    )
    assert shape(built) == shape(expected)
    assert without(built, *S3_VARYING) == without(expected, *S3_VARYING)


def test_s3_event_of_an_unversioned_object_has_no_version_id() -> None:
    built = s3_event("b", "dags/a.py", version_id="null", size=1, etag="e", sequencer="01")
    assert "versionId" not in built["Records"][0]["s3"]["object"]


def test_schedule_event_matches_the_recorded_one() -> None:
    expected = recorded("eventbridge_scheduled.json")
    built = schedule_event(
        "arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule",
        datetime(2015, 10, 8, 16, 53, 6, tzinfo=timezone.utc),
    )
    assert shape(built) == shape(expected)
    assert without(built, "id") == without(expected, "id")


def test_sqs_event_is_built_from_a_receive_message_result() -> None:
    expected = recorded("sqs_receive.json")
    record = expected["Records"][0]
    received = {  # ReceiveMessage's answer for the same message
        "MessageId": record["messageId"],
        "ReceiptHandle": record["receiptHandle"],
        "MD5OfBody": record["md5OfBody"],
        "Body": record["body"],
        "Attributes": record["attributes"],
        "MD5OfMessageAttributes": record["md5OfMessageAttributes"],
        "MessageAttributes": {"kind": {"StringValue": "task", "DataType": "String"}},
    }
    built = sqs_event([received], "arn:aws:sqs:us-east-2:123456789012:my-queue")
    assert built == expected


def test_sqs_record_without_attributes_has_null_attribute_digest() -> None:
    received = {"MessageId": "m", "ReceiptHandle": "r", "Body": "test", "Attributes": {}}
    (record,) = sqs_event([received], "arn:aws:sqs:us-east-1:123456789012:q")["Records"]
    assert record["md5OfMessageAttributes"] is None
    assert record["md5OfBody"] == "098f6bcd4621d373cade4e832627b4f6"
    assert record["awsRegion"] == "us-east-1"


def test_http_api_event_matches_the_recorded_one() -> None:
    expected = recorded("http_api_v2.json")
    built = http_api_event(
        "post",
        "/api/v2/dags/etl/dagRuns",
        query="limit=10&state=running&state=queued",
        headers=[
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
            ("User-Agent", "agent"),
            ("X-Custom", "one"),
            ("X-Custom", "two"),
            ("Cookie", "session=abc123; theme=dark"),
        ],
        body='{"conf":{}}',
        route_key="ANY /{proxy+}",
        path_parameters={"proxy": "api/v2/dags/etl/dagRuns"},
        source_ip="192.0.2.1",
        domain_name="id.execute-api.us-east-1.amazonaws.com",
        time=datetime(2020, 3, 12, 19, 3, 58, tzinfo=timezone.utc),
    )
    assert shape(built) == shape(expected)
    varying = ("requestContext.apiId", "requestContext.requestId")
    assert without(built, *varying) == without(expected, *varying)


def test_http_api_event_without_query_or_body_leaves_them_out() -> None:
    built = http_api_event("GET", "/health")
    assert built["rawQueryString"] == ""
    assert "queryStringParameters" not in built
    assert "body" not in built
    assert "cookies" not in built
    assert built["routeKey"] == "$default"


def test_http_api_event_sends_bytes_base64_encoded() -> None:
    built = http_api_event("PUT", "/blob", body=b"\x00\x01")
    assert built["body"] == "AAE="
    assert built["isBase64Encoded"] is True


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        pytest.param("GET", "/", ("ANY /", {}), id="root"),
        pytest.param("GET", "/api/v2/dags", ("ANY /{proxy+}", {"proxy": "api/v2/dags"}), id="greedy"),
        pytest.param("GET", "/dags/a%20b", ("GET /dags/{dag_id}", {"dag_id": "a b"}), id="param-beats-greedy"),
        pytest.param("GET", "/health", ("GET /health", {}), id="literal-beats-param"),
        pytest.param("POST", "/health", ("ANY /{proxy+}", {"proxy": "health"}), id="method-must-match"),
    ],
)
def test_routes_match_as_http_api_does(method: str, path: str, expected: tuple) -> None:
    matcher = RouteMatcher(
        [("ANY", "/"), ("ANY", "/{proxy+}"), ("GET", "/dags/{dag_id}"), ("GET", "/health")]
    )
    assert matcher.match(method, path) == expected


def test_unrouted_path_matches_nothing() -> None:
    assert RouteMatcher([("ANY", "/")]).match("GET", "/x") is None


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(
            {"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["s=1"], "body": "ok"},
            (201, [("x-a", "1"), ("set-cookie", "s=1")], b"ok"),
            id="response",
        ),
        pytest.param(
            {"statusCode": 200, "body": "AAE=", "isBase64Encoded": True},
            (200, [], b"\x00\x01"),
            id="base64",
        ),
        pytest.param({"a": 1}, (200, [("content-type", "application/json")], b'{"a": 1}'), id="bare-json"),
    ],
)
def test_handler_results_become_http_responses(result: Any, expected: tuple) -> None:
    assert to_http_response(result) == expected


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rate_expressions_parse(expression: str, seconds: int) -> None:
    assert parse_rate(expression) == seconds


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(1 minutes)", "Invalid schedule expression 'rate(1 minutes)': use 'rate(1 minute)' or 'rate(5 minutes)'"),
        ("rate(5 minute)", "Invalid schedule expression 'rate(5 minute)': use 'rate(1 minute)' or 'rate(5 minutes)'"),
        ("cron(0 12 * * ? *)", "Only rate(N unit) schedules run locally, not 'cron(0 12 * * ? *)'"),
    ],
)
def test_bad_or_unsupported_schedules_are_refused(expression: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_rate(expression)
    assert str(error.value) == message


def test_context_counts_down_from_the_timeout() -> None:
    now = [100.0]
    context = LambdaContext("worker", 1024, 900, aws_request_id="req-1", time_source=lambda: now[0])
    assert context.get_remaining_time_in_millis() == 900_000
    now[0] += 899.5
    assert context.get_remaining_time_in_millis() == 500
    now[0] += 10
    assert context.get_remaining_time_in_millis() == 0
    assert context.memory_limit_in_mb == "1024"
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:worker"
    assert context.aws_request_id == "req-1"

"""Events shaped as AWS delivers them to Lambda, and the context object that goes with them.

Each builder follows the example event in the AWS documentation for its source (the recorded
copies are under tests/events/), so that a handler that works here reads real events the same
way: S3 keys URL-encoded, SQS attributes as strings, HTTP headers lower-cased.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote_plus

from updraft.local.template import ACCOUNT_ID, DEFAULT_REGION


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _arn_part(arn: str, index: int, default: str) -> str:
    parts = arn.split(":")
    return parts[index] if len(parts) > index and parts[index] else default


# ------------------------------------------------------------------ S3


def s3_event(
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
    event_name: str = "ObjectCreated:Put",
    size: int | None = None,
    etag: str | None = None,
    sequencer: str | None = None,
    region: str = DEFAULT_REGION,
    event_time: datetime | None = None,
) -> dict[str, Any]:
    """An S3 event notification with one record. As in AWS, the key is URL-encoded ("a b" ->
    "a+b"), and removal events carry neither size nor eTag."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    if event_name.startswith("ObjectCreated"):
        obj["size"] = int(size or 0)
        obj["eTag"] = (etag or "").strip('"')
    if version_id and version_id != "null":
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer or f"{time.time_ns():018X}"
    stamp = _utc(event_time).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    request_id = uuid.uuid4().hex[:16].upper()
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": stamp,
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": request_id,
                    "x-amz-id-2": base64.b64encode(request_id.encode()).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local-notification",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


# ------------------------------------------------------------------ EventBridge schedule


def schedule_event(rule_arn: str, time: datetime | None = None) -> dict[str, Any]:
    """The "Scheduled Event" EventBridge sends when a schedule rule fires."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": _arn_part(rule_arn, 4, ACCOUNT_ID),
        "time": _utc(time).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": _arn_part(rule_arn, 3, DEFAULT_REGION),
        "resources": [rule_arn],
        "detail": {},
    }


# ------------------------------------------------------------------ SQS


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller builds from a ReceiveMessage result's `Messages`
    (received with all system and message attributes)."""
    return {"Records": [sqs_record(message, queue_arn) for message in messages]}


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    body = message["Body"]
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {k: str(v) for k, v in (message.get("Attributes") or {}).items()},
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        # Lambda sends null here when the message has no attributes.
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": _arn_part(queue_arn, 3, DEFAULT_REGION),
    }
    return record


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """ReceiveMessage's {"StringValue", "DataType"} in the event's lower-camel form."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = [base64.b64encode(v).decode() for v in value.get("BinaryListValues") or []]
    out["dataType"] = value["DataType"]
    return out


# ------------------------------------------------------------------ API Gateway HTTP API


def http_api_event(
    method: str,
    path: str,
    *,
    query: str | Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    is_base64: bool = False,
    route_key: str = "$default",
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    domain_name: str = "localhost",
    time: datetime | None = None,
) -> dict[str, Any]:
    """An HTTP API request in payload format 2.0. Headers are lower-cased and repeated ones
    joined by commas; cookies move to `cookies`; a bytes body is sent base64-encoded."""
    raw_query = _raw_query(query)
    joined: dict[str, str] = {}
    for name, value in _pairs(headers):
        name = name.lower()
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    cookie_header = joined.pop("cookie", None)
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    if isinstance(body, bytes):
        body, is_base64 = base64.b64encode(body).decode(), True
    moment = _utc(time)
    request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16].rstrip("=")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    event["headers"] = joined
    if params:
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".")[0],
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(moment.timestamp() * 1000),
    }
    if body is not None:
        event["body"] = body
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = bool(is_base64)
    return event


def _pairs(values: Mapping[str, str] | Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if values is None:
        return []
    return list(values.items()) if isinstance(values, Mapping) else list(values)


def _raw_query(query: str | Mapping[str, str] | Sequence[tuple[str, str]] | None) -> str:
    if query is None or isinstance(query, str):
        return (query or "").lstrip("?")
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in _pairs(query))


# ------------------------------------------------------------------ context


class LambdaContext:
    """The context object of the Python runtime. Like the runtime's, memory_limit_in_mb is a
    string; the clock is injectable so tests need not wait for a deadline."""

    def __init__(
        self,
        function_name: str,
        memory_limit_in_mb: int | str,
        timeout_seconds: float,
        *,
        invoked_function_arn: str | None = None,
        aws_request_id: str | None = None,
        time_source: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.invoked_function_arn = invoked_function_arn or (
            f"arn:aws:lambda:{DEFAULT_REGION}:{ACCOUNT_ID}:function:{function_name}"
        )
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._time_source = time_source
        self._deadline = time_source() + float(timeout_seconds)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._time_source()) * 1000))

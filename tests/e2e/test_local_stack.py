"""The local stack against a real moto server on loopback: the template's resources, the
functions' environments, and each emulated event source driving handlers we pass in."""

from __future__ import annotations

import base64
import json
import os
import threading
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from updraft.local import (
    HttpGateway,
    LocalStack,
    S3NotificationSource,
    ScheduleEventSource,
    SqsEventSource,
    aws_environment,
    create_resources,
    load_handler,
    load_template,
    start_moto,
)
from updraft.local.resources import LocalResources
from updraft.local.server import MotoHandle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoHandle]:
    handle = start_moto()
    yield handle
    handle.stop()


@pytest.fixture
def session(moto_server: MotoHandle, monkeypatch: pytest.MonkeyPatch) -> Any:
    moto_server.reset()
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in aws_environment(moto_server.url).items():
        monkeypatch.setenv(name, value)
    return boto3.session.Session()


@pytest.fixture
def resources(session: Any) -> LocalResources:
    return create_resources(load_template(ROOT / "template.yaml"), session, "e2e")


def eventually(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until condition() is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# ------------------------------------------------------------------ resources


def test_table_is_created_with_the_timers_gsi_and_by_date_lsi(session: Any, resources: LocalResources) -> None:
    table = session.client("dynamodb").describe_table(TableName=resources["StateTable"].name)["Table"]

    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    (lsi,) = table["LocalSecondaryIndexes"]
    assert (lsi["IndexName"], lsi["Projection"]) == ("by_date", {"ProjectionType": "ALL"})
    assert lsi["KeySchema"][1] == {"AttributeName": "lsi1sk", "KeyType": "RANGE"}
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "timers"
    assert gsi["KeySchema"] == [
        {"AttributeName": "tpk", "KeyType": "HASH"},
        {"AttributeName": "tsk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["kind", "state", "try_number", "dag_id", "run_id"],
    }


def test_bucket_is_versioned_under_its_template_name(session: Any, resources: LocalResources) -> None:
    bucket = resources["DagBucket"]

    assert bucket.name == "updraft-dev-123456789012-us-east-1"
    assert bucket.arn == "arn:aws:s3:::updraft-dev-123456789012-us-east-1"
    assert session.client("s3").get_bucket_versioning(Bucket=bucket.name)["Status"] == "Enabled"


def test_task_queue_redrives_to_the_dead_letter_queue(session: Any, resources: LocalResources) -> None:
    attributes = session.client("sqs").get_queue_attributes(
        QueueUrl=resources["TaskQueue"].url, AttributeNames=["All"]
    )["Attributes"]

    assert attributes["VisibilityTimeout"] == "5400"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": resources["TaskDeadLetterQueue"].arn,
        "maxReceiveCount": 5,
    }


def test_what_is_not_needed_locally_is_skipped_but_named(resources: LocalResources) -> None:
    assert set(resources.created) == {"AlertTopic", "DagBucket", "StateTable", "TaskDeadLetterQueue", "TaskQueue"}
    assert resources.skipped["WorkerFunction"] == "AWS::Serverless::Function"
    assert resources.skipped["UpdraftLayer"] == "AWS::Serverless::LayerVersion"
    assert resources.skipped["DagBucketPolicy"] == "AWS::S3::BucketPolicy"
    assert resources.ref("WorkerLogGroup") == "/aws/lambda/e2e-WorkerFunction"


def test_creating_again_reuses_the_resources(session: Any, resources: LocalResources) -> None:
    again = create_resources(load_template(ROOT / "template.yaml"), session, "e2e")
    assert again.created == resources.created


def test_function_environment_names_the_created_resources(resources: LocalResources) -> None:
    assert resources.function_environment("WorkerFunction") == {
        "UPDRAFT_TABLE": "e2e-StateTable",
        "UPDRAFT_BUCKET": "updraft-dev-123456789012-us-east-1",
        "UPDRAFT_QUEUE_URL": resources["TaskQueue"].url,
        "UPDRAFT_WORKER_TIMEOUT": "900",
        "UPDRAFT_SCHEDULER_RATE": "rate(1 minute)",
        "UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "true",
        "UPDRAFT_SECRETS_PREFIX": "/updraft/e2e",
        "UPDRAFT_STAGE": "dev",
        "UPDRAFT_ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:e2e-AlertTopic",
        "POWERTOOLS_SERVICE_NAME": "updraft",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_METRICS_NAMESPACE": "Updraft",
    }
    assert resources["TaskQueue"].url.endswith("/123456789012/e2e-TaskQueue")


def test_functions_take_globals_and_resolve_their_events(resources: LocalResources) -> None:
    specs = {spec.logical_id: spec for spec in resources.functions()}

    worker = specs["WorkerFunction"]
    assert (worker.code_uri, worker.handler, worker.timeout, worker.memory_size) == (
        "functions/worker/", "app.handler", 900, 1024,
    )
    (tasks,) = worker.events
    assert (tasks.type, tasks.properties) == ("SQS", {
        "Queue": resources["TaskQueue"].arn,
        "BatchSize": 1,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    })
    assert specs["ApiFunction"].memory_size == 512  # from Globals
    assert specs["SchedulerFunction"].reserved_concurrency == 1
    assert specs["SchedulerFunction"].events[0].properties["Schedule"] == "rate(1 minute)"
    processor_event = specs["DagProcessorFunction"].events[0]
    assert processor_event.properties["Bucket"] == "updraft-dev-123456789012-us-east-1"
    assert [(e.type, e.properties["Path"]) for e in specs["ApiFunction"].events] == [
        ("HttpApi", "/"), ("HttpApi", "/{proxy+}"),
    ]


# ------------------------------------------------------------------ SQS


@pytest.fixture
def queue(session: Any) -> tuple[Any, str, str]:
    """A queue whose messages come back one second after a failed delivery."""
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName="tasks", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def in_queue(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_failed_message_is_redelivered_only_after_its_visibility_timeout(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    sqs.send_message(QueueUrl=url, MessageBody="task-1")
    deliveries: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> None:
        deliveries.append(event["Records"][0])
        if len(deliveries) == 1:
            raise RuntimeError("worker died")

    source = SqsEventSource(sqs, url, arn, handler, batch_size=1, report_batch_item_failures=True)
    failed_at = time.monotonic()
    assert source.poll_once() == 1
    assert source.poll_once() == 0  # in flight: invisible until the timeout passes

    assert eventually(source.poll_once) == 1
    assert time.monotonic() - failed_at >= 0.9
    assert [d["attributes"]["ApproximateReceiveCount"] for d in deliveries] == ["1", "2"]
    assert deliveries[0]["messageId"] == deliveries[1]["messageId"]
    assert deliveries[1]["eventSourceARN"] == arn
    assert in_queue(sqs, url) == 0  # the successful delivery deleted it


def test_batch_item_failures_leave_exactly_those_messages(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[str] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        seen.extend(r["body"] for r in event["Records"])
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "b"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    source = SqsEventSource(sqs, url, arn, handler, batch_size=10, report_batch_item_failures=True)
    assert eventually(source.poll_once) == 3
    assert in_queue(sqs, url) == 1

    assert eventually(source.poll_once) == 1
    assert seen[3:] == ["b"]


def test_batch_item_failures_are_ignored_unless_the_function_reports_them(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    sqs.send_message(QueueUrl=url, MessageBody="a")

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    source = SqsEventSource(sqs, url, arn, handler, batch_size=1, report_batch_item_failures=False)
    assert source.poll_once() == 1
    assert in_queue(sqs, url) == 0


def test_an_unknown_item_identifier_fails_the_whole_batch(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    source = SqsEventSource(
        sqs, url, arn, lambda event: {"batchItemFailures": [{"itemIdentifier": "nope"}]},
        batch_size=10, report_batch_item_failures=True,
    )
    assert eventually(source.poll_once) == 2
    assert in_queue(sqs, url) == 2


def test_template_queue_sends_a_message_to_the_dlq_after_five_failures(session: Any, resources: LocalResources) -> None:
    sqs = session.client("sqs")
    queue, dlq = resources["TaskQueue"], resources["TaskDeadLetterQueue"]
    sqs.send_message(QueueUrl=queue.url, MessageBody="poison")

    def handler(event: dict[str, Any]) -> None:
        raise RuntimeError("always fails")

    # Visibility 0 makes a failed message visible at once, so the test needs no waiting.
    source = SqsEventSource(sqs, queue.url, queue.arn, handler, 1, True, visibility_timeout=0)
    assert [source.poll_once() for _ in range(6)] == [1, 1, 1, 1, 1, 0]
    (moved,) = sqs.receive_message(QueueUrl=dlq.url).get("Messages", [])
    assert moved["Body"] == "poison"


def test_concurrent_invocations_run_side_by_side(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(4)]
    )
    together = threading.Barrier(4, timeout=5)  # breaks unless four invocations overlap

    def handler(event: dict[str, Any]) -> None:
        together.wait()

    source = SqsEventSource(sqs, url, arn, handler, batch_size=1, concurrency=4)
    assert source.poll_once() == 4
    assert not together.broken
    assert in_queue(sqs, url) == 0


def test_background_pollers_drain_the_queue(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    bodies: list[str] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any]) -> None:
        with lock:
            bodies.extend(r["body"] for r in event["Records"])

    source = SqsEventSource(sqs, url, arn, handler, batch_size=1, concurrency=3)
    source.idle_wait = 0.02
    source.start()
    try:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(6)])
        assert eventually(lambda: len(bodies) == 6)
    finally:
        source.stop()
    assert sorted(bodies) == [str(n) for n in range(6)]


# ------------------------------------------------------------------ S3


def test_s3_source_reports_each_version_once_and_delete_markers(session: Any, resources: LocalResources) -> None:
    s3, bucket = session.client("s3"), resources["DagBucket"].name
    records: list[dict[str, Any]] = []
    source = S3NotificationSource(
        s3, bucket, "dags/", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        lambda event: records.extend(event["Records"]),
    )
    first = s3.put_object(Bucket=bucket, Key="dags/daily etl.py", Body=b"v1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="logs/ignored.log", Body=b"outside the prefix")

    assert source.poll_once() == 1
    assert source.poll_once() == 0
    second = s3.put_object(Bucket=bucket, Key="dags/daily etl.py", Body=b"v2!")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="dags/daily etl.py")["VersionId"]
    assert source.poll_once() == 2
    assert source.poll_once() == 0

    objects = [r["s3"]["object"] for r in records]
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:Put", "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated",
    ]
    assert [o.get("versionId") for o in objects] == [first, second, marker]
    assert {o["key"] for o in objects} == {"dags/daily+etl.py"}  # URL-encoded, as S3 sends it
    assert [o.get("size") for o in objects] == [2, 3, None]
    assert [o["sequencer"] for o in objects] == sorted(o["sequencer"] for o in objects)
    assert all(r["s3"]["bucket"]["name"] == bucket for r in records)


def test_s3_versions_written_within_a_second_arrive_oldest_first(session: Any, resources: LocalResources) -> None:
    s3, bucket = session.client("s3"), resources["DagBucket"].name
    versions = [s3.put_object(Bucket=bucket, Key="dags/a.py", Body=str(n).encode())["VersionId"] for n in range(3)]
    records: list[dict[str, Any]] = []
    source = S3NotificationSource(s3, bucket, "dags/", ["s3:ObjectCreated:*"], lambda e: records.extend(e["Records"]))

    assert source.poll_once() == 3
    assert [r["s3"]["object"]["versionId"] for r in records] == versions


def test_s3_source_retries_a_failed_event_twice(session: Any, resources: LocalResources) -> None:
    s3, bucket = session.client("s3"), resources["DagBucket"].name
    attempts: list[str] = []

    def handler(event: dict[str, Any]) -> None:
        attempts.append(event["Records"][0]["s3"]["object"]["key"])
        raise RuntimeError("import failed")

    source = S3NotificationSource(s3, bucket, "dags/", ["s3:ObjectCreated:*"], handler)
    s3.put_object(Bucket=bucket, Key="dags/bad.py", Body=b"x")
    assert [source.poll_once() for _ in range(4)] == [0, 0, 0, 0]
    assert attempts == ["dags/bad.py"] * 3


# ------------------------------------------------------------------ schedule


def test_schedule_fires_at_once_then_every_interval() -> None:
    now = [0.0]
    events: list[dict[str, Any]] = []
    rule = "arn:aws:events:us-east-1:123456789012:rule/tick"
    source = ScheduleEventSource.from_expression("rate(1 minute)", events.append, rule, clock=lambda: now[0])

    assert source.poll_once() == 1
    now[0] = 59.9
    assert source.poll_once() == 0
    now[0] = 60.0
    assert source.poll_once() == 1
    assert [e["detail-type"] for e in events] == ["Scheduled Event"] * 2
    assert events[0]["resources"] == [rule]

    source.interval_override = 5
    now[0] = 65.0
    assert source.poll_once() == 1


# ------------------------------------------------------------------ HTTP


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> tuple[int, Any, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def gateway() -> Iterator[tuple[HttpGateway, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        received.append(event)
        if event["rawPath"] == "/boom":
            raise RuntimeError("handler bug")
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/octet-stream", "x-route": event["routeKey"]},
            "cookies": ["session=new; Path=/", "theme=light"],
            "body": base64.b64encode(b"\x00binary\xff").decode(),
            "isBase64Encoded": True,
        }

    server = HttpGateway(handler, port=0, routes=[("ANY", "/"), ("ANY", "/{proxy+}")])
    server.start()
    yield server, received
    server.stop()


def test_http_gateway_round_trips_a_request(gateway: tuple[HttpGateway, list[dict[str, Any]]]) -> None:
    server, received = gateway
    status, headers, body = request(
        f"{server.url}/api/v2/dags/etl/dagRuns?limit=10&state=a&state=b",
        "POST",
        json.dumps({"conf": {"x": 1}}).encode(),
        {"Content-Type": "application/json", "Cookie": "session=old; theme=dark", "X-Trace": "t1"},
    )

    assert (status, body) == (201, b"\x00binary\xff")
    assert headers["x-route"] == "ANY /{proxy+}"
    assert headers.get_all("set-cookie") == ["session=new; Path=/", "theme=light"]
    (event,) = received
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /{proxy+}"
    assert event["rawPath"] == "/api/v2/dags/etl/dagRuns"
    assert event["rawQueryString"] == "limit=10&state=a&state=b"
    assert event["queryStringParameters"] == {"limit": "10", "state": "a,b"}
    assert event["pathParameters"] == {"proxy": "api/v2/dags/etl/dagRuns"}
    assert event["cookies"] == ["session=old", "theme=dark"]
    assert event["headers"]["x-trace"] == "t1"
    assert "cookie" not in event["headers"]
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["domainName"] == "127.0.0.1"
    assert (json.loads(event["body"]), event["isBase64Encoded"]) == ({"conf": {"x": 1}}, False)


def test_http_gateway_base64_encodes_binary_request_bodies(gateway: tuple[HttpGateway, list[dict[str, Any]]]) -> None:
    server, received = gateway
    request(f"{server.url}/", "PUT", b"\x01\x02", {"Content-Type": "application/octet-stream"})

    (event,) = received
    assert event["routeKey"] == "ANY /"
    assert (event["body"], event["isBase64Encoded"]) == ("AQI=", True)


def test_http_gateway_answers_500_when_the_handler_raises(gateway: tuple[HttpGateway, list[dict[str, Any]]]) -> None:
    server, _ = gateway
    status, _, body = request(f"{server.url}/boom")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_http_gateway_answers_404_outside_its_routes() -> None:
    server = HttpGateway(lambda event: {"statusCode": 200}, port=0, routes=[("GET", "/health")])
    server.start()
    try:
        status, _, body = request(f"{server.url}/other")
    finally:
        server.stop()
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


# ------------------------------------------------------------------ handlers


def test_handlers_named_app_load_side_by_side(tmp_path: Path) -> None:
    for name in ("one", "two"):
        code = tmp_path / "functions" / name
        code.mkdir(parents=True)
        (code / "helper.py").write_text(f"NAME = {name!r}\n")
        (code / "app.py").write_text(
            "import helper\n\ndef handler(event, context):\n"
            "    return (helper.NAME, event, context.function_name)\n"
        )
    from updraft.local.functions import LocalFunction
    from updraft.local.resources import FunctionSpec

    one = load_handler(tmp_path, "functions/one/", "app.handler")
    spec = FunctionSpec("Two", "stack-Two", "arn:aws:lambda:us-east-1:123456789012:function:stack-Two",
                        "functions/two/", "app.handler", 3, 128)
    two = LocalFunction.load(tmp_path, spec)

    assert one.__module__ == "updraft_fn_one"
    assert two.handler.__module__ == "updraft_fn_two"
    assert two.invoke({"n": 1}) == ("two", {"n": 1}, "stack-Two")


# ------------------------------------------------------------------ the whole stack


class Recorder:
    """A stand-in handler that keeps the events it gets."""

    def __init__(self, result: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.result = result

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        return self.result


def test_local_stack_wires_the_template_events_to_the_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("UPDRAFT_TABLE", raising=False)
    before = dict(os.environ)
    handlers = {
        "DagProcessorFunction": Recorder(),
        "SchedulerFunction": Recorder(),
        "WorkerFunction": Recorder({"batchItemFailures": []}),
        "ApiFunction": Recorder({"statusCode": 200, "body": "ok"}),
    }
    stack = LocalStack(ROOT, stack_name="wired", handlers=handlers, env_overrides={"UPDRAFT_STAGE": "local"})
    with stack:
        assert os.environ["UPDRAFT_TABLE"] == "wired-StateTable"
        assert os.environ["UPDRAFT_STAGE"] == "local"
        assert os.environ["AWS_ENDPOINT_URL"] == stack.moto.url  # type: ignore[union-attr]
        resources = stack.resources
        assert resources is not None
        s3, sqs = stack.session.client("s3"), stack.session.client("sqs")

        assert stack.pump() == 1  # the schedule's first tick
        s3.put_object(Bucket=resources["DagBucket"].name, Key="dags/etl.py", Body=b"dag")
        sqs.send_message(QueueUrl=resources["TaskQueue"].url, MessageBody='{"task": 1}')
        assert stack.run_until(lambda: bool(handlers["WorkerFunction"].events), timeout=5)
        assert stack.run_until(lambda: bool(handlers["DagProcessorFunction"].events), timeout=5)

        assert handlers["DagProcessorFunction"].events[0]["Records"][0]["s3"]["object"]["key"] == "dags/etl.py"
        assert handlers["WorkerFunction"].events[0]["Records"][0]["body"] == '{"task": 1}'
        assert handlers["SchedulerFunction"].events[0]["detail-type"] == "Scheduled Event"
        assert sqs.get_queue_attributes(
            QueueUrl=resources["TaskQueue"].url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"

        ticks = len(handlers["SchedulerFunction"].events)
        stack.run_until(lambda: len(handlers["SchedulerFunction"].events) >= ticks + 2, timeout=2, tick_every=0.1)
        assert len(handlers["SchedulerFunction"].events) >= ticks + 2

        url = stack.serve(http_port=0)
        status, _, body = request(f"{url}/api/v2/version")
        assert (status, body) == (200, b"ok")
        assert handlers["ApiFunction"].events[-1]["routeKey"] == "ANY /{proxy+}"

    assert dict(os.environ) == before


def test_http_gateway_hands_its_handler_one_request_at_a_time() -> None:
    """A browser's parallel requests reach the API as Lambda gives them to one execution
    environment: never two at once (the resolver keeps the current request on its app)."""
    inside: list[int] = []
    overlaps: list[int] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        with lock:
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(len(inside))
        time.sleep(0.02)
        with lock:
            inside.pop()
        return {"statusCode": 200, "body": "ok"}

    server = HttpGateway(handler, port=0)
    server.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda n: request(f"{server.url}/r{n}")[0], range(16)))
    finally:
        server.stop()
    assert statuses == [200] * 16
    assert overlaps == []


# ------------------------------------------------------------------ moto inside the process


def test_in_process_stack_answers_without_a_server_and_keeps_conditional_writes_atomic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`updraft dags test`'s stack: no server and no endpoint, the same table, and DynamoDB's
    requests one at a time, so that a conditional write's check and write are not split by
    another thread's (each increment below is conditioned on the value it read)."""
    import moto.core.models  # noqa: F401 - adds moto's own (idle) stubber to botocore's handlers
    from botocore.exceptions import ClientError
    from botocore.handlers import BUILTIN_HANDLERS

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: must not be used
    handlers_before = list(BUILTIN_HANDLERS)
    before = dict(os.environ)
    handlers = {name: Recorder() for name in ("DagProcessorFunction", "SchedulerFunction", "WorkerFunction",
                                              "ApiFunction")}
    with LocalStack(ROOT, stack_name="inproc", handlers=handlers, in_process=True) as stack:
        assert "AWS_ENDPOINT_URL" not in os.environ
        table = stack.resources["StateTable"].name  # type: ignore[index]
        ddb = boto3.session.Session().client("dynamodb")
        key = {"pk": {"S": "COUNTER"}, "sk": {"S": "n"}}
        ddb.put_item(TableName=table, Item={**key, "n": {"N": "0"}})

        def increment(_: int) -> int:
            done = 0
            for _ in range(25):
                while True:
                    seen = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"]
                    try:
                        ddb.update_item(TableName=table, Key=key, UpdateExpression="SET n = :new",
                                        ConditionExpression="n = :seen",
                                        ExpressionAttributeValues={":seen": {"N": seen},
                                                                   ":new": {"N": str(int(seen) + 1)}})
                    except ClientError as error:
                        assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
                        continue
                    done += 1
                    break
            return done

        with ThreadPoolExecutor(4) as pool:
            succeeded = sum(pool.map(increment, range(4)))
        final = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["n"]["N"]

    assert (succeeded, int(final)) == (100, 100)
    assert BUILTIN_HANDLERS == handlers_before
    assert dict(os.environ) == before


def test_lazy_function_imports_its_handler_when_first_invoked(tmp_path: Path) -> None:
    code = tmp_path / "functions" / "late"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return event['n'] + 1\n")
    from updraft.local.functions import LocalFunction
    from updraft.local.resources import FunctionSpec

    spec = FunctionSpec("Late", "stack-Late", "arn:aws:lambda:us-east-1:123456789012:function:stack-Late",
                        "functions/late/", "app.handler", 3, 128)
    late = LocalFunction.lazy(tmp_path, spec)
    assert "updraft_fn_late" not in sys.modules

    assert late.invoke({"n": 1}) == 2
    assert late.handler.__module__ == "updraft_fn_late"


def test_run_until_asks_a_costly_predicate_only_when_the_sources_are_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    worker = Recorder({"batchItemFailures": []})
    handlers = {"DagProcessorFunction": Recorder(), "SchedulerFunction": Recorder(), "WorkerFunction": worker,
                "ApiFunction": Recorder()}
    asked: list[int] = []
    with LocalStack(ROOT, stack_name="checks", handlers=handlers, in_process=True) as stack:
        sqs = stack.session.client("sqs")
        for n in range(6):
            sqs.send_message(QueueUrl=stack.resources["TaskQueue"].url, MessageBody=str(n))  # type: ignore[index]

        def done() -> bool:
            asked.append(len(worker.events))
            return len(worker.events) == 6

        assert stack.run_until(done, timeout=10, check_every=60)

    assert asked == [0, 6]  # before the first poll, then once the queue had nothing more

"""What the AWS operator tests need around moto: reading what SES sent and what an SNS topic
delivered to a subscribed queue, steering moto's ECS tasks, Batch jobs and Lambda functions
(which moto, without Docker, would otherwise finish at once or never), and a Slack-like
webhook on loopback."""

from __future__ import annotations

import email
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"


# ------------------------------------------------------------------ SES


@dataclass
class SentEmail:
    source: str
    destinations: list[str]
    message: email.message.Message

    @property
    def html(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/html":
                return part.get_payload(decode=True).decode()
        return ""

    @property
    def attachments(self) -> dict[str, bytes]:
        return {part.get_filename(): part.get_payload(decode=True)
                for part in self.message.walk() if part.get_filename()}


def sent_emails() -> list[SentEmail]:
    """Every raw email moto's SES accepted, parsed."""
    from moto.ses.models import ses_backends

    out = []
    for sent in ses_backends[ACCOUNT][REGION].sent_messages:
        raw = getattr(sent, "raw_data", None)
        if raw is not None:
            out.append(SentEmail(sent.source, list(sent.destinations), email.message_from_string(raw)))
    return out


# ------------------------------------------------------------------ SNS → SQS


def subscribe_queue(session: Any, topic_arn: str, name: str = "subscriber") -> str:
    """A queue subscribed to the topic; its URL."""
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    session.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


def delivered(session: Any, queue_url: str) -> list[dict[str, Any]]:
    """The SNS envelopes waiting in a subscribed queue (removed from it)."""
    sqs = session.client("sqs")
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


# ------------------------------------------------------------------ moto's job engines


def set_moto_config(url: str, config: dict[str, Any]) -> None:
    import urllib.request

    request = urllib.request.Request(f"{url}/moto-api/config", data=json.dumps(config).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback only
        pass


@contextmanager
def without_docker(url: str) -> Iterator[None]:
    """moto's Lambda and Batch without containers (Batch jobs and Lambda calls end at once,
    unless a test holds them)."""
    set_moto_config(url, {"batch": {"use_docker": False}, "lambda": {"use_docker": False}})
    try:
        yield
    finally:
        set_moto_config(url, {"batch": {"use_docker": True}, "lambda": {"use_docker": True}})


@contextmanager
def states_held(*models: str) -> Iterator[None]:
    """moto's ECS tasks / Batch jobs keep their status until a test changes it (moto moves
    them on with every Describe otherwise)."""
    from moto.moto_api import state_manager

    for model in models:
        state_manager.set_transition(model, {"progression": "manual", "times": 10**9})
    try:
        yield
    finally:
        for model in models:
            state_manager.unset_transition(model)


def ecs_task(cluster: str, arn: str) -> Any:
    from moto.ecs.models import ecs_backends

    return ecs_backends[ACCOUNT][REGION].tasks[cluster][arn]


def stop_ecs_task(cluster: str, arn: str, exit_code: int, reason: str = "Essential container in task exited") -> None:
    """The task ends: its containers exit with `exit_code`."""
    task = ecs_task(cluster, arn)
    for container in task.containers:
        container.last_status = "STOPPED"
        container.exitCode = exit_code
    task.stopped_reason = reason
    task.desired_status = "STOPPED"
    task.last_status = "STOPPED"


def batch_job(job_id: str) -> Any:
    from moto.batch.models import batch_backends

    return batch_backends[ACCOUNT][REGION]._jobs[job_id]


@contextmanager
def batch_jobs_keep_running() -> Iterator[None]:
    """moto's Docker-less Batch marks a job SUCCEEDED on submission; here it is RUNNING
    (its log stream named) until `end_batch_job`."""
    from moto.batch_simple.models import BatchSimpleBackend

    original = BatchSimpleBackend._mark_job_as_finished

    def keep_running(self: Any, include_start_attempt: bool, job: Any) -> None:
        import datetime

        self.backend._jobs[job.job_id] = job
        job.job_started_at = datetime.datetime.now()
        job.log_stream_name = job._stream_name
        if include_start_attempt:
            job._start_attempt()
        job.status = "RUNNING"

    BatchSimpleBackend._mark_job_as_finished = keep_running
    try:
        yield
    finally:
        BatchSimpleBackend._mark_job_as_finished = original


def end_batch_job(job_id: str, *, success: bool, reason: str | None = None) -> None:
    job = batch_job(job_id)
    if reason:
        job.job_stopped_reason = reason
    job._mark_stopped(success=success)


@contextmanager
def lambda_errors(function_name: str, error: dict[str, str]) -> Iterator[None]:
    """Invoking `function_name` on moto's Docker-less Lambda answers with a function error."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original = LambdaSimpleBackend.invoke

    def invoke(self: Any, name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> Any:
        if name.split(":")[-1] == function_name:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error).encode()
        return original(self, name, qualifier, body, headers, response_headers)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]


def create_lambda(session: Any, name: str) -> None:
    import io
    import zipfile

    role = session.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    session.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                             Handler="app.handler", Code={"ZipFile": code.getvalue()})


def put_log_lines(session: Any, group: str, stream: str, *lines: str) -> None:
    logs = session.client("logs")
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])


# ------------------------------------------------------------------ a webhook on loopback


@dataclass
class Webhook:
    """A Slack-like incoming webhook: what was posted, and the status it answers with."""

    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    status: int = 200

    def connection(self, token: str = "T000/B000/XXXX") -> str:
        return json.dumps({"conn_type": "slackwebhook", "host": f"127.0.0.1:{self.port}/services",
                           "schema": "http", "password": token})


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    hook = Webhook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hook.posts.append(json.loads(body))
            hook.paths.append(self.path)
            answer = b"ok" if hook.status == 200 else b"invalid_payload"
            self.send_response(hook.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()

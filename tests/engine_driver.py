"""Drives the real handlers with AWS-shaped events, for engine tests: upload a DAG file and
hand its S3 event to the dag processor, trigger a run, deliver SQS messages to the worker."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

from updraft.local.events import LambdaContext, s3_event, sqs_event
from updraft.models.dagrun import create_dag_run, start_dag_run
from updraft.models.records import DagRun
from updraft.models.states import DagRunType
from updraft.processing.processor import process_s3_event
from updraft.timeutil import utcnow


class Driver:
    def __init__(self, services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> None:
        self.services = services
        self.handlers = handlers
        self.queue_arn = stack_env["queue_arn"]

    def upload(self, name: str, source: str, now: datetime | None = None) -> dict[str, Any]:
        """Put a DAG file and hand its S3 event to the dag processor (at `now` if given)."""
        key = f"dags/{name}"
        version = self.services.bucket.put(key, textwrap.dedent(source))
        event = s3_event(self.services.bucket.name, key, version_id=version)
        if now is not None:  # the schedule is computed at processing time: pin it
            return process_s3_event(self.services, event, now=now)["files"][0]
        return self.handlers["dag_processor"](event, LambdaContext("DagProcessorFunction", 512, 120))["files"][0]

    def trigger(self, dag_id: str, run_id: str = "manual__test") -> DagRun:
        dag = self.services.dags.get(dag_id, consistent=True)
        now = utcnow()
        run = create_dag_run(self.services, dag, run_id=run_id, run_type=DagRunType.MANUAL,
                             logical_date=now, data_interval=(now, now), run_after=now, now=now)
        start_dag_run(self.services, run, now)
        return run

    def receive(self) -> list[dict[str, Any]]:
        """Every message now visible in the task queue (deleted from it)."""
        client, url = self.services.queue.client, self.services.queue.url
        out = []
        while True:
            got = client.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                return out
            out.extend(got)
            for message in got:
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def deliver(self, messages: list[dict[str, Any]], timeout: int = 900) -> dict[str, Any]:
        """Invoke the worker function with these messages as one SQS event (`timeout`: the
        seconds the invocation has)."""
        context = LambdaContext("WorkerFunction", 1024, timeout)
        return self.handlers["worker"](sqs_event(messages, self.queue_arn), context)

    def drain(self, *, duplicate: bool = False, rounds: int = 200) -> int:
        """Deliver every message, one per event as the template's BatchSize says (each twice
        with `duplicate`), until the queue stays empty."""
        delivered = 0
        for _ in range(rounds):
            messages = self.receive()
            if not messages:
                return delivered
            for message in messages:
                for _ in range(2 if duplicate else 1):
                    assert self.deliver([message]) == {"batchItemFailures": []}
                    delivered += 1
        return delivered

    def states(self, dag_id: str, run_id: str) -> dict[str, tuple[str, int]]:
        return {t.task_id: (str(t.state), t.try_number) for t in self.services.tis.list(dag_id, run_id)}

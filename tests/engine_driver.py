"""Drives the real handlers' package functions by hand, for engine tests: upload a DAG file,
run the dag processor on its S3 event, trigger, and deliver SQS messages to the worker."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

from updraft.execution.worker import run_message
from updraft.models.dagrun import create_dag_run, start_dag_run
from updraft.models.records import DagRun
from updraft.models.states import DagRunType
from updraft.processing.processor import process_s3_event
from updraft.timeutil import utcnow


def upload(services: Any, name: str, source: str, now: datetime | None = None) -> dict[str, Any]:
    key = f"dags/{name}"
    version = services.bucket.put(key, textwrap.dedent(source))
    event = {"Records": [{"eventName": "ObjectCreated:Put",
                          "s3": {"object": {"key": key, "versionId": version}}}]}
    return process_s3_event(services, event, now=now)["files"][0]


def trigger(services: Any, dag_id: str, run_id: str = "manual__test") -> DagRun:
    dag = services.dags.get(dag_id, consistent=True)
    now = utcnow()
    run = create_dag_run(services, dag, run_id=run_id, run_type=DagRunType.MANUAL, logical_date=now,
                         data_interval=(now, now), run_after=now, now=now)
    start_dag_run(services, run, now)
    return run


def receive(services: Any, wait: int = 0) -> list[dict[str, Any]]:
    client = services.queue.client
    out = []
    while True:
        got = client.receive_message(QueueUrl=services.queue.url, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=wait).get("Messages", [])
        if not got:
            return out
        out.extend(got)
        for m in got:
            client.delete_message(QueueUrl=services.queue.url, ReceiptHandle=m["ReceiptHandle"])


def drain(services: Any, *, duplicate: bool = False, rounds: int = 200) -> int:
    """Deliver every message (twice each with `duplicate`) until the queue stays empty."""
    delivered = 0
    for _ in range(rounds):
        messages = receive(services)
        if not messages:
            return delivered
        for message in messages:
            for _ in range(2 if duplicate else 1):
                run_message(services, message["Body"])
                delivered += 1
    return delivered


def states(services: Any, dag_id: str, run_id: str) -> dict[str, tuple[str, int]]:
    return {t.task_id: (str(t.state), t.try_number) for t in services.tis.list(dag_id, run_id)}

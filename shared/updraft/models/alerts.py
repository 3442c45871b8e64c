"""The stack's alert topic: one SNS message when a DagRun fails.

Published by whoever records the run's end (the worker that finished its last task instance,
or the scheduler timing it out) — that write is conditional, so one message per failed run.
Subscribe an email address, a chat integration, an SQS queue or a Lambda to the stack's
`AlertTopicArn` output. Nothing is sent when the `UPDRAFT_ALERT_TOPIC_ARN` setting is empty,
and a failure to publish is logged: an alert never changes a run."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from updraft.models.records import DagRun

log = logging.getLogger("updraft.engine")

MAX_SUBJECT = 100  # SNS's limit on a subject


def alert_message(run: DagRun, reason: str) -> dict[str, Any]:
    """What a subscriber gets: the run, its end and why, as JSON."""
    return {
        "event": "dag_run_failed",
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": "failed",
        "reason": reason,
        "run_type": run.run_type,
        "logical_date": run.logical_date,
        "start_date": run.start_date,
        "stage": os.environ.get("UPDRAFT_STAGE"),
    }


def publish_run_failure(services: Any, run: DagRun, reason: str) -> bool:
    """Publish the failed run to the alert topic, if the stack has one; True when sent."""
    topic = services.settings.alert_topic_arn
    if not topic:
        return False
    body = alert_message(run, reason)
    text = (f"DAG run failed: {run.dag_id} {run.run_id}\nReason: {reason}\n"
            f"Logical date: {run.logical_date}\nStarted: {run.start_date}\n\n{json.dumps(body, indent=2)}")
    try:
        import boto3

        session = getattr(services, "session", None) or boto3.session.Session()
        session.client("sns").publish(
            TopicArn=topic,
            Subject=f"Updraft: DAG run failed: {run.dag_id}"[:MAX_SUBJECT],
            MessageStructure="json",
            Message=json.dumps({"default": json.dumps(body), "email": text, "email-json": json.dumps(body)}),
            MessageAttributes={
                "dag_id": {"DataType": "String", "StringValue": run.dag_id},
                "event": {"DataType": "String", "StringValue": "dag_run_failed"},
            },
        )
    except Exception:  # noqa: BLE001 - the run's end stands; say why the alert did not go
        log.exception("Could not publish the failure of %s %s to %s", run.dag_id, run.run_id, topic)
        return False
    log.info("Published the failure of %s %s to the alert topic", run.dag_id, run.run_id)
    return True

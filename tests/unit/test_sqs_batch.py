"""The worker's partial batch response, as Lambda's ReportBatchItemFailures reads it."""

from __future__ import annotations

from typing import Any

import pytest

from updraft.execution.sqs_batch import BatchFailed, process_sqs_batch
from updraft.local.events import sqs_event


def _event(*bodies: str) -> dict[str, Any]:
    return sqs_event([{"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Body": body, "Attributes": {},
                       "MD5OfBody": ""} for n, body in enumerate(bodies)], "arn:aws:sqs:us-east-1:123456789012:q")


def _handle(record: Any) -> None:
    if record["body"] == "bad":
        raise RuntimeError("boom")


def test_a_batch_that_succeeds_reports_no_failures() -> None:
    assert process_sqs_batch(_event("ok", "ok"), _handle) == {"batchItemFailures": []}


def test_only_the_failed_records_are_reported() -> None:
    assert process_sqs_batch(_event("ok", "bad", "ok"), _handle) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_a_batch_whose_every_record_failed_fails_whole() -> None:
    with pytest.raises(BatchFailed, match="All 2 records failed"):
        process_sqs_batch(_event("bad", "bad"), _handle)


def test_an_event_without_records_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid event format"):
        process_sqs_batch({}, _handle)

"""An SQS event's records handled one by one, the failed ones reported back to Lambda
(`ReportBatchItemFailures`), as Powertools' BatchProcessor reports them: a record whose
handler raises is named in `batchItemFailures` and comes back; when every record failed the
whole invocation fails. Kept here, small, because Powertools' batch utility imports its
logger, metrics, tracer and asyncio on every cold start of the worker, which uses none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

log = logging.getLogger("updraft.worker")


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


class BatchFailed(Exception):
    """Every record of the batch failed: Lambda retries the batch whole."""


def process_sqs_batch(event: Mapping[str, Any], handle: Callable[[Mapping[str, Any]], None]) -> PartialBatchResponse:
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError("Invalid event format: an SQS event has a list of Records")
    failures: list[ItemFailure] = []
    for record in records:
        try:
            handle(record)
        except Exception:  # noqa: BLE001 - the record is reported failed, the others go on
            log.exception("SQS message %s failed; it will be delivered again", record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    if records and len(failures) == len(records):
        raise BatchFailed(f"All {len(records)} records failed processing; the errors are logged above")
    return {"batchItemFailures": failures}

"""Worker: runs the task instances SQS hands over, reporting failed records individually."""

from typing import Any

from updraft.execution.sqs_batch import process_sqs_batch
from updraft.execution.worker import run_message
from updraft.services import services_from_env


def handler(event: dict, context: Any) -> dict:
    def record_handler(record: dict) -> None:
        run_message(
            services_from_env(), record["body"],
            seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        )

    return process_sqs_batch(event, record_handler)

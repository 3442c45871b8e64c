"""Worker: runs the task instances SQS hands over, reporting failed records individually."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from updraft.execution.worker import run_message
from updraft.services import services_from_env


def handler(event: dict, context: Any) -> dict:
    # A processor per invocation: it keeps the batch's state, and the local stack may run
    # several invocations of this module at once.
    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> None:
        run_message(
            services_from_env(), record.body,
            seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        )

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )

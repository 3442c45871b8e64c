"""SnsPublishOperator: publish a message to Amazon SNS (Airflow's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from updraft.hooks.sns import SnsHook
from updraft.operators.base_aws import AwsBaseOperator, aws_template_fields


class SnsPublishOperator(AwsBaseOperator):
    """Publish `message` to `target_arn` (a topic or an endpoint); SNS's response is the XCom."""

    template_fields: Sequence[str] = aws_template_fields(
        "target_arn", "message", "subject", "message_attributes", "message_deduplication_id", "message_group_id")
    template_fields_renderers = {"message_attributes": "json"}
    aws_hook_class = SnsHook

    def __init__(
        self,
        *,
        target_arn: str,
        message: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        message_deduplication_id: str | None = None,
        message_group_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target_arn = target_arn
        self.message = message
        self.subject = subject
        self.message_attributes = message_attributes
        self.message_deduplication_id = message_deduplication_id
        self.message_group_id = message_group_id

    def execute(self, context: Any) -> Any:
        import logging

        logging.getLogger("updraft.task").info(
            "Sending SNS notification to %s using %s:\nsubject=%s\nattributes=%s\nmessage=%s",
            self.target_arn, self.aws_conn_id, self.subject, self.message_attributes, self.message)
        return self.hook.publish_to_target(
            target_arn=self.target_arn, message=self.message, subject=self.subject,
            message_attributes=self.message_attributes, message_deduplication_id=self.message_deduplication_id,
            message_group_id=self.message_group_id,
        )

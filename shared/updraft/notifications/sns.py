"""SnsNotifier: publish to Amazon SNS from a callback, as Airflow's."""

from __future__ import annotations

import functools
from typing import Any

from updraft.hooks.sns import SnsHook
from updraft.notifications.base import BaseNotifier


class SnsNotifier(BaseNotifier):
    """`on_failure_callback=SnsNotifier(target_arn=..., message="{{ dag_run.run_id }} failed")`."""

    template_fields = ("target_arn", "message", "subject", "message_attributes", "aws_conn_id", "region_name")

    def __init__(
        self,
        *,
        aws_conn_id: str | None = SnsHook.default_conn_name,
        target_arn: str,
        message: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        region_name: str | None = None,
    ) -> None:
        super().__init__()
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.target_arn = target_arn
        self.message = message
        self.subject = subject
        self.message_attributes = message_attributes

    @functools.cached_property
    def hook(self) -> SnsHook:
        return SnsHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)

    def notify(self, context: dict[str, Any]) -> None:
        self.hook.publish_to_target(target_arn=self.target_arn, message=self.message, subject=self.subject,
                                    message_attributes=self.message_attributes)


send_sns_notification = SnsNotifier

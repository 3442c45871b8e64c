"""SnsHook: publish to an Amazon SNS topic or endpoint, as Airflow's."""

from __future__ import annotations

import json
from typing import Any

from updraft.hooks.base_aws import AwsBaseHook, trim_none_values


def _message_attribute(value: Any) -> dict[str, Any]:
    """SNS's typed attribute for a plain value: bytes, str, number, or a list of strings."""
    if isinstance(value, bytes):
        return {"DataType": "Binary", "BinaryValue": value}
    if isinstance(value, str):
        return {"DataType": "String", "StringValue": value}
    if isinstance(value, (int, float)):
        return {"DataType": "Number", "StringValue": str(value)}
    if hasattr(value, "__iter__"):
        return {"DataType": "String.Array", "StringValue": json.dumps(value)}
    raise TypeError(
        f"Values in MessageAttributes must be one of bytes, str, int, float, or iterable; got {type(value)}")


def publish_kwargs(target_arn: str, message: str, subject: str | None = None,
                   message_attributes: dict[str, Any] | None = None,
                   message_deduplication_id: str | None = None,
                   message_group_id: str | None = None) -> dict[str, Any]:
    kwargs = trim_none_values({
        "TargetArn": target_arn,
        "MessageStructure": "json",
        "Message": json.dumps({"default": message}),
        "Subject": subject,
        "MessageDeduplicationId": message_deduplication_id,
        "MessageGroupId": message_group_id,
    })
    if message_attributes:
        kwargs["MessageAttributes"] = {k: _message_attribute(v) for k, v in message_attributes.items()}
    return kwargs


class SnsHook(AwsBaseHook):
    """Interact with Amazon SNS (`boto3.client("sns")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "sns"
        super().__init__(*args, **kwargs)

    def publish_to_target(self, target_arn: str, message: str, subject: str | None = None,
                          message_attributes: dict[str, Any] | None = None,
                          message_deduplication_id: str | None = None,
                          message_group_id: str | None = None) -> dict[str, Any]:
        """Publish `message` to a topic ARN or an endpoint ARN; the response holds MessageId.
        `message_attributes` is a flat dict, each value's SNS type chosen from its Python type."""
        return self.get_conn().publish(**publish_kwargs(
            target_arn, message, subject, message_attributes, message_deduplication_id, message_group_id))

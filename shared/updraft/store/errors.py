"""The store's own errors, so nothing above it imports botocore."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """A request to DynamoDB or S3 failed for a reason other than a condition."""


class ConditionFailed(StoreError):
    """A conditional write found the item in another state; `item` is what it found, if known."""

    def __init__(
        self, message: str = "condition failed", item: dict[str, Any] | None = None,
        failed_ops: list[int] | None = None,
    ):
        super().__init__(message)
        self.item = item
        # In a transaction: the positions of the operations whose conditions failed.
        self.failed_ops = failed_ops or []

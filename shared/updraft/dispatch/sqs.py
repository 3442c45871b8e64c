"""The task queue: sends task messages, ten to a request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from updraft.dispatch.messages import TaskMessage
from updraft.store.errors import StoreError

MAX_DELAY_SECONDS = 900  # SQS's limit; longer waits are the scheduler's timers


class TaskQueue:
    def __init__(self, client: Any, url: str) -> None:
        self.client = client
        self.url = url

    def send(self, messages: Sequence[TaskMessage], delay_seconds: int = 0) -> None:
        delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            entries = [
                {"Id": str(n), "MessageBody": m.to_json(), "DelaySeconds": delay}
                for n, m in enumerate(batch)
            ]
            try:
                resp = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
            except ClientError as err:
                raise StoreError(f"SQS send to {self.url} failed: {err}") from err
            if resp.get("Failed"):
                raise StoreError(f"SQS refused messages: {resp['Failed']}")

"""The SQS message that asks a worker to run one try of one task instance.

Fields added later get defaults, so a message sent by an older worker still parses; unknown
fields are ignored. Format: docs/sqs-messages.md."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

MESSAGE_VERSION = 1


@dataclass(frozen=True)
class TaskMessage:
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = -1
    v: int = MESSAGE_VERSION
    # "task": run this try; "dag_callback": call the DAG's on_success/on_failure callback for
    # the finished run (`reason` says why it ended: success, task_failure, timed_out).
    kind: str = "task"
    reason: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, body: str) -> "TaskMessage":
        data: dict[str, Any] = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a task message is a JSON object")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def dedup_id(self) -> str:
        return f"{self.dag_id}|{self.run_id}|{self.task_id}|{self.map_index}|{self.try_number}"

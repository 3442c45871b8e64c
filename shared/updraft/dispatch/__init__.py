"""Handing task instances to workers through SQS."""

from updraft.dispatch.messages import TaskMessage
from updraft.dispatch.sqs import TaskQueue

__all__ = ["TaskMessage", "TaskQueue"]

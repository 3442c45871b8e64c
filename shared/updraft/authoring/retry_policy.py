"""Retry policies (Airflow 3.3's `retry_policy=`): the exception a try failed with decides
whether it is retried (perhaps after a delay of its own), failed now, or left to `retries`.

The policy runs in the worker, where the exception is; the engine only sees the outcome."""

from __future__ import annotations

import abc
import importlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

log = logging.getLogger("updraft.task")

__all__ = ["ExceptionRetryPolicy", "RetryAction", "RetryDecision", "RetryPolicy", "RetryRule"]


class RetryAction(Enum):
    RETRY = "retry"  # retry, within the task's `retries` (a policy cannot add tries)
    FAIL = "fail"  # fail now, whatever retries are left
    DEFAULT = "default"  # the task's own retry settings decide


@dataclass(frozen=True)
class RetryDecision:
    action: RetryAction = RetryAction.DEFAULT
    retry_delay: timedelta | None = None  # this retry's wait (None: the task's)
    reason: str | None = None

    @classmethod
    def fail(cls, reason: str | None = None) -> "RetryDecision":
        return cls(action=RetryAction.FAIL, reason=reason)

    @classmethod
    def retry(cls, delay: timedelta | None = None, reason: str | None = None) -> "RetryDecision":
        return cls(action=RetryAction.RETRY, retry_delay=delay, reason=reason)

    @classmethod
    def default(cls) -> "RetryDecision":
        return cls(action=RetryAction.DEFAULT)


class RetryPolicy(abc.ABC):
    """Subclass and implement `evaluate`; AirflowFailException and sensor timeouts never
    reach it (they always fail the task)."""

    @abc.abstractmethod
    def evaluate(self, exception: BaseException, try_number: int, max_tries: int,
                 context: Any = None) -> RetryDecision:
        ...


def _import_string(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass
class RetryRule:
    """One exception (a class, a dotted path, or a list of them) and what to do about it."""

    exception: Any
    action: RetryAction = RetryAction.RETRY
    retry_delay: timedelta | None = None
    reason: str | None = None
    match_subclasses: bool = True
    _resolved: list[type[BaseException]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for spec in self._specs:
            if isinstance(spec, str) and (not spec or "." not in spec):
                raise ValueError(
                    "RetryRule exception string must be a dotted import path "
                    f"(e.g. 'builtins.ValueError'), got {spec!r}"
                )

    @property
    def _specs(self) -> list[Any]:
        return self.exception if isinstance(self.exception, list) else [self.exception]

    def _classes(self) -> list[type[BaseException]]:
        if self._resolved is None:
            resolved = []
            for spec in self._specs:
                if isinstance(spec, type):
                    resolved.append(spec)
                    continue
                try:
                    resolved.append(_import_string(spec))
                except (ImportError, AttributeError):
                    log.warning("Could not import exception class %r, it will not match", spec)
            self._resolved = resolved
        return self._resolved

    def matches(self, exc: BaseException) -> bool:
        classes = self._classes()
        if not classes:
            return False
        return isinstance(exc, tuple(classes)) if self.match_subclasses else type(exc) in classes


class ExceptionRetryPolicy(RetryPolicy):
    """Rules in order, the first that matches decides; none: `default`."""

    def __init__(self, rules: list[RetryRule], default: RetryAction = RetryAction.DEFAULT) -> None:
        self.rules = rules
        self.default = default

    def evaluate(self, exception: BaseException, try_number: int, max_tries: int,
                 context: Any = None) -> RetryDecision:
        for rule in self.rules:
            if rule.matches(exception):
                return RetryDecision(action=rule.action, retry_delay=rule.retry_delay,
                                     reason=rule.reason or f"Matched rule for {type(exception).__name__}")
        return RetryDecision(action=self.default)


def decide_retry(task: Any, exception: BaseException, try_number: int, context: Any) -> RetryDecision | None:
    """The task's policy's decision for this failure; None without a policy, or when the policy
    itself fails (then, as in Airflow, the task's own retry settings decide)."""
    policy = getattr(task, "retry_policy", None)
    if policy is None:
        return None
    try:
        decision = policy.evaluate(exception=exception, try_number=try_number,
                                   max_tries=int(getattr(task, "retries", 0) or 0), context=context)
    except Exception:  # noqa: BLE001 - a broken policy must not hide the task's own error
        log.exception("Retry policy evaluation failed, falling back to default behaviour")
        return None
    if decision.reason:
        log.info("Retry policy decision: %s (%s)", decision.action.value, decision.reason)
    return decision

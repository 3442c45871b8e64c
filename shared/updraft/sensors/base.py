"""BaseSensorOperator: wait for a condition by poking, in a worker (`poke`) or without
holding one (`reschedule`), as Airflow's sensors do."""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
)

log = logging.getLogger("updraft.task")

VALID_MODES = ("poke", "reschedule")


@dataclass
class PokeReturnValue:
    """What poke() may return: done or not, and the value to push to XCom when done."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return self.is_done


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BaseSensorOperator(BaseOperator):
    """Subclasses implement `poke(context) -> bool | PokeReturnValue`."""

    ui_color = "#e6f1f2"
    valid_modes: Sequence[str] = VALID_MODES

    def __init__(
        self,
        *,
        poke_interval: float | timedelta = 60,
        timeout: float | timedelta = 7 * 24 * 60 * 60,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: float | timedelta | None = None,
        silent_fail: bool = False,
        never_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _seconds(poke_interval)
        self.timeout = _seconds(timeout)
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = _seconds(max_wait) if max_wait is not None else None
        if soft_fail is True and never_fail is True:
            raise ValueError("soft_fail and never_fail are mutually exclusive, you can not provide both.")
        self.silent_fail = silent_fail
        self.never_fail = never_fail
        if self.poke_interval < 0:
            raise AirflowException("The poke_interval must be a non-negative number")
        if self.timeout < 0:
            raise AirflowException("The timeout must be a non-negative number")
        if self.mode not in self.valid_modes:
            raise AirflowException(
                f"The mode must be one of {self.valid_modes},'{self.dag_id}.{self.task_id}'; "
                f"received '{self.mode}'."
            )

    def poke(self, context: Any) -> bool | PokeReturnValue:
        raise NotImplementedError(f"{type(self).__name__} must implement poke()")

    def _progress(self, context: Any) -> tuple[datetime, int]:
        """When this try first poked, and how many pokes so far (kept across reschedules)."""
        record = getattr(context.get("ti"), "record", None)
        if record is not None and record.poke_try == context["ti"].try_number and record.first_poke_at:
            return datetime.fromisoformat(record.first_poke_at), int(record.poke_count)
        return datetime.now(timezone.utc), 0

    def execute(self, context: Any) -> Any:
        started_at, poke_count = self._progress(context)
        while True:
            poke_count += 1
            result = self._poke_once(context)
            if result:
                log.info("Success criteria met. Exiting.")
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            elapsed = (datetime.now(timezone.utc) - started_at).total_seconds()
            if elapsed > self.timeout:
                message = f"Sensor has timed out; run duration of {elapsed} seconds exceeds the specified timeout of {self.timeout}."
                if self.soft_fail:
                    raise AirflowSkipException(message)
                raise AirflowSensorTimeout(message)
            interval = self._next_interval(started_at, elapsed, poke_count)
            if self.mode == "reschedule" or self._lambda_too_short(context, interval):
                raise AirflowRescheduleException(
                    datetime.now(timezone.utc) + timedelta(seconds=interval),
                    started_at=started_at, poke_count=poke_count,
                )
            self.log_waiting(interval)
            time.sleep(interval)

    def _poke_once(self, context: Any) -> bool | PokeReturnValue:
        """One poke, its errors taken as Airflow's sensors take them: a timeout or a
        no-retry failure skips the task with soft_fail or never_fail; any other error is
        "not yet" with silent_fail, and skips it with never_fail."""
        try:
            return self.poke(context)
        except (AirflowSensorTimeout, AirflowTaskTimeout, AirflowFailException) as e:
            if self.soft_fail:
                raise AirflowSkipException("Skipping due to soft_fail is set to True.") from e
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from e
            raise
        except (AirflowSkipException, AirflowRescheduleException):
            raise
        except Exception as e:
            if self.silent_fail:
                log.error("Sensor poke failed: \n %s", traceback.format_exc())
                return False
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from e
            raise

    @staticmethod
    def _lambda_too_short(context: Any, interval: float) -> bool:
        """A poking sensor whose next poke would come after its Lambda must end frees the
        worker instead and comes back, as in reschedule mode (same try, same timeout)."""
        deadline = getattr(context.get("ti"), "lambda_deadline", None)
        return deadline is not None and time.monotonic() + interval >= deadline

    def log_waiting(self, interval: float) -> None:
        log.info("Sleeping for %s seconds before poking again", interval)

    def _next_interval(self, started_at: datetime, elapsed: float, poke_count: int) -> float:
        """Airflow's _get_next_poke_interval: poke_interval, or a jittered exponential backoff."""
        if not self.exponential_backoff:
            return self.poke_interval
        if poke_count < 1:
            poke_count = 1
        min_backoff = max(int(self.poke_interval * (2 ** (poke_count - 2))), 1)
        run_hash = int(
            hashlib.sha1(f"{self.dag_id}#{self.task_id}#{started_at}#{poke_count}".encode(),
                         usedforsecurity=False).hexdigest(),
            16,
        )
        interval = min(min_backoff + run_hash % min_backoff, self.timeout - int(elapsed))
        if self.max_wait is not None:
            interval = min(self.max_wait, interval)
        return max(interval, 0)

"""DateTimeSensor, TimeDeltaSensor and TimeSensor: wait for a moment, without holding a
worker; WaitSensor: wait a while from the task's start."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from datetime import time as time_of_day
from typing import Any

import pendulum

from updraft.exceptions import AirflowRescheduleException
from updraft.sensors.base import BaseSensorOperator
from updraft.timeutil import coerce_datetime, dag_timezone, utcnow

log = logging.getLogger("updraft.task")


class DateTimeSensor(BaseSensorOperator):
    """Waits until `target_time` (a datetime or a templated ISO string)."""

    template_fields: Sequence[str] = ("target_time",)

    def __init__(self, *, target_time: str | datetime, **kwargs: Any) -> None:
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        if isinstance(target_time, datetime):
            self.target_time: str = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError(f"Expected str or datetime.datetime type for target_time. Got {type(target_time)}")

    def _target(self) -> datetime:
        target = coerce_datetime(self.target_time)
        assert target is not None
        return target

    def poke(self, context: Any) -> bool:
        import logging

        logging.getLogger("updraft.task").info("Checking if the time (%s) has come", self.target_time)
        return datetime.now(timezone.utc) > self._target()

    def _next_interval(self, started_at: datetime, elapsed: float, poke_count: int) -> float:
        # Come back when the target time is reached, not a whole poke interval later.
        remaining = (self._target() - datetime.now(timezone.utc)).total_seconds()
        return max(min(super()._next_interval(started_at, elapsed, poke_count), remaining + 0.1), 0.1)


class TimeDeltaSensor(DateTimeSensor):
    """Waits until `delta` after the run's data interval end (Airflow's default base)."""

    def __init__(
        self, *, delta: timedelta, deferrable: bool = False, end_from_trigger: bool = False, **kwargs: Any
    ) -> None:
        # Deferring waits without a worker; so does reschedule mode, the default here.
        if deferrable:
            kwargs["mode"] = "reschedule"
        super().__init__(target_time=datetime.min.replace(tzinfo=timezone.utc), **kwargs)
        self.delta = delta
        self.deferrable = deferrable
        self.end_from_trigger = end_from_trigger

    def execute(self, context: Any) -> Any:
        base = context.get("data_interval_end") or context["logical_date"]
        self.target_time = (base + self.delta).isoformat()
        if self.deferrable and utcnow() > self._target():
            return True  # Airflow's deferrable path returns before deferring
        return super().execute(context)


class TimeSensor(BaseSensorOperator):
    """Waits until `target_time` (a time of day, in the DAG's timezone) on the day the task
    started, as Airflow computes it when its worker parses the DAG file: once per try in
    poke mode and when deferring, at every poke in reschedule mode chosen by the DAG.

    `deferrable=True` waits as Airflow's trigger does: without a worker and without the
    sensor's timeout, until the moment has come."""

    def __init__(
        self,
        *,
        target_time: time_of_day,
        deferrable: bool = False,
        start_from_trigger: bool = False,
        end_from_trigger: bool = False,
        trigger_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # Waiting for a time should not hold a Lambda (docs/differences.md).
        self._recompute_each_poke = kwargs.get("mode") == "reschedule" and not deferrable
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.target_time = target_time
        self.deferrable = deferrable
        self.start_from_trigger = start_from_trigger
        self.end_from_trigger = end_from_trigger
        self.trigger_kwargs = trigger_kwargs
        self.target_datetime = self._target_on(utcnow())

    def _target_on(self, moment: datetime) -> datetime:
        """`target_time` on `moment`'s date in the DAG's timezone, in UTC."""
        tz = dag_timezone(self.dag)
        aware = datetime.combine(moment.astimezone(tz), self.target_time, tz)
        return pendulum.instance(aware).in_timezone("UTC")

    def execute(self, context: Any) -> Any:
        started_at, poke_count = self._progress(context)
        self.target_datetime = self._target_on(utcnow() if self._recompute_each_poke else started_at)
        if not self.deferrable:
            return super().execute(context)
        if utcnow() >= self.target_datetime:
            return None
        raise AirflowRescheduleException(self.target_datetime, started_at=started_at, poke_count=poke_count + 1)

    def poke(self, context: Any) -> bool:
        log.info("Checking if the time (%s) has come", self.target_datetime)
        return utcnow() > self.target_datetime


class WaitSensor(BaseSensorOperator):
    """Waits `time_to_wait` (a timedelta, or minutes) from the task's start, then succeeds.

    A wait that would outlast the worker Lambda, or a deferrable one, frees the worker and
    comes back when it is over, keeping the try's start."""

    template_fields: Sequence[str] = ("time_to_wait",)

    def __init__(self, time_to_wait: timedelta | int, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deferrable = deferrable
        self.time_to_wait = time_to_wait

    def _resolve_time_to_wait(self) -> timedelta:
        value = self.time_to_wait
        if isinstance(value, timedelta):
            return value
        return timedelta(minutes=int(value))

    def execute(self, context: Any) -> None:
        time_to_wait = self._resolve_time_to_wait()
        if not self.deferrable:  # Airflow sleeps whole seconds
            time_to_wait = timedelta(seconds=int(time_to_wait.total_seconds()))
        started_at, poke_count = self._progress(context)
        deadline = started_at + time_to_wait
        remaining = (deadline - utcnow()).total_seconds()
        if remaining <= 0:
            return None
        if self.deferrable or self._lambda_too_short(context, remaining):
            raise AirflowRescheduleException(deadline, started_at=started_at, poke_count=poke_count + 1)
        time.sleep(remaining)
        return None

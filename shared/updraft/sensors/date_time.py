"""DateTimeSensor and TimeDeltaSensor: wait for a moment, without holding a worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from updraft.sensors.base import BaseSensorOperator
from updraft.timeutil import coerce_datetime


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

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        super().__init__(target_time=datetime.min.replace(tzinfo=timezone.utc), **kwargs)
        self.delta = delta

    def execute(self, context: Any) -> Any:
        base = context.get("data_interval_end") or context["logical_date"]
        self.target_time = (base + self.delta).isoformat()
        return super().execute(context)

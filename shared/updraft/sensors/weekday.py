"""DayOfWeekSensor and the WeekDay enum it (and BranchDayOfWeekOperator) take days as
(Airflow's providers/standard/sensors/weekday.py and utils/weekday.py)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from typing import Any

from updraft.sensors.base import BaseSensorOperator
from updraft.timeutil import utcnow

log = logging.getLogger("updraft.task")


@enum.unique
class WeekDay(enum.IntEnum):
    """The days of the week, numbered as ISO 8601 (and `isoweekday()`) numbers them."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> WeekDay:
        """The day named `week_day_str` (its full name, in any case)."""
        sanitized_week_day_str = week_day_str.upper()
        if sanitized_week_day_str not in cls.__members__:
            raise AttributeError(f'Invalid Week Day passed: "{week_day_str}"')
        return cls[sanitized_week_day_str]

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        """The day's ISO number, from a WeekDay or a day's name."""
        if isinstance(day, WeekDay):
            return day
        return cls.get_weekday_number(week_day_str=day)

    @classmethod
    def validate_week_day(cls, week_day: str | WeekDay | Iterable[str] | Iterable[WeekDay]) -> set[int]:
        """One day or several (names or WeekDays) as a set of ISO numbers, to compare with."""
        if not isinstance(week_day, Iterable):
            if isinstance(week_day, WeekDay):
                week_day = {week_day}
            else:
                raise TypeError(
                    f"Unsupported Type for week_day parameter: {type(week_day)}."
                    "Input should be iterable type:"
                    "str, set, list, dict or Weekday enum type"
                )
        if isinstance(week_day, str):
            week_day = {week_day}
        return {cls.convert(item) for item in week_day}


class DayOfWeekSensor(BaseSensorOperator):
    """Waits until the day of the week (in UTC, or of the run's logical date with
    `use_task_logical_date`) is one of `week_day`."""

    def __init__(
        self,
        *,
        week_day: str | Iterable[str] | WeekDay | Iterable[WeekDay],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date
        self._week_day_num = WeekDay.validate_week_day(week_day)

    def poke(self, context: Any) -> bool:
        log.info(
            "Poking until weekday is in %s, Today is %s",
            self.week_day, WeekDay(utcnow().isoweekday()).name,
        )
        if self.use_task_logical_date:
            logical_date = context.get("logical_date")
            dag_run = context.get("dag_run")
            run_after = getattr(dag_run, "run_after", None) if dag_run else None
            if not (logical_date or run_after):
                raise ValueError(
                    "Either `logical_date` or `run_after` should be provided in the task context when "
                    "`use_task_logical_date` is True"
                )
            day = logical_date.isoweekday() if logical_date else run_after.isoweekday()
            return day in self._week_day_num
        return utcnow().isoweekday() in self._week_day_num

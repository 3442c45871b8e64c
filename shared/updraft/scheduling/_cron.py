"""Timezone-aware cron stepping shared by the cron timetables (Airflow's `_cron.py`).

croniter only knows naive times, so each step converts to the timetable's wall clock,
asks croniter, and converts back. Around daylight-saving changes this keeps a 09:00
job at 09:00 local on both sides of the change.
"""

from __future__ import annotations

import datetime as dt

from croniter import CroniterError, croniter
from pendulum import DateTime

from updraft.exceptions import AirflowTimetableInvalid
from updraft.scheduling._describe import describe_cron
from updraft.scheduling._tz import (
    PendulumTimezone,
    TimezoneLike,
    coerce_datetime,
    convert_to_utc,
    make_aware,
    make_naive,
    parse_timezone,
)

# Airflow's own presets. croniter itself also knows @annually and @midnight, so those
# work too, but (as in Airflow) they are kept as written rather than expanded.
CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}


def _covers_every_hour(cron: croniter) -> bool:
    """Whether the cron fires in every hour, where the DST fold hour needs elapsed-time stepping."""
    return cron.expanded[1] == ["*"]


class CronMixin:
    """A cron expression evaluated in a timezone."""

    def __init__(self, cron: str, timezone: TimezoneLike) -> None:
        self._expression = CRON_PRESETS.get(cron, cron)
        self._timezone: PendulumTimezone = parse_timezone(timezone)
        self.description = self._describe()

    def _describe(self) -> str:
        try:
            if len(croniter(self._expression).expanded) > 5:
                return ""
        except CroniterError:
            return ""
        return describe_cron(self._expression)

    @property
    def summary(self) -> str:
        return self._expression

    def validate(self) -> None:
        try:
            croniter(self._expression)
        except CroniterError as err:
            raise AirflowTimetableInvalid(str(err)) from err

    def _get_next(self, current: DateTime) -> DateTime:
        """The first fire time strictly after `current`, in UTC."""
        current = coerce_datetime(current)
        naive = make_naive(current, self._timezone)
        cron = croniter(self._expression, start_time=naive)
        while True:
            scheduled = cron.get_next(dt.datetime)
            if _covers_every_hour(cron):
                result = convert_to_utc(current.in_timezone(self._timezone) + (scheduled - naive))
            else:
                result = convert_to_utc(make_aware(scheduled, self._timezone))
            # A wall time in a DST gap or fold can land at or before `current`; step on.
            if result > current:
                return result

    def _get_prev(self, current: DateTime) -> DateTime:
        """The last fire time strictly before `current`, in UTC."""
        current = coerce_datetime(current)
        naive = make_naive(current, self._timezone)
        cron = croniter(self._expression, start_time=naive)
        while True:
            scheduled = cron.get_prev(dt.datetime)
            if _covers_every_hour(cron):
                result = convert_to_utc(current.in_timezone(self._timezone) - (naive - scheduled))
            else:
                result = convert_to_utc(make_aware(scheduled, self._timezone))
            if result < current:
                return result

    def _align_to_next(self, current: DateTime) -> DateTime:
        """`current` if it is a fire time, else the next one."""
        next_time = self._get_next(current)
        if self._get_prev(next_time) != current:
            return next_time
        return current

    def _align_to_prev(self, current: DateTime) -> DateTime:
        """`current` if it is a fire time, else the previous one."""
        prev_time = self._get_prev(current)
        if self._get_next(prev_time) != current:
            return prev_time
        return current

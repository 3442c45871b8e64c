"""Data-interval timetables: a run covers a whole period and starts when it ends.

Airflow's `timetables/interval.py`: Airflow 2's meaning of a cron string or timedelta,
which Airflow 3 keeps for DAGs that ask for it explicitly (or that set
`create_cron_data_intervals = True`). The logical date is the start of the period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from pendulum import DateTime

from updraft.scheduling._cron import CronMixin
from updraft.scheduling._delta import Delta, DeltaMixin, decode_interval, encode_interval
from updraft.scheduling._tz import TimezoneLike, coerce_datetime, encode_timezone, parse_timezone
from updraft.scheduling.base import DagRunInfo, DataInterval, TimeRestriction, Timetable


class _DataIntervalTimetable(Timetable):
    """Contiguous periods; each run is scheduled at the end of its period."""

    # Supplied by CronMixin or DeltaMixin.
    def _get_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _get_prev(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_prev(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        """With catchup=False: the start of the latest period that has already ended."""
        raise NotImplementedError

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: dt.datetime,
    ) -> DagRunInfo | None:
        now = coerce_datetime(now)
        earliest = coerce_datetime(restriction.earliest) if restriction.earliest else None
        if not restriction.catchup:
            earliest = self._skip_to_latest(earliest, now)
        elif earliest is not None:
            earliest = self._align_to_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None  # No start_date and catchup: nothing to anchor the first period to.
            start = earliest
        else:
            # Realign in case the DAG's schedule changed since the last run.
            start = self._align_to_prev(coerce_datetime(last_automated_data_interval.end))
            if last_automated_data_interval.start == last_automated_data_interval.end:
                # The last run was a point in time (a trigger timetable before a schedule
                # change); its logical date is this period's start, so begin one period on.
                start = self._get_next(start)
            if earliest is not None:
                start = max(start, earliest)
        if restriction.latest is not None and start > restriction.latest:
            return None
        return DagRunInfo.interval(start=start, end=self._get_next(start))


class CronDataIntervalTimetable(CronMixin, _DataIntervalTimetable):
    """Periods between consecutive cron times in `timezone`; the run starts at the period's end."""

    def __init__(self, cron: str, timezone: TimezoneLike) -> None:
        super().__init__(cron, timezone)

    def serialize(self) -> dict[str, Any]:
        return {
            "type": "CronDataIntervalTimetable",
            "expression": self._expression,
            "timezone": encode_timezone(self._timezone),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CronDataIntervalTimetable:
        return cls(data["expression"], parse_timezone(data["timezone"]))

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        # If a period ends exactly now, that one; otherwise the last one that has ended.
        last_start = self._get_prev(now)
        next_start = self._get_next(last_start)
        new_start = last_start if next_start == now else self._get_prev(last_start)
        if earliest is None:
            return new_start
        return max(new_start, self._align_to_next(earliest))

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        # The last complete period: triggered at 01:00 on the 25th, a daily DAG covers the 24th.
        end = self._align_to_prev(coerce_datetime(run_after))
        return DataInterval(start=self._get_prev(end), end=end)


class DeltaDataIntervalTimetable(DeltaMixin, _DataIntervalTimetable):
    """Periods of length `delta` from start_date; the run starts at the period's end."""

    def serialize(self) -> dict[str, Any]:
        return {"type": "DeltaDataIntervalTimetable", "delta": encode_interval(self._delta)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> DeltaDataIntervalTimetable:
        return cls(decode_interval(data["delta"]))

    def _is_calendar_delta(self) -> bool:
        return isinstance(self._delta, relativedelta) and bool(self._delta.months or self._delta.years)

    def _delta_seconds(self) -> float:
        delta = self._delta
        if isinstance(delta, dt.timedelta):
            return delta.total_seconds()
        return (
            delta.years * 365 * 86400
            + delta.months * 30 * 86400
            + delta.days * 86400
            + delta.hours * 3600
            + delta.minutes * 60
            + delta.seconds
        )

    def _round(self, value: DateTime) -> DateTime:
        """Round down to a multiple of the delta since the epoch."""
        seconds = value.timestamp()
        return DateTime.fromtimestamp(seconds - (seconds % self._delta_seconds()), tz=value.tzinfo)

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        if self._is_calendar_delta():
            return self._skip_calendar(earliest, now)
        new_start = self._get_prev(self._round(now))
        if earliest is None:
            return new_start
        return max(new_start, earliest)

    def _skip_calendar(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        """Months and years have no fixed length: walk from start_date one period at a time."""
        if earliest is None:
            return self._get_prev(now)
        start = earliest
        while self._get_next(self._get_next(start)) <= now:
            start = self._get_next(start)
        return start

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        run_after = coerce_datetime(run_after)
        return DataInterval(start=self._get_prev(run_after), end=run_after)

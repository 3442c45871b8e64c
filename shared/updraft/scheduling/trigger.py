"""Trigger timetables: a run fires at each schedule point (Airflow's `timetables/trigger.py`).

This is what Airflow 3 builds for a plain cron string, preset or timedelta. The run's
logical date is its fire time; its data interval is `[fire - interval, fire]`, which
is a single instant unless an `interval` is given.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pendulum import DateTime

from updraft.scheduling._cron import CronMixin
from updraft.scheduling._delta import (
    Delta,
    DeltaMixin,
    decode_interval,
    decode_run_immediately,
    encode_interval,
    encode_run_immediately,
)
from updraft.scheduling._tz import TimezoneLike, coerce_datetime, encode_timezone, parse_timezone
from updraft.scheduling.base import DagRunInfo, DataInterval, TimeRestriction, Timetable


class _TriggerTimetable(Timetable):
    _interval: Delta

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        run_after = coerce_datetime(run_after)
        return DataInterval(coerce_datetime(run_after - self._interval), run_after)

    # Supplied by CronMixin or DeltaMixin.
    def _get_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_prev(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _calc_first_run(self, now: DateTime) -> DateTime:
        """Where a DAG with no start_date and no runs begins."""
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
        if restriction.catchup:
            if last_automated_data_interval is not None:
                next_start = self._get_next(last_automated_data_interval.end)
            elif earliest is None:
                next_start = self._calc_first_run(now)
            else:
                next_start = self._align_to_next(earliest)
        else:
            # Without catchup, never schedule earlier than the latest point already due.
            candidates = [self._align_to_prev(now)]
            if last_automated_data_interval is not None:
                candidates.append(self._get_next(last_automated_data_interval.end))
            elif earliest is None:
                candidates.append(self._calc_first_run(now))  # run_immediately only without start_date
            if earliest is not None:
                candidates.append(self._align_to_next(earliest))
            next_start = max(candidates)
        if restriction.latest is not None and restriction.latest < next_start:
            return None
        return DagRunInfo.interval(coerce_datetime(next_start - self._interval), next_start)


class DeltaTriggerTimetable(DeltaMixin, _TriggerTimetable):
    """Fires every `delta`; what Airflow 3 builds for `schedule=timedelta(...)` by default.

    The first run without a start_date is right away. `interval` sets how far back each
    run's data interval reaches (zero by default).
    """

    def __init__(self, delta: Delta, *, interval: Delta = dt.timedelta()) -> None:
        super().__init__(delta)
        self._interval = interval

    def serialize(self) -> dict[str, Any]:
        return {
            "type": "DeltaTriggerTimetable",
            "delta": encode_interval(self._delta),
            "interval": encode_interval(self._interval),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> DeltaTriggerTimetable:
        return cls(decode_interval(data["delta"]), interval=decode_interval(data["interval"]))

    def _calc_first_run(self, now: DateTime) -> DateTime:
        return self._align_to_prev(now)


class CronTriggerTimetable(CronMixin, _TriggerTimetable):
    """Fires at each cron time in `timezone`, like POSIX cron; Airflow 3's default for cron strings.

    `run_immediately` only matters for a DAG with no start_date and no runs yet:
    True runs the most recent past fire time now; a timedelta does so if that time is
    within the timedelta of now; otherwise (False or None, as Airflow implements it)
    it does so if within 10% of the gap between fire times (at least 5 minutes), and
    else waits for the next fire time.
    """

    def __init__(
        self,
        cron: str,
        *,
        timezone: TimezoneLike,
        interval: Delta = dt.timedelta(),
        run_immediately: bool | dt.timedelta = False,
    ) -> None:
        super().__init__(cron, timezone)
        self._interval = interval
        self._run_immediately = run_immediately

    def serialize(self) -> dict[str, Any]:
        return {
            "type": "CronTriggerTimetable",
            "expression": self._expression,
            "timezone": encode_timezone(self._timezone),
            "interval": encode_interval(self._interval),
            "run_immediately": encode_run_immediately(self._run_immediately),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CronTriggerTimetable:
        return cls(
            data["expression"],
            timezone=parse_timezone(data["timezone"]),
            interval=decode_interval(data["interval"]),
            run_immediately=decode_run_immediately(data.get("run_immediately", False)),
        )

    def _calc_first_run(self, now: DateTime) -> DateTime:
        past_run = self._align_to_prev(now)
        next_run = self._align_to_next(now)
        if self._run_immediately is True:  # exactly True: a timedelta is truthy too
            return past_run
        if isinstance(self._run_immediately, dt.timedelta):
            buffer = self._run_immediately
        else:
            buffer = max((next_run - past_run) / 10, dt.timedelta(minutes=5))
        return past_run if now - past_run <= buffer else next_run


class MultipleCronTriggerTimetable(Timetable):
    """Fires whenever any of several crons fires; one run when several fire at once."""

    def __init__(
        self,
        *crons: str,
        timezone: TimezoneLike,
        interval: Delta = dt.timedelta(),
        run_immediately: bool | dt.timedelta = False,
    ) -> None:
        if not crons:
            raise ValueError("cron expression required")
        self._timetables = [
            CronTriggerTimetable(cron, timezone=timezone, interval=interval, run_immediately=run_immediately)
            for cron in crons
        ]
        self.description = ", ".join(t.description for t in self._timetables)

    @property
    def summary(self) -> str:
        return ", ".join(t.summary for t in self._timetables)

    def validate(self) -> None:
        for timetable in self._timetables:
            timetable.validate()

    def serialize(self) -> dict[str, Any]:
        first = self._timetables[0]  # all share timezone, interval and run_immediately
        return {
            "type": "MultipleCronTriggerTimetable",
            "expressions": [t._expression for t in self._timetables],
            "timezone": encode_timezone(first._timezone),
            "interval": encode_interval(first._interval),
            "run_immediately": encode_run_immediately(first._run_immediately),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> MultipleCronTriggerTimetable:
        return cls(
            *data["expressions"],
            timezone=parse_timezone(data["timezone"]),
            interval=decode_interval(data["interval"]),
            run_immediately=decode_run_immediately(data["run_immediately"]),
        )

    def infer_manual_data_interval(self, *, run_after: dt.datetime) -> DataInterval:
        intervals = [t.infer_manual_data_interval(run_after=run_after) for t in self._timetables]
        return min(intervals, key=lambda interval: interval.start)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: dt.datetime,
    ) -> DagRunInfo | None:
        infos = [
            t.next_dagrun_info(
                last_automated_data_interval=last_automated_data_interval,
                restriction=restriction,
                now=now,
            )
            for t in self._timetables
        ]
        now_ts = coerce_datetime(now).timestamp()

        def catchup_key(info: DagRunInfo | None) -> float:
            return math.inf if info is None else info.logical_date.timestamp()

        def no_catchup_key(info: DagRunInfo | None) -> float:
            # The latest run already due wins; if none is due, the soonest one.
            if info is None:
                return math.inf
            ts = info.logical_date.timestamp()
            return -ts if ts <= now_ts else ts

        return min(infos, key=catchup_key if restriction.catchup else no_catchup_key)

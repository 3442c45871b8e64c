"""`schedule=None` and `schedule="@once"` (Airflow's `timetables/simple.py`)."""

from __future__ import annotations

from datetime import datetime

from updraft.scheduling._tz import coerce_datetime
from updraft.scheduling.base import DagRunInfo, DataInterval, TimeRestriction, Timetable


class _TrivialTimetable(Timetable):
    periodic = False

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(coerce_datetime(run_after))


class NullTimetable(_TrivialTimetable):
    """Never schedules; runs come only from manual or API triggers (`schedule=None`)."""

    can_be_scheduled = False
    description = "Never, external triggers only"

    @property
    def summary(self) -> str:
        return "None"

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> DagRunInfo | None:
        return None


class OnceTimetable(_TrivialTimetable):
    """One run, at start_date or as soon as possible, regardless of catchup (`"@once"`)."""

    description = "Once, as soon as possible"

    @property
    def summary(self) -> str:
        return "@once"

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            return None  # It has run; there is no second time.
        run_after = coerce_datetime(restriction.earliest or now)
        if restriction.latest is not None and run_after > restriction.latest:
            return None
        return DagRunInfo.exact(run_after)

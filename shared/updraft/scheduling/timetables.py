"""From a DAG's `schedule=` to a timetable, and back from stored JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from updraft.exceptions import AirflowTimetableInvalid
from updraft.scheduling._tz import TimezoneLike
from updraft.scheduling.base import Timetable
from updraft.scheduling.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from updraft.scheduling.simple import NullTimetable, OnceTimetable
from updraft.scheduling.trigger import (
    CronTriggerTimetable,
    DeltaTriggerTimetable,
    MultipleCronTriggerTimetable,
)

_BY_TYPE: dict[str, Any] = {
    "NullTimetable": NullTimetable,
    "OnceTimetable": OnceTimetable,
    "CronTriggerTimetable": CronTriggerTimetable,
    "DeltaTriggerTimetable": DeltaTriggerTimetable,
    "MultipleCronTriggerTimetable": MultipleCronTriggerTimetable,
    "CronDataIntervalTimetable": CronDataIntervalTimetable,
    "DeltaDataIntervalTimetable": DeltaDataIntervalTimetable,
}


def timetable_from_schedule(schedule: Any, timezone: TimezoneLike = "UTC") -> Timetable:
    """The timetable Airflow 3 builds for `schedule=`, with its default configuration.

    - None -> NullTimetable; "@once" -> OnceTimetable.
    - A cron string or preset -> CronTriggerTimetable in `timezone` (the run fires at
      the cron time, logical date = fire time, zero-length data interval), because
      `[scheduler] create_cron_data_intervals` defaults to False in Airflow 3.
    - A timedelta or relativedelta -> DeltaTriggerTimetable, for the same reason:
      Airflow 3 consults that same setting for deltas.
    - A Timetable -> itself.

    "@continuous" is refused: keeping one run always going is not something a
    serverless scheduler does. Invalid cron strings and non-positive deltas raise
    AirflowTimetableInvalid with croniter's (or Airflow's) own message.
    """
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, Timetable):
        if type(schedule) not in _BY_TYPE.values():
            raise AirflowTimetableInvalid(
                f"The custom timetable {type(schedule).__name__} is not supported by Updraft: its "
                "scheduler never imports DAG code (Airflow loads custom timetables from plugins). Use "
                "a cron expression, a timedelta, CronTriggerTimetable, CronDataIntervalTimetable, "
                "DeltaTriggerTimetable, DeltaDataIntervalTimetable or MultipleCronTriggerTimetable"
            )
        return schedule
    if schedule == "@once":
        return OnceTimetable()
    if schedule == "@continuous":
        raise AirflowTimetableInvalid(
            "schedule='@continuous' is not supported by Updraft; use a cron expression or a timedelta"
        )
    timetable: Timetable
    if isinstance(schedule, dt.timedelta | relativedelta):
        timetable = DeltaTriggerTimetable(schedule)
    elif isinstance(schedule, str):
        timetable = CronTriggerTimetable(schedule, timezone=timezone)
    else:
        raise ValueError(f"{schedule!r} is not a valid schedule.")
    timetable.validate()
    return timetable


def deserialize_timetable(data: dict[str, Any]) -> Timetable:
    """Rebuild a timetable from `Timetable.serialize()` output."""
    type_name = str(data.get("type", "")).rsplit(".", 1)[-1]
    cls = _BY_TYPE.get(type_name)
    if cls is None:
        raise ValueError(f"Unknown timetable type {data.get('type')!r}")
    if cls in (NullTimetable, OnceTimetable):
        return cls()
    return cls.deserialize(data)

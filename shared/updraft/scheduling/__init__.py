"""When DAGs run: Airflow 3's timetables as pure functions of the current time."""

from updraft.scheduling._cron import CRON_PRESETS
from updraft.scheduling.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from updraft.scheduling.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from updraft.scheduling.run_ids import RUN_TYPES, run_id_for
from updraft.scheduling.simple import NullTimetable, OnceTimetable
from updraft.scheduling.timetables import deserialize_timetable, timetable_from_schedule
from updraft.scheduling.trigger import (
    CronTriggerTimetable,
    DeltaTriggerTimetable,
    MultipleCronTriggerTimetable,
)

__all__ = [
    "CRON_PRESETS",
    "RUN_TYPES",
    "CronDataIntervalTimetable",
    "CronTriggerTimetable",
    "DagRunInfo",
    "DataInterval",
    "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable",
    "MultipleCronTriggerTimetable",
    "NullTimetable",
    "OnceTimetable",
    "TimeRestriction",
    "Timetable",
    "deserialize_timetable",
    "run_id_for",
    "timetable_from_schedule",
]

"""A DAG's next run, as stored on its record: the fields the scheduler and the UI read, and
the timer that wakes the scheduler when the run is due (only while the DAG is active and
unpaused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from updraft.config import Settings
from updraft.scheduling import DataInterval, TimeRestriction, deserialize_timetable
from updraft.store.timers import TIMER_ATTRS, timer_fields
from updraft.timeutil import iso, parse_iso

NEXT_RUN_ATTRS = [
    "next_dagrun", "next_dagrun_data_interval_start", "next_dagrun_data_interval_end",
    "next_dagrun_create_after",
]

SCHEDULE_FIELDS = (
    "fileloc", "timetable", "timetable_summary", "timetable_description", "start_date",
    "end_date", "catchup", "description", "tags", "owners", "max_active_runs",
    "max_active_tasks", "dagrun_timeout", "doc_md",
)


def dag_schedule_fields(serialized: dict[str, Any]) -> dict[str, Any]:
    """The DAG record's copy of what scheduling and listing need from the serialized DAG."""
    return {k: serialized.get(k) for k in SCHEDULE_FIELDS}


def last_automated_interval(dag: dict[str, Any]) -> tuple[str, str] | None:
    """The data interval of the DAG's latest scheduled run, as stored on its record."""
    start = dag.get("last_automated_data_interval_start")
    end = dag.get("last_automated_data_interval_end")
    return (start, end) if start and end else None


def next_run_fields(
    settings: Settings,
    dag: dict[str, Any],
    last_interval: tuple[str, str] | None,
    now: datetime,
) -> tuple[dict[str, Any], list[str]]:
    """(fields to set, attributes to remove) for the DAG's next run after `last_interval`."""
    timetable = deserialize_timetable(dag["timetable"])
    last = DataInterval(parse_iso(last_interval[0]), parse_iso(last_interval[1])) if last_interval else None  # type: ignore[arg-type]
    info = timetable.next_dagrun_info(
        last_automated_data_interval=last,
        restriction=TimeRestriction(
            earliest=parse_iso(dag.get("start_date")),
            latest=parse_iso(dag.get("end_date")),
            catchup=bool(dag.get("catchup")),
        ),
        now=now,
    )
    if info is None:
        return {}, NEXT_RUN_ATTRS + TIMER_ATTRS
    fields: dict[str, Any] = {
        "next_dagrun": iso(info.logical_date),
        "next_dagrun_data_interval_start": iso(info.data_interval.start),
        "next_dagrun_data_interval_end": iso(info.data_interval.end),
        "next_dagrun_create_after": iso(info.run_after),
    }
    if dag.get("is_paused") or not dag.get("is_active", True):
        return fields, list(TIMER_ATTRS)
    fields.update(timer_fields(dag["dag_id"], info.run_after, settings.timer_shards))
    return fields, []

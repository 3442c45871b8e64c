"""Time helpers: every datetime Updraft stores is timezone-aware, and UTC on the wire."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any

import pendulum


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def coerce_datetime(value: datetime | str | None) -> datetime | None:
    """A naive datetime is taken as UTC (Airflow's default timezone); strings are ISO 8601."""
    if value is None:
        return None
    if isinstance(value, str):
        value = pendulum.parse(value)  # type: ignore[assignment]
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        return pendulum.instance(value, tz="UTC")
    return value


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, the form stored and sent (and sortable as text)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


def make_aware(value: datetime, tz: Any = None) -> datetime:
    """Airflow's `timezone.make_aware`: a naive datetime read as wall time in `tz` (UTC by
    default), taking the later of two equal wall times when clocks go back (fold=1)."""
    tz = tz or pendulum.UTC
    if value.utcoffset() is not None:
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    value = value.replace(fold=1)
    convert = getattr(tz, "convert", None)
    return convert(value) if convert is not None else value.replace(tzinfo=tz)


def make_naive(value: datetime, tz: Any = None) -> datetime:
    """Airflow's `timezone.make_naive`: the wall time in `tz` (UTC by default), tzinfo dropped."""
    if value.utcoffset() is None:
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    local = value.astimezone(tz or pendulum.UTC)
    return datetime(local.year, local.month, local.day, local.hour, local.minute, local.second,
                    local.microsecond)


def dag_timezone(dag: Any) -> Any:
    """Airflow's `DAG.timezone`: the zone of the DAG's start_date, else UTC (Airflow's default
    timezone). A tzinfo set on the DAG itself wins."""
    own = getattr(dag, "timezone", None)
    if isinstance(own, tzinfo):
        return own
    start = getattr(dag, "start_date", None) or (getattr(dag, "default_args", None) or {}).get("start_date")
    if isinstance(start, str):
        start = pendulum.parse(start)
    if isinstance(start, datetime):
        return pendulum.instance(start, tz=start.tzinfo or pendulum.UTC).timezone
    return pendulum.UTC

"""Time helpers: every datetime Updraft stores is timezone-aware, and UTC on the wire."""

from __future__ import annotations

from datetime import datetime, timezone

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

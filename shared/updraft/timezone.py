"""Airflow's `timezone` helpers (`airflow.sdk.timezone`, `airflow.utils.timezone`) for DAG code.

Updraft's default timezone is UTC, as Airflow's `[core] default_timezone` is by default."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from pendulum import DateTime

utc = pendulum.UTC
TIMEZONE = utc


def is_localized(value: dt.datetime) -> bool:
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    return value.utcoffset() is None


def utcnow() -> DateTime:
    return pendulum.now(utc)


def convert_to_utc(value: dt.datetime | None) -> DateTime | None:
    """A naive datetime is taken as the default timezone's; the result is in UTC."""
    if value is None:
        return None
    if is_naive(value):
        value = make_aware(value)
    return pendulum.instance(value.astimezone(utc))


def make_aware(value: dt.datetime | None, timezone: Any = None) -> dt.datetime | None:
    if value is None:
        return None
    timezone = timezone or TIMEZONE
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    convert = getattr(timezone, "convert", None)
    return convert(value) if convert is not None else value.replace(tzinfo=timezone)


def make_naive(value: dt.datetime, timezone: Any = None) -> dt.datetime:
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    date = value.astimezone(timezone or TIMEZONE)
    return dt.datetime(date.year, date.month, date.day, date.hour, date.minute, date.second,
                       date.microsecond)


def datetime(*args: Any, **kwargs: Any) -> dt.datetime:
    """`datetime.datetime` in the default timezone unless `tzinfo` is given."""
    kwargs.setdefault("tzinfo", TIMEZONE)
    return dt.datetime(*args, **kwargs)


def parse(string: str, timezone: Any = None, *, strict: bool = False) -> DateTime:
    return pendulum.parse(string, tz=timezone or TIMEZONE, strict=strict)  # type: ignore[return-value]


def coerce_datetime(value: dt.datetime | None, tz: Any = None) -> DateTime | None:
    if value is None:
        return None
    if isinstance(value, DateTime):
        return value if value.tzinfo else make_aware(value, tz)  # type: ignore[return-value]
    return pendulum.instance(value if value.tzinfo else make_aware(value, tz))  # type: ignore[arg-type]


def local_timezone() -> Any:
    return pendulum.tz.local_timezone()


def from_timestamp(timestamp: float, tz: Any = utc) -> DateTime:
    result = pendulum.from_timestamp(timestamp, tz=utc)
    if isinstance(tz, str) and tz.lower() == "local":
        tz = local_timezone()
    return result.in_timezone(tz)


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> dt.datetime:
    """Airflow 2's `airflow.utils.dates.days_ago` (gone from Airflow 3, still in many DAG
    folders): midnight UTC `n` days ago, or the time given."""
    today = utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - dt.timedelta(days=n)

"""Timezone helpers for the timetables, with Airflow's conventions for DST.

Cron expressions are evaluated on naive wall-clock times, so each cron step goes
naive -> croniter -> aware. These helpers do that round trip the way Airflow does,
so a schedule lands on the same instants as it would under Airflow.
"""

from __future__ import annotations

import datetime as dt
import re

import pendulum
from pendulum import DateTime
from pendulum.tz.timezone import FixedTimezone, Timezone

TimezoneLike = str | int | Timezone | FixedTimezone | dt.tzinfo
PendulumTimezone = Timezone | FixedTimezone

UTC: Timezone = pendulum.UTC

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_timezone(value: TimezoneLike) -> PendulumTimezone:
    """Turn an IANA name, a UTC offset (seconds or "+01:00") or a tzinfo into a pendulum zone."""
    if isinstance(value, Timezone | FixedTimezone):
        return value
    if isinstance(value, int):
        return pendulum.timezone(value)
    if isinstance(value, str):
        match = _OFFSET.match(value)
        if match:
            sign, hours, minutes = match.groups()
            seconds = int(hours) * 3600 + int(minutes) * 60
            return pendulum.timezone(-seconds if sign == "-" else seconds)
        return pendulum.timezone(value)
    if isinstance(value, dt.tzinfo):
        # zoneinfo.ZoneInfo has `key`; datetime.timezone.utc and friends have a fixed offset.
        key = getattr(value, "key", None)
        if key:
            return pendulum.timezone(key)
        offset = value.utcoffset(None)
        if offset is not None:
            seconds = int(offset.total_seconds())
            return UTC if seconds == 0 else pendulum.timezone(seconds)
    raise TypeError(f"Cannot interpret {value!r} as a timezone")


def encode_timezone(tz: PendulumTimezone) -> str | int:
    """JSON form of a zone, as Airflow stores it: the IANA name, "UTC", or an offset in seconds."""
    if isinstance(tz, FixedTimezone):
        return "UTC" if tz.offset == 0 else tz.offset
    return tz.name


def coerce_datetime(value: dt.datetime) -> DateTime:
    """An aware pendulum DateTime for `value`; naive values are taken as UTC."""
    if isinstance(value, DateTime) and value.tzinfo is not None:
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return pendulum.instance(value)


def convert_to_utc(value: dt.datetime) -> DateTime:
    """The same instant in UTC, as a pendulum DateTime."""
    return pendulum.instance(coerce_datetime(value).astimezone(UTC))


def make_naive(value: dt.datetime, tz: PendulumTimezone) -> dt.datetime:
    """Wall-clock time of `value` in `tz`, without tzinfo (croniter works on these)."""
    local = value.astimezone(tz)
    return dt.datetime(
        local.year, local.month, local.day, local.hour, local.minute, local.second, local.microsecond
    )


def make_aware(value: dt.datetime, tz: PendulumTimezone) -> DateTime:
    """Place a wall-clock time in `tz`.

    Like Airflow, an ambiguous time (clocks going back) is the *second* occurrence
    (fold=1), and a time that does not exist (clocks going forward) is moved forward
    by the size of the gap, which is what pendulum does.
    """
    return tz.convert(value.replace(fold=1))

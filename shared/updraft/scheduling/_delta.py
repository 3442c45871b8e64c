"""Fixed-step schedules (timedelta / relativedelta) and their JSON forms (Airflow's `_delta.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta, weekday
from pendulum import DateTime

from updraft.exceptions import AirflowTimetableInvalid
from updraft.scheduling._tz import coerce_datetime, convert_to_utc

Delta = dt.timedelta | relativedelta


class DeltaMixin:
    """A schedule that steps by a fixed delta; every instant is "aligned"."""

    def __init__(self, delta: Delta) -> None:
        self._delta = delta

    @property
    def summary(self) -> str:
        return str(self._delta)

    def validate(self) -> None:
        now = dt.datetime.now()
        if (now + self._delta) <= now:
            raise AirflowTimetableInvalid(f"schedule interval must be positive, not {self._delta!r}")

    def _get_next(self, current: DateTime) -> DateTime:
        return convert_to_utc(coerce_datetime(current) + self._delta)

    def _get_prev(self, current: DateTime) -> DateTime:
        return convert_to_utc(coerce_datetime(current) - self._delta)

    def _align_to_next(self, current: DateTime) -> DateTime:
        return coerce_datetime(current)

    def _align_to_prev(self, current: DateTime) -> DateTime:
        return coerce_datetime(current)


def encode_relativedelta(delta: relativedelta) -> dict[str, Any]:
    """Airflow's JSON form: the non-zero fields, and weekday as [weekday] or [weekday, n]."""
    encoded = {k: v for k, v in vars(delta).items() if not k.startswith("_") and v}
    if delta.weekday is not None:
        wd = delta.weekday
        encoded["weekday"] = [wd.weekday, wd.n] if wd.n else [wd.weekday]
    return encoded


def decode_relativedelta(data: dict[str, Any]) -> relativedelta:
    data = dict(data)
    if "weekday" in data:
        data["weekday"] = weekday(*data["weekday"])
    return relativedelta(**data)


def encode_interval(value: Delta) -> float | dict[str, Any]:
    """A timedelta as seconds (float), a relativedelta as a dict, as Airflow stores them."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return encode_relativedelta(value)


def decode_interval(value: float | int | dict[str, Any]) -> Delta:
    if isinstance(value, dict):
        return decode_relativedelta(value)
    return dt.timedelta(seconds=value)


def encode_run_immediately(value: bool | dt.timedelta) -> bool | float:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return bool(value)


def decode_run_immediately(value: bool | float | int) -> bool | dt.timedelta:
    if isinstance(value, bool):
        return value
    return dt.timedelta(seconds=value)

"""`macros` in templates and `airflow.macros` in DAG code: Airflow's helpers, same names."""

from __future__ import annotations

import json  # noqa: F401 - part of the namespace templates see, as in Airflow
import random as _random
import time  # noqa: F401
import uuid  # noqa: F401
from datetime import datetime, timedelta
from typing import Any

import dateutil  # noqa: F401

random = _random.random


def ds_add(ds: str, days: int) -> str:
    """`ds_add("2015-01-01", 5)` is `"2015-01-06"`; negative days go back."""
    if not days:
        return str(ds)
    return (datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def datetime_diff_for_humans(dt: Any, since: Any = None) -> str:
    import pendulum

    return pendulum.instance(dt).diff_for_humans(since)


def ds_format_locale(ds: str, input_format: str, output_format: str, locale: Any = None) -> str:
    """Babel's formats (`yyyy-MM-dd`); needs the `babel` package, as in Airflow."""
    try:
        from babel import Locale
        from babel.dates import LC_TIME, format_datetime
    except ImportError as err:
        raise ImportError("macros.ds_format_locale needs the 'babel' package") from err
    return format_datetime(datetime.strptime(str(ds), input_format), format=output_format,
                           locale=locale or LC_TIME or Locale("en_US"))

"""Plain-English descriptions of cron expressions, worded as Airflow's UI shows them.

Airflow words these with the `cron-descriptor` package (24-hour clock, sentence case),
e.g. "At 00:00, on day 1 of the month, every 3 months". Updraft does not depend on
that package; this covers the shapes DAGs use in practice with the same wording, and
returns "" for anything else, which is also what Airflow shows when it cannot describe
an expression.
"""

from __future__ import annotations

import calendar
import re

_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_INT = re.compile(r"^\d+$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_STEP = re.compile(r"^\*/(\d+)$")


class _Unsupported(Exception):
    """The expression has a shape this module does not word."""


def describe_cron(expression: str) -> str:
    """Describe a five-field cron expression; "" when it cannot be described."""
    fields = expression.split()
    if len(fields) != 5:
        return ""
    try:
        minute, hour, dom, month, dow = _normalize(fields)
        if dom != "*" and dow != "*":
            # Cron fires when EITHER day field matches; say so, as Airflow does.
            by_dom = _describe(minute, hour, dom, month, "*")
            by_dow = _describe(minute, hour, "*", month, dow)
            return f"{by_dom} (or) {by_dow}"
        return _describe(minute, hour, dom, month, dow)
    except (_Unsupported, ValueError, IndexError):
        return ""


def _normalize(fields: list[str]) -> list[str]:
    minute, hour, dom, month, dow = (f.upper() for f in fields)
    for i, name in enumerate(_MONTHS):
        month = re.sub(rf"\b{name}\b", str(i + 1), month)
    for i, name in enumerate(_DAYS):
        dow = re.sub(rf"\b{name}\b", str(i), dow)
    dom = dom.replace("?", "*")
    dow = dow.replace("?", "*")
    return [minute, hour, dom, month, dow]


def _describe(minute: str, hour: str, dom: str, month: str, dow: str) -> str:
    text = _time_of_day(minute, hour) + _day_of_month(dom) + _day_of_week(dow, dom) + _month(month)
    return text[0].upper() + text[1:]


def _clock(hour: str, minute: str) -> str:
    return f"{int(hour):02d}:{int(minute):02d}"


def _time_of_day(minute: str, hour: str) -> str:
    if _INT.match(minute) and _INT.match(hour):
        return "At " + _clock(hour, minute)
    if _INT.match(minute) and "," in hour and all(_INT.match(h) for h in hour.split(",")):
        return "At " + _join([_clock(h, minute) for h in hour.split(",")], oxford=False)
    parts = [p for p in (_minutes(minute), _hours(hour, minute)) if p]
    if not parts:
        raise _Unsupported
    return ", ".join(parts)


def _minutes(minute: str) -> str:
    if minute == "*":
        return "every minute"
    if step := _STEP.match(minute):
        return f"every {step.group(1)} minutes"
    if _INT.match(minute):
        return "" if int(minute) == 0 else f"at {int(minute)} minutes past the hour"
    raise _Unsupported


def _hours(hour: str, minute: str) -> str:
    if hour == "*":
        # cron-descriptor drops a trailing ", every hour" unless it is all there is.
        return "every hour" if _minutes(minute) == "" else ""
    if step := _STEP.match(hour):
        return f"every {step.group(1)} hours"
    if (between := _RANGE.match(hour)) and minute == "*":
        low, high = between.groups()
        return f"between {_clock(low, '0')} and {_clock(high, '59')}"
    raise _Unsupported


def _day_of_month(dom: str) -> str:
    if dom == "*":
        return ""
    if dom == "L":
        return ", on the last day of the month"
    if between := _RANGE.match(dom):
        return f", between day {int(between.group(1))} and {int(between.group(2))} of the month"
    items = dom.split(",")
    if all(_INT.match(d) for d in items):
        return f", on day {_join([str(int(d)) for d in items])} of the month"
    raise _Unsupported


def _day_name(value: str) -> str:
    return calendar.day_name[(int(value) - 1) % 7]  # cron counts from Sunday = 0 (or 7)


def _day_of_week(dow: str, dom: str) -> str:
    if dow == "*":
        return ""
    if between := _RANGE.match(dow):
        return f", {_day_name(between.group(1))} through {_day_name(between.group(2))}"
    items = dow.split(",")
    if all(_INT.match(d) and int(d) <= 7 for d in items):
        return f", only on {_join([_day_name(d) for d in items])}"
    raise _Unsupported


def _month_name(value: str) -> str:
    return calendar.month_name[int(value)]


def _month(month: str) -> str:
    if month == "*":
        return ""
    if step := _STEP.match(month):
        return f", every {step.group(1)} months"
    if between := _RANGE.match(month):
        return f", {_month_name(between.group(1))} through {_month_name(between.group(2))}"
    items = month.split(",")
    if all(_INT.match(m) and 1 <= int(m) <= 12 for m in items):
        return f", only in {_join([_month_name(m) for m in items])}"
    raise _Unsupported


def _join(items: list[str], *, oxford: bool = True) -> str:
    """"a", "a and b", "a, b, and c" (cron-descriptor's list wording)."""
    if len(items) <= 2:
        return " and ".join(items)
    last = ", and " if oxford else " and "
    return ", ".join(items[:-1]) + last + items[-1]

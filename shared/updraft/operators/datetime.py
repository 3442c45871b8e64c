"""BranchDateTimeOperator: follow one branch inside a window of time and another outside it
(Airflow's providers/standard/operators/datetime.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import pendulum

from updraft.exceptions import AirflowException
from updraft.operators.branch import BaseBranchOperator
from updraft.timeutil import dag_timezone, make_aware, utcnow


class BranchDateTimeOperator(BaseBranchOperator):
    """Follows `follow_task_ids_if_true` when now (or the run's logical date, with
    `use_task_logical_date`) lies between `target_lower` and `target_upper`, bounds
    included; otherwise `follow_task_ids_if_false`. Either bound may be None, not both.
    Naive bounds are in the DAG's timezone; a `time` is on the compared moment's date."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: datetime.datetime | datetime.time | None,
        target_upper: datetime.datetime | datetime.time | None,
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise AirflowException(
                "Both target_upper and target_lower are None. At least one "
                "must be defined to be compared to the current datetime"
            )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date

    def choose_branch(self, context: Any) -> str | Iterable[str]:
        if self.use_task_logical_date:
            now = context.get("logical_date")
            if not now:
                now = context.get("dag_run").run_after
        else:
            now = pendulum.instance(utcnow())
        lower, upper = target_times_as_dates(now, self.target_lower, self.target_upper)
        tz = dag_timezone(self._dag())
        lower = _coerce_datetime(lower, tz)
        upper = _coerce_datetime(upper, tz)
        if upper is not None and upper < now:
            return self.follow_task_ids_if_false
        if lower is not None and lower > now:
            return self.follow_task_ids_if_false
        return self.follow_task_ids_if_true


def target_times_as_dates(
    base_date: datetime.datetime,
    lower: datetime.datetime | datetime.time | None,
    upper: datetime.datetime | datetime.time | None,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Ensure upper and lower time targets are datetimes by combining them with base_date;
    a window whose upper time is before its lower one ends the next day."""
    if isinstance(lower, datetime.datetime) and isinstance(upper, datetime.datetime):
        return lower, upper
    if lower is not None and isinstance(lower, datetime.time):
        lower = datetime.datetime.combine(base_date, lower)
    if upper is not None and isinstance(upper, datetime.time):
        upper = datetime.datetime.combine(base_date, upper)
    if lower is None or upper is None:
        return lower, upper  # type: ignore[return-value]
    if upper < lower:  # type: ignore[operator]
        upper += datetime.timedelta(days=1)  # type: ignore[operator]
    return lower, upper  # type: ignore[return-value]


def _coerce_datetime(value: datetime.datetime | None, tz: Any) -> datetime.datetime | None:
    """Airflow's `timezone.coerce_datetime`: an aware pendulum DateTime, naive read in `tz`."""
    if value is None:
        return None
    if isinstance(value, pendulum.DateTime):
        return value if value.tzinfo else make_aware(value, tz)
    return pendulum.instance(value if value.tzinfo else make_aware(value, tz))

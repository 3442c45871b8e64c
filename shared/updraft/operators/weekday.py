"""BranchDayOfWeekOperator: follow one branch on some days of the week and another on the rest
(Airflow's providers/standard/operators/weekday.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from updraft.operators.branch import BaseBranchOperator
from updraft.sensors.weekday import WeekDay
from updraft.timeutil import dag_timezone, make_naive, utcnow


class BranchDayOfWeekOperator(BaseBranchOperator):
    """Follows `follow_task_ids_if_true` when today (in the DAG's timezone), or the run's
    logical date with `use_task_logical_date`, falls on one of `week_day`; otherwise
    `follow_task_ids_if_false`."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | Iterable[str] | WeekDay | Iterable[WeekDay],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date
        self._week_day_num = WeekDay.validate_week_day(week_day)

    def choose_branch(self, context: Any) -> str | Iterable[str]:
        if self.use_task_logical_date:
            now = context.get("logical_date")
            if not now:
                now = context.get("dag_run").run_after
        else:
            now = make_naive(utcnow(), dag_timezone(self._dag()))
        if now.isoweekday() in self._week_day_num:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false

"""LatestOnlyOperator: run what follows only for the latest scheduled interval, so a catchup
or a backfill does not redo work that only the newest data needs (Airflow's
providers/standard/operators/latest_only.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pendulum

from updraft.models.states import DagRunType
from updraft.operators.branch import BaseBranchOperator
from updraft.scheduling.base import DataInterval, TimeRestriction

log = logging.getLogger("updraft.task")


def _now() -> datetime:
    """The clock the window is checked against (a seam for tests)."""
    return pendulum.now("UTC")


class LatestOnlyOperator(BaseBranchOperator):
    """Skips the tasks directly downstream unless now lies in the window from this run's
    interval to the next scheduled run's end. A manual run never skips, and neither does a
    run with no next scheduled run (the last one, or an `@once` DAG's)."""

    ui_color = "#e9ffdb"  # nyanza

    def choose_branch(self, context: Any) -> str | Iterable[str]:
        dag_run = context["dag_run"]
        if str(dag_run.run_type) == DagRunType.MANUAL.value:
            log.info("Manually triggered DAG_Run: allowing execution to proceed.")
            return list(self.get_direct_relative_ids(upstream=False))

        dates = self._get_compare_dates(dag_run)
        if dates is None:
            log.info("Last scheduled execution: allowing execution to proceed.")
            return list(self.get_direct_relative_ids(upstream=False))

        now = _now()
        left_window, right_window = dates
        log.info(
            "Checking latest only with left_window: %s right_window: %s now: %s",
            left_window, right_window, now,
        )
        if not left_window < now <= right_window:
            log.info("Not latest execution, skipping downstream.")
            # An empty list: every task directly downstream is skipped.
            return []
        log.info("Latest, allowing execution to proceed.")
        return list(self.get_direct_relative_ids(upstream=False))

    def _get_compare_dates(self, dag_run: Any) -> tuple[datetime, datetime] | None:
        """The window in which this run is the latest: from the end of the run the timetable
        puts before this one's end (else this run's start) to the end of the next run."""
        dagrun_date = dag_run.logical_date or dag_run.run_after
        start = pendulum.instance(dag_run.data_interval_start) if dag_run.data_interval_start else dagrun_date
        end = pendulum.instance(dag_run.data_interval_end) if dag_run.data_interval_end else dagrun_date

        timetable = self._dag().timetable
        current_interval = DataInterval(start=start, end=end)
        # Catchup restrictions: the timetables ignore `now` with catchup on.
        restriction = TimeRestriction(
            earliest=None, latest=current_interval.end - timedelta(microseconds=1), catchup=True
        )
        prev_info = timetable.next_dagrun_info(
            last_automated_data_interval=current_interval, restriction=restriction, now=_now(),
        )
        left = prev_info.data_interval.end if prev_info else current_interval.start

        restriction = TimeRestriction(earliest=current_interval.end, latest=None, catchup=True)
        next_info = timetable.next_dagrun_info(
            last_automated_data_interval=current_interval, restriction=restriction, now=_now(),
        )
        if not next_info:
            return None
        return (left, next_info.data_interval.end)

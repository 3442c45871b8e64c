"""EmptyOperator: a task that does nothing, for structure (joins, starts, ends)."""

from __future__ import annotations

from typing import Any

from updraft.authoring.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    """Does nothing. Like Airflow's, it never occupies a worker: the engine marks it done."""

    ui_color = "#e8f7e4"

    def execute(self, context: Any) -> None:
        return None

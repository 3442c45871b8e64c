"""EmptyOperator: a task that does nothing, for structure (joins, starts, ends); and
SmoothOperator, Airflow's other do-nothing operator, which only logs a song's link."""

from __future__ import annotations

import logging
from typing import Any

from updraft.authoring.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    """Does nothing. Like Airflow's, it never occupies a worker: the engine marks it done."""

    ui_color = "#e8f7e4"
    inherits_from_empty_operator = True

    def execute(self, context: Any) -> None:
        return None


class SmoothOperator(BaseOperator):
    """Operator that logs a YouTube link to Sade song "Smooth Operator"."""

    ui_color = "#e8f7e4"
    yt_link: str = "https://www.youtube.com/watch?v=4TYv2PhG89A"

    def execute(self, context: Any) -> None:
        logging.getLogger("updraft.task").info("Enjoy Sade - Smooth Operator: %s", self.yt_link)

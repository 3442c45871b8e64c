"""Calling a task's or a DAG's callbacks: with the context, and never changing the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("updraft.task")


def run_callbacks(callbacks: Callable[..., Any] | Iterable[Callable[..., Any]] | None, context: Any, kind: str) -> None:
    """Airflow accepts one callable or a list; a callback that raises is logged and ignored."""
    if callbacks is None:
        return
    for callback in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        try:
            log.info("Executing %s callback %s", kind, getattr(callback, "__name__", repr(callback)))
            callback(context)
        except Exception:  # noqa: BLE001 - a callback's failure must not change the task's state
            log.exception("Error when executing %s callback", kind)

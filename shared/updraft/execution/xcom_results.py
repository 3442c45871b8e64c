"""What a finished `execute()` leaves in XCom, by Airflow's rules (`_push_xcom_if_needed`).

With `multiple_outputs` each key of the returned mapping is an XCom of its own, pushed before
the whole value (`return_value`); a value that is not a mapping, or a key that is not a
string, fails the try with Airflow's error. Any operator may set `multiple_outputs`, not
only TaskFlow tasks (BashOperator with `output_processor=json.loads` is the usual case)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from updraft.authoring.xcomarg import XCOM_RETURN_KEY


def push_result(task: Any, ti: Any, result: Any) -> None:
    """Push `result` as the try's XComs (nothing when do_xcom_push is off or it is None).

    A branch or short circuit that skipped tasks pushes nothing either: in Airflow 3 the skip
    ends `execute` with DownstreamTasksSkipped before the return value is pushed."""
    if not task.do_xcom_push or result is None:
        return
    plan = getattr(ti, "skip_plan", None)
    if plan is not None and plan.skip and ti.map_index < 0:
        return
    if getattr(task, "multiple_outputs", False):
        if not isinstance(result, Mapping):
            raise TypeError(
                f"Returned output was type {type(result)} expected dictionary for multiple_outputs"
            )
        for key in result.keys():
            if not isinstance(key, str):
                raise TypeError(
                    "Returned dictionary keys must be strings when using "
                    f"multiple_outputs, found {key} ({type(key)}) instead"
                )
        for key, value in result.items():
            ti.xcom_push(key, value)
    ti.xcom_push(XCOM_RETURN_KEY, result)

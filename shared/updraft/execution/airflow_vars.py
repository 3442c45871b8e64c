"""Airflow's `AIRFLOW_CTX_*` variables: who is running, for the processes a task starts.

Airflow's task runner exports them into the task's environment before `execute`, and
BashOperator sets them in its command's environment whatever `env` says. A worker Lambda
runs one try after another in the same process, so the export is undone after each try:
a variable of the last try (its owner's email, say) must not reach the next."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

DEFAULT_FORMAT_PREFIX = "airflow.ctx."
ENV_VAR_FORMAT_PREFIX = "AIRFLOW_CTX_"

# (where the value is in the context, its attribute, the variable's name without a prefix),
# in Airflow's order.
_SOURCES = (
    ("task", "email", "dag_email", "DAG_EMAIL"),
    ("task", "owner", "dag_owner", "DAG_OWNER"),
    ("task_instance", "dag_id", "dag_id", "DAG_ID"),
    ("task_instance", "task_id", "task_id", "TASK_ID"),
    ("dag_run", "logical_date", "logical_date", "LOGICAL_DATE"),
    ("task_instance", "try_number", "try_number", "TRY_NUMBER"),
    ("dag_run", "run_id", "dag_run_id", "DAG_RUN_ID"),
    ("dag_run", "team_name", "team_name", "TEAM_NAME"),
)


def context_to_airflow_vars(context: Mapping[str, Any], in_env_var_format: bool = False) -> dict[str, str]:
    """Airflow's `context_to_airflow_vars`: `airflow.ctx.dag_id`-style names, or with
    `in_env_var_format` `AIRFLOW_CTX_DAG_ID`-style ones. A value that is missing or empty is
    left out; a datetime is in ISO format, a list joined with commas."""
    params: dict[str, str] = {}
    for source, attr, default_name, env_name in _SOURCES:
        subject = context.get(source)
        value = getattr(subject, attr, None)
        if not subject or not value:
            continue
        name = ENV_VAR_FORMAT_PREFIX + env_name if in_env_var_format else DEFAULT_FORMAT_PREFIX + default_name
        if isinstance(value, str):
            params[name] = value
        elif isinstance(value, datetime):
            params[name] = value.isoformat()
        elif isinstance(value, list):
            params[name] = ",".join(value)
        else:
            params[name] = str(value)
    return params


@contextmanager
def exported_context_vars(context: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """The try's `AIRFLOW_CTX_*` variables in `os.environ` for as long as it runs; what
    was there before is put back afterwards."""
    exported = context_to_airflow_vars(context, in_env_var_format=True)
    saved = {name: os.environ.get(name) for name in _env_names()}
    for name in saved:
        os.environ.pop(name, None)
    os.environ.update(exported)
    try:
        yield exported
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def environ_copy() -> dict[str, str]:
    """`os.environ.copy()`, safe while another thread's try puts its variables back (the
    local stack runs several tries in one process): a key gone mid-copy means copy again."""
    while True:
        try:
            return os.environ.copy()
        except KeyError:
            continue


def _env_names() -> list[str]:
    return [ENV_VAR_FORMAT_PREFIX + env_name for *_, env_name in _SOURCES]

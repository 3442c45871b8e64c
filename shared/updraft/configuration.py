"""Airflow's `conf` and `get_parsing_context()` for DAG code.

DAG files read settings with `conf.get(section, key)`. Updraft has no airflow.cfg: a value
comes from `AIRFLOW__{SECTION}__{KEY}` in the environment (Airflow's own override), else from
the few defaults below that DAG code commonly reads, else the `fallback` given."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from updraft.exceptions import AirflowConfigException

_DEFAULTS: dict[tuple[str, str], str] = {
    ("core", "default_timezone"): "utc",
    ("core", "dags_folder"): "dags",
    ("core", "load_examples"): "False",
    ("core", "max_active_runs_per_dag"): "16",
    ("core", "max_active_tasks_per_dag"): "16",
    ("core", "default_task_retries"): "0",
    ("core", "dagbag_import_timeout"): "30",
    ("core", "executor"): "Updraft",
    ("scheduler", "catchup_by_default"): "False",
    ("webserver", "base_url"): "http://localhost:8080",
    ("api", "base_url"): "http://localhost:8080",
}
_MISSING = object()


class UpdraftConfig:
    """The methods of Airflow's `AirflowConfigParser` that DAG code calls."""

    def get(self, section: str, key: str, fallback: Any = _MISSING, **_: Any) -> Any:
        value = os.environ.get(f"AIRFLOW__{section.upper()}__{key.upper()}")
        if value is not None:
            return value
        if (section.lower(), key.lower()) in _DEFAULTS:
            return _DEFAULTS[section.lower(), key.lower()]
        if fallback is not _MISSING:
            return fallback
        raise AirflowConfigException(f"section/key [{section}/{key}] not found in config")

    def get_mandatory_value(self, section: str, key: str, **kwargs: Any) -> str:
        value = self.get(section, key, **kwargs)
        if value is None:
            raise ValueError(f"The value {section}/{key} should be set!")
        return str(value)

    def getboolean(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> bool:
        value = self.get(section, key, fallback=fallback, **kwargs)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower().split("#")[0].strip()
        if text in ("t", "true", "1"):
            return True
        if text in ("f", "false", "0"):
            return False
        raise AirflowConfigException(
            f'Failed to convert value to bool. Please check "{key}" key in "{section}" section. '
            f'Current value: "{value}".'
        )

    def getint(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> int:
        return int(self.get(section, key, fallback=fallback, **kwargs))

    def getfloat(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> float:
        return float(self.get(section, key, fallback=fallback, **kwargs))

    def has_option(self, section: str, key: str) -> bool:
        return self.get(section, key, fallback=None) is not None


conf = UpdraftConfig()


class AirflowParsingContext(NamedTuple):
    """Which DAG and task the parse is for; Updraft parses whole files, so both are None."""

    dag_id: str | None
    task_id: str | None


def get_parsing_context() -> AirflowParsingContext:
    return AirflowParsingContext(
        dag_id=os.environ.get("_AIRFLOW_PARSING_CONTEXT_DAG_ID"),
        task_id=os.environ.get("_AIRFLOW_PARSING_CONTEXT_TASK_ID"),
    )

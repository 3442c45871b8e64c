"""Variables: small named settings that DAGs read at run time, with Airflow's API.

`Variable.get` looks in the environment first (`UPDRAFT_VAR_<KEY>`, `AIRFLOW_VAR_<KEY>`), then
in the stack's Parameter Store (see `updraft.execution.secrets`). Read them inside tasks or
templates (`{{ var.value.key }}`), not at a DAG file's top level: the file is imported on
every upload, and its variables then belong to the dag processor's moment, not the run's."""

from __future__ import annotations

import json
from typing import Any

from updraft.authoring.params import NOTSET


class Variable:
    """A key, its value (text) and an optional description."""

    def __init__(self, key: str | None = None, val: Any = None, description: str | None = None) -> None:
        self.key = key
        self.val = val
        self.description = description

    @property
    def value(self) -> Any:
        return self.val

    def __repr__(self) -> str:
        return f"{self.key}: {self.val}" if self.key else str(self.val)

    @classmethod
    def get(
        cls,
        key: str,
        default_var: Any = NOTSET,
        deserialize_json: bool = False,
        *,
        default: Any = NOTSET,
    ) -> Any:
        """The variable's value (parsed as JSON with `deserialize_json`); `default_var` (Airflow
        3's Task SDK calls it `default`) when it does not exist, else KeyError."""
        from updraft.execution.masking import mask_secret
        from updraft.execution.secrets import get_variable

        if default_var is NOTSET:
            default_var = default
        value = get_variable(key)
        if value is None:
            if default_var is not NOTSET:
                return default_var
            raise KeyError(f"Variable {key} does not exist")
        if deserialize_json:
            obj = json.loads(value)
            mask_secret(obj, key)
            return obj
        return value

    @classmethod
    def set(cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        """Create or replace the variable in the stack's store (JSON text with `serialize_json`,
        else `str(value)`)."""
        from updraft.execution.secrets import set_variable

        text = json.dumps(value, indent=2) if serialize_json else str(value)
        set_variable(key, text, description)

    @classmethod
    def delete(cls, key: str) -> int:
        """Delete the variable from the stack's store; the number deleted (0 or 1), as Airflow."""
        from updraft.execution.secrets import delete_variable

        return int(delete_variable(key))

"""Client libraries that hooks need only when they run: `psycopg`, `paramiko` and `requests`
come with the `providers` extra (`pip install 'updraft[providers]'`, and the stack's layer).

A DAG file that imports an operator costs nothing for them: each hook imports its client in
the method that uses it, so parsing DAGs (and the Lambda handlers' cold starts) never pays
for a database driver."""

from __future__ import annotations

import importlib
from types import ModuleType

from updraft.exceptions import AirflowException

EXTRA = "providers"


class AirflowOptionalProviderFeatureException(AirflowException):
    """A feature needs a library that is not installed (Airflow's name for it)."""


def require(module: str, feature: str) -> ModuleType:
    """`module`, imported; an error naming the extra to install when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise AirflowOptionalProviderFeatureException(
            f"{feature} needs the Python package {module.split('.')[0]!r}, which is not installed: "
            f"pip install 'updraft[{EXTRA}]' ({err})"
        ) from err

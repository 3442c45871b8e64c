"""Updraft: Apache Airflow's way of writing data pipelines, on a serverless AWS stack.

DAG files import from here, as they import from `airflow.sdk` in Airflow 3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each public name and the module that defines it. They load on first use, so that a Lambda
# handler that never defines a DAG (the scheduler, the API) does not import the authoring
# model, every operator and every hook on its cold start.
_EXPORTS = {
    "BaseOperator": "updraft.authoring.baseoperator",
    "chain": "updraft.authoring.baseoperator",
    "cross_downstream": "updraft.authoring.baseoperator",
    "Connection": "updraft.authoring.connection",
    "DAG": "updraft.authoring.dag",
    "dag": "updraft.authoring.dag",
    "Param": "updraft.authoring.params",
    "task": "updraft.authoring.taskflow",
    "TaskGroup": "updraft.authoring.taskgroup",
    "task_group": "updraft.authoring.taskgroup",
    "Variable": "updraft.authoring.variable",
    "XComArg": "updraft.authoring.xcomarg",
}

if TYPE_CHECKING:
    from updraft.authoring.baseoperator import BaseOperator, chain, cross_downstream
    from updraft.authoring.connection import Connection
    from updraft.authoring.dag import DAG, dag
    from updraft.authoring.params import Param
    from updraft.authoring.taskflow import task
    from updraft.authoring.taskgroup import TaskGroup, task_group
    from updraft.authoring.variable import Variable
    from updraft.authoring.xcomarg import XComArg


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'updraft' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "DAG",
    "BaseOperator",
    "Connection",
    "Param",
    "TaskGroup",
    "Variable",
    "XComArg",
    "__version__",
    "chain",
    "cross_downstream",
    "dag",
    "task",
    "task_group",
]

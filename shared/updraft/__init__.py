"""Updraft: Apache Airflow's way of writing data pipelines, on a serverless AWS stack.

DAG files import from here, as they import from `airflow.sdk` in Airflow 3.
"""

from updraft.authoring.baseoperator import BaseOperator, chain, cross_downstream
from updraft.authoring.connection import Connection
from updraft.authoring.dag import DAG, dag
from updraft.authoring.params import Param
from updraft.authoring.taskflow import task
from updraft.authoring.taskgroup import TaskGroup, task_group
from updraft.authoring.variable import Variable
from updraft.authoring.xcomarg import XComArg

__version__ = "0.1.0"

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

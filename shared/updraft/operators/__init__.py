"""The operators users import: `from updraft.operators import BashOperator, PythonOperator`."""

from updraft.operators.bash import BashOperator
from updraft.operators.branch import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from updraft.operators.empty import EmptyOperator
from updraft.operators.python import PythonOperator
from updraft.operators.trigger_dagrun import TriggerDagRunOperator

__all__ = [
    "BaseBranchOperator",
    "BashOperator",
    "BranchPythonOperator",
    "EmptyOperator",
    "PythonOperator",
    "ShortCircuitOperator",
    "TriggerDagRunOperator",
]

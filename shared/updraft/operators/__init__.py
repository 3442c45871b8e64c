"""The operators users import: `from updraft.operators import BashOperator, PythonOperator`."""

from updraft.operators.bash import BashOperator
from updraft.operators.branch import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from updraft.operators.empty import EmptyOperator
from updraft.operators.python import PythonOperator

__all__ = [
    "BaseBranchOperator",
    "BashOperator",
    "BranchPythonOperator",
    "EmptyOperator",
    "PythonOperator",
    "ShortCircuitOperator",
]

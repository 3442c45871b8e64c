"""ExternalPythonOperator and @task.external_python: the callable's source runs in another
interpreter with its arguments and the context values that can cross (strings, and dates when
it has pendulum); string_args, skip_on_exit_code, a failing callable, branching.
PythonVirtualenvOperator with requirements the worker already has."""

import os
import sys
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import (
    BranchExternalPythonOperator,
    ExternalPythonOperator,
    PythonVirtualenvOperator,
)
from airflow.sdk import DAG, task

PYTHON = sys.executable
os.environ["PARENT_PID"] = str(os.getpid())  # the process that imports this file runs its tasks


def describe(value, ds=None, run_id=None, logical_date=None):
    import os
    import sys

    return {
        "value": value, "ds": ds, "run_id_given": run_id is not None,
        "date": logical_date.isoformat() if logical_date else None,
        "date_type": type(logical_date).__name__,
        "separate_process": os.getpid() != int(os.environ["PARENT_PID"]),
        "major": sys.version_info.major,
    }


def no_task_objects(ds, **context):
    # Airflow's own objects (dag, task, ti, macros, ...) do not cross to another interpreter.
    objects = ["dag", "task", "ti", "task_instance", "macros", "params", "conf", "dag_run", "var", "conn"]
    values = ["run_id", "ts", "ts_nodash", "task_instance_key_str", "logical_date", "data_interval_start"]
    return {"objects": [k for k in objects if k in context], "values": [k for k in values if k in context]}


def strings():
    return virtualenv_string_args  # noqa: F821 - set by the script the operator runs


def exits():
    import sys

    sys.exit(5)


def fails():
    raise ValueError("boom")


def choose():
    return "left"


with DAG("conformance_virtualenv", schedule=None, start_date=datetime(2024, 1, 1)):
    ExternalPythonOperator(task_id="external", python=PYTHON, python_callable=describe,
                           op_kwargs={"value": [1, "two"]}, expect_airflow=False)
    ExternalPythonOperator(task_id="context_keys", python=PYTHON, python_callable=no_task_objects,
                           expect_airflow=False)
    ExternalPythonOperator(task_id="string_args", python=PYTHON, python_callable=strings,
                           string_args=["a", " b ", "{{ ds }}"], expect_airflow=False)
    ExternalPythonOperator(task_id="skips", python=PYTHON, python_callable=exits,
                           skip_on_exit_code=5, expect_airflow=False)
    ExternalPythonOperator(task_id="exits", python=PYTHON, python_callable=exits, expect_airflow=False)
    ExternalPythonOperator(task_id="fails", python=PYTHON, python_callable=fails, expect_airflow=False)
    ExternalPythonOperator(task_id="missing_python", python="/no/such/python", python_callable=choose,
                           expect_airflow=False)
    BranchExternalPythonOperator(task_id="branch", python=PYTHON, python_callable=choose,
                                 expect_airflow=False) >> [EmptyOperator(task_id="left"),
                                                           EmptyOperator(task_id="right")]
    PythonVirtualenvOperator(task_id="virtualenv", python_callable=describe, op_args=["venv"],
                             requirements=["pendulum"], expect_airflow=False)

    @task.external_python(python=PYTHON, expect_airflow=False)
    def decorated(x: int, y: int = 1) -> dict:
        # A comment line the source loses.
        return {"sum": x + y}

    @task
    def one() -> int:
        return 41

    decorated(one())

    @task.branch_external_python(python=PYTHON, expect_airflow=False)
    def decorated_branch():
        return ["b_left"]

    decorated_branch() >> [EmptyOperator(task_id="b_left"), EmptyOperator(task_id="b_right")]

    @task.virtualenv(expect_airflow=False)
    def in_virtualenv(n):
        return n * 2

    in_virtualenv(21)

# Recorded from Apache Airflow 3.3.2 (dag.test()) running this file.
EXPECTED = {
    "dag_id": "conformance_virtualenv",
    "run": "failed",
    "states": {
        "b_left": "success",
        "b_right": "skipped",
        "branch": "success",
        "context_keys": "success",
        "decorated": "success",
        "decorated_branch": "success",
        "exits": "failed",
        "external": "success",
        "fails": "failed",
        "in_virtualenv": "success",
        "left": "success",
        "missing_python": "failed",
        "one": "success",
        "right": "skipped",
        "skips": "skipped",
        "string_args": "success",
        "virtualenv": "success",
    },
    "xcom": {
        "context_keys": {"objects": [], "values": ["run_id", "ts", "ts_nodash", "task_instance_key_str", "logical_date", "data_interval_start"]},
        "decorated": {"sum": 42},
        "external": {"date": "2024-03-05T00:00:00+00:00", "date_type": "DateTime", "ds": "2024-03-05", "major": 3, "run_id_given": True, "separate_process": True, "value": [1, "two"]},
        "in_virtualenv": 42,
        "one": 41,
        "string_args": ["a", "b", "{{ ds }}"],
        "virtualenv": {"date": "2024-03-05T00:00:00+00:00", "date_type": "DateTime", "ds": "2024-03-05", "major": 3, "run_id_given": True, "separate_process": True, "value": "venv"},
    },
    "xcom_keys": {
        "decorated": {"sum": 42},
    },
    # A branch that skipped tasks pushes no return value (as in conformance/dags/branching.py).
    "no_xcom": ["branch", "decorated_branch"],
}

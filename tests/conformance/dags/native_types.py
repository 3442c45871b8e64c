"""render_template_as_native_obj=True: each template renders to the Python value Jinja's
native_concat makes of it, a string without braces included ("42" is the number 42)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def describe(values):
    return {name: [type(value).__name__, value.isoformat() if hasattr(value, "isoformat") else value]
            for name, value in sorted(values.items())}


with DAG("conformance_native_types", schedule=None, start_date=datetime(2024, 1, 1),
         render_template_as_native_obj=True, params={"numbers": [1, 2], "config": {"a": 1}}):
    PythonOperator(
        task_id="native",
        python_callable=describe,
        op_args=[{
            "plain_number": "42",
            "plain_text": "hello",
            "plain_list": "[1, 'a']",
            "sum": "{{ 1 + 1 }}",
            "param_list": "{{ params.numbers }}",
            "param_dict": "{{ params.config }}",
            "ds": "{{ ds }}",
            "ds_nodash": "{{ ds_nodash }}",
            "mixed": "n={{ params.numbers | length }}",
            "bool_text": "True",
            "none_text": "None",
            "spaced": " 7 ",
            "two_nodes": "{{ 1 }}{{ 2 }}",
            "logical_date": "{{ logical_date }}",
        }],
    )
    PythonOperator(
        task_id="per_task_off",
        python_callable=describe,
        render_template_as_native_obj=False,
        op_args=[{"plain_number": "42", "sum": "{{ 1 + 1 }}"}],
    )

# Recorded with Apache Airflow 3.3.2's dag.test().
EXPECTED = {
    "dag_id": "conformance_native_types",
    "run": "success",
    "states": {"native": "success", "per_task_off": "success"},
    "xcom": {
        "native": {
            "bool_text": ["bool", True], "ds": ["str", "2024-03-05"], "ds_nodash": ["int", 20240305],
            "logical_date": ["DateTime", "2024-03-05T00:00:00+00:00"], "mixed": ["str", "n=2"],
            "none_text": ["NoneType", None], "param_dict": ["dict", {"a": 1}], "param_list": ["list", [1, 2]],
            "plain_list": ["list", [1, "a"]], "plain_number": ["int", 42], "plain_text": ["str", "hello"],
            "spaced": ["str", " 7 "], "sum": ["int", 2], "two_nodes": ["int", 12],
        },
        "per_task_off": {"plain_number": ["str", "42"], "sum": ["str", "2"]},
    },
}

"""render_template_as_native_obj: a rendered template becomes a Python object, not a string."""

from datetime import datetime

from updraft import DAG
from updraft.operators import PythonOperator


def describe(numbers, count):
    return {"type": type(numbers).__name__, "sum": sum(numbers), "count": count}


with DAG("conformance_templates_native", schedule=None, start_date=datetime(2024, 1, 1),
         render_template_as_native_obj=True, params={"count": 3}):
    PythonOperator(
        task_id="native",
        python_callable=describe,
        op_kwargs={"numbers": "{{ [1, 2, 3] }}", "count": "{{ params.count }}"},
    )

EXPECTED = {
    "dag_id": "conformance_templates_native",
    "run": "success",
    "states": {"native": "success"},
    "xcom": {"native": {"type": "list", "sum": 6, "count": 3}},
}

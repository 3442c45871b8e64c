"""Params: defaults, a Param with a schema, and a trigger's conf overriding them."""

from datetime import datetime

from updraft import DAG, Param
from updraft.operators import BashOperator

with DAG("conformance_params", schedule=None, start_date=datetime(2024, 1, 1),
         params={"rows": Param(5, type="integer", minimum=1), "name": "table"}):
    BashOperator(task_id="show", bash_command="echo {{ params.rows }} {{ params.name }}",
                 params={"name": "task_level"})

CONF = {"rows": 7}
EXPECTED = {
    "dag_id": "conformance_params",
    "run": "success",
    "states": {"show": "success"},
    "xcom": {"show": "7 task_level"},
}

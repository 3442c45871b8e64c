"""Templates: Airflow's context names, macros, user macros and filters, params and conf,
and a `.sh` template file beside the DAG."""

from datetime import datetime

from updraft import DAG
from updraft.operators import BashOperator

with DAG(
    "conformance_templates",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    params={"who": "world"},
    user_defined_macros={"team": "data"},
    user_defined_filters={"shout": lambda s: s.upper() + "!"},
):
    BashOperator(
        task_id="show",
        bash_command=(
            "echo {{ ds }} {{ ds_nodash }} {{ ts }} {{ ts_nodash }} {{ ts_nodash_with_tz }} "
            "{{ macros.ds_add(ds, 5) }} {{ params.who }} {{ dag_run.conf.get('x') }} {{ run_id }} "
            "{{ task_instance_key_str }} {{ team }} {{ 'hi' | shout }} {{ ti.try_number }}"
        ),
    )
    BashOperator(task_id="script", bash_command="greet.sh")

LOGICAL_DATE = "2024-03-05T00:00:00+00:00"
CONF = {"x": 7}
FILES = {"greet.sh": "echo greeting for {{ ds }}"}
EXPECTED = {
    "dag_id": "conformance_templates",
    "run": "success",
    "states": {"show": "success", "script": "success"},
    "rendered": {
        "show": {
            "bash_command": (
                "echo 2024-03-05 20240305 2024-03-05T00:00:00+00:00 20240305T000000 "
                "20240305T000000+0000 2024-03-10 world 7 conformance "
                "conformance_templates__show__20240305 data HI! 1"
            ),
        },
        "script": {"bash_command": "echo greeting for 2024-03-05"},
    },
    "xcom": {"script": "greeting for 2024-03-05"},
}

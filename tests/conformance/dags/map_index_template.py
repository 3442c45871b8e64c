"""map_index_template names each mapped instance: from its arguments, or from what the task put
in its context while it ran (get_current_context)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, get_current_context, task

with DAG("conformance_map_index_template", schedule=None, start_date=datetime(2024, 1, 1)):

    @task(map_index_template="{{ city_label }}")
    def weather(city: str):
        context = get_current_context()
        context["city_label"] = f"city {city.upper()}"
        return len(city)

    weather.expand(city=["oslo", "lima"])

    BashOperator.partial(task_id="echo", map_index_template="{{ task.bash_command }}").expand(
        bash_command=["echo a", "echo b"]
    )

# Recorded with Apache Airflow 3.3.2's dag.test() (TaskInstance.rendered_map_index).
EXPECTED = {
    "dag_id": "conformance_map_index_template",
    "run": "success",
    "states": {"weather[0]": "success", "weather[1]": "success", "echo[0]": "success", "echo[1]": "success"},
    "map_index_names": {"weather[0]": "city OSLO", "weather[1]": "city LIMA", "echo[0]": "echo a",
                        "echo[1]": "echo b"},
}

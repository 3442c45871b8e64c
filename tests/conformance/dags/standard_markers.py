"""ExternalTaskMarker (its logical_date rendered from the run's) and SmoothOperator succeed
when they run; neither pushes an XCom. A marker with no callbacks is an EmptyOperator that
Airflow's scheduler marks done without running it (dag.test() runs it, and renders it), so the
rendered ones here have an on_success_callback."""

import pendulum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.smooth import SmoothOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskMarker
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_markers",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:

    def noted(context):
        print("marked", context["task"].task_id)

    marker = ExternalTaskMarker(task_id="marker", external_dag_id="child_dag", external_task_id="child_task",
                                on_success_callback=noted)
    templated = ExternalTaskMarker(
        task_id="templated", external_dag_id="{{ dag.dag_id }}_child", external_task_id="{{ task.task_id }}",
        logical_date="{{ ds }}", recursion_depth=3, on_success_callback=noted)
    given = ExternalTaskMarker(task_id="given", external_dag_id="child", external_task_id="t",
                               logical_date=pendulum.datetime(2024, 1, 2, tz="UTC"))
    smooth = SmoothOperator(task_id="smooth")
    [marker, templated, given] >> smooth >> EmptyOperator(task_id="end")

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_markers",
    "run": "success",
    "states": {
        "end": "success", "given": "success", "marker": "success", "smooth": "success", "templated": "success",
    },
    "rendered": {
        "marker": {"external_dag_id": "child_dag", "external_task_id": "child_task", "logical_date": "2024-03-05T00:00:00+00:00"},
        "templated": {"external_dag_id": "conformance_markers_child", "external_task_id": "templated", "logical_date": "2024-03-05"},
    },
}

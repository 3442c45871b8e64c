"""@task.run_if / @task.skip_if: the condition gets the context when the task is about to run;
a (bool, message) result sets the skip's message; they stack, and work on any @task kind."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

with DAG("conformance_taskflow_conditions", schedule=None, start_date=datetime(2024, 1, 1)):

    @task.run_if(lambda context: context["ds"] == "2024-03-05")
    @task
    def runs() -> str:
        return "ran"

    @task.run_if(lambda context: context["params"].get("go", False), skip_message="no go")
    @task
    def skipped_by_run_if() -> str:
        return "should not run"

    @task.skip_if(lambda context: (context["ti"].task_id.startswith("skipped"), "custom message"))
    @task
    def skipped_by_skip_if() -> str:
        return "should not run"

    @task.skip_if(lambda context: False)
    @task.run_if(lambda context: True)
    @task
    def stacked_runs() -> str:
        return "stacked"

    @task.skip_if(lambda context: True)
    @task.run_if(lambda context: True)
    @task
    def stacked_skips() -> str:
        return "should not run"

    @task.run_if(lambda context: False)
    @task.bash
    def bash_skipped() -> str:
        return "exit 1"

    @task.skip_if(lambda context: context["ti"].try_number > 1)
    @task.bash
    def bash_runs() -> str:
        return "echo bash ran"

    @task.run_if(lambda context: False)
    @task.branch
    def branch_skipped() -> str:
        return "after_branch"

    runs() >> EmptyOperator(task_id="after_runs")
    skipped_by_run_if() >> EmptyOperator(task_id="after_skipped")
    skipped_by_skip_if()
    stacked_runs()
    stacked_skips()
    bash_skipped()
    bash_runs()
    branch_skipped() >> EmptyOperator(task_id="after_branch")

# Recorded from Apache Airflow 3.3.2 (dag.test()) running this file.
EXPECTED = {
    "dag_id": "conformance_taskflow_conditions",
    "run": "success",
    "states": {
        "after_branch": "skipped",
        "after_runs": "success",
        "after_skipped": "skipped",
        "bash_runs": "success",
        "bash_skipped": "skipped",
        "branch_skipped": "skipped",
        "runs": "success",
        "skipped_by_run_if": "skipped",
        "skipped_by_skip_if": "skipped",
        "stacked_runs": "success",
        "stacked_skips": "skipped",
    },
    "xcom": {
        "bash_runs": "bash ran",
        "runs": "ran",
        "stacked_runs": "stacked",
    },
}

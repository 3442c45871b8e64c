"""BranchDateTimeOperator: datetimes and times of day as bounds, one-sided windows, a window
across midnight, the logical date or the clock, and a task group as a branch."""

import datetime

import pendulum

from airflow.providers.standard.operators.datetime import BranchDateTimeOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup

with DAG(
    dag_id="conformance_branch_datetime",
    schedule="@daily",
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:

    def branch(task_id, **kwargs):
        op = BranchDateTimeOperator(
            task_id=task_id, follow_task_ids_if_true=[f"{task_id}_in"],
            follow_task_ids_if_false=[f"{task_id}_out"], **kwargs)
        op >> [EmptyOperator(task_id=f"{task_id}_in"), EmptyOperator(task_id=f"{task_id}_out")]

    # 2024-03-05T00:00 UTC is the run's logical date.
    branch("dates_around", use_task_logical_date=True,
           target_lower=pendulum.datetime(2024, 3, 4, 23, tz="UTC"), target_upper=pendulum.datetime(2024, 3, 5, 1, tz="UTC"))
    branch("dates_before", use_task_logical_date=True,
           target_lower=pendulum.datetime(2024, 3, 5, 1, tz="UTC"), target_upper=pendulum.datetime(2024, 3, 5, 2, tz="UTC"))
    branch("upper_bound_equal", use_task_logical_date=True,
           target_lower=None, target_upper=pendulum.datetime(2024, 3, 5, tz="UTC"))
    branch("naive_lower_only", use_task_logical_date=True,
           target_lower=datetime.datetime(2024, 3, 5, 0, 0, 1), target_upper=None)
    branch("times_around", use_task_logical_date=True,
           target_lower=datetime.time(0, 0), target_upper=datetime.time(6, 0))
    branch("times_across_midnight", use_task_logical_date=True,
           target_lower=datetime.time(22, 0), target_upper=datetime.time(1, 0))
    branch("times_later", use_task_logical_date=True,
           target_lower=datetime.time(8, 0), target_upper=datetime.time(9, 0))
    branch("clock_after_2000", target_lower=pendulum.datetime(2000, 1, 1, tz="UTC"), target_upper=None)
    branch("clock_before_2000", target_lower=None, target_upper=pendulum.datetime(2000, 1, 1, tz="UTC"))

    to_group = BranchDateTimeOperator(
        task_id="to_group", use_task_logical_date=True, follow_task_ids_if_true="grp",
        follow_task_ids_if_false="not_grp", target_lower=datetime.time(0, 0), target_upper=None)
    with TaskGroup("grp") as grp:
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
    to_group >> [grp, EmptyOperator(task_id="not_grp")]

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_branch_datetime",
    "run": "success",
    "states": {
        "clock_after_2000": "success", "clock_after_2000_in": "success",
        "clock_after_2000_out": "skipped", "clock_before_2000": "success",
        "clock_before_2000_in": "skipped", "clock_before_2000_out": "success",
        "dates_around": "success", "dates_around_in": "success", "dates_around_out": "skipped",
        "dates_before": "success", "dates_before_in": "skipped", "dates_before_out": "success",
        "grp.first": "success", "grp.second": "success", "naive_lower_only": "success",
        "naive_lower_only_in": "skipped", "naive_lower_only_out": "success", "not_grp": "skipped",
        "times_across_midnight": "success", "times_across_midnight_in": "skipped",
        "times_across_midnight_out": "success", "times_around": "success",
        "times_around_in": "success", "times_around_out": "skipped", "times_later": "success",
        "times_later_in": "skipped", "times_later_out": "success", "to_group": "success",
        "upper_bound_equal": "success", "upper_bound_equal_in": "success",
        "upper_bound_equal_out": "skipped",
    },
}

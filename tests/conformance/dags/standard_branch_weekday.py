"""BranchDayOfWeekOperator: a day's name in any case, a set of WeekDay, the logical date's day
(2024-03-05 is a Tuesday) or the clock's, and a branch that follows two tasks."""

import pendulum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.weekday import BranchDayOfWeekOperator
from airflow.providers.standard.utils.weekday import WeekDay
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_branch_weekday",
    schedule="@daily",
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:

    def branch(task_id, week_day, **kwargs):
        op = BranchDayOfWeekOperator(
            task_id=task_id, follow_task_ids_if_true=f"{task_id}_yes",
            follow_task_ids_if_false=f"{task_id}_no", week_day=week_day, **kwargs)
        op >> [EmptyOperator(task_id=f"{task_id}_yes"), EmptyOperator(task_id=f"{task_id}_no")]

    branch("tuesday", "tuesday", use_task_logical_date=True)
    branch("monday", "Monday", use_task_logical_date=True)
    branch("weekend", {WeekDay.SATURDAY, WeekDay.SUNDAY}, use_task_logical_date=True)
    branch("workdays", ["MONDAY", WeekDay.TUESDAY, "Wednesday"], use_task_logical_date=True)
    branch("any_day_by_clock", list(WeekDay))

    both = BranchDayOfWeekOperator(
        task_id="both", follow_task_ids_if_true=["both_a", "both_b"], follow_task_ids_if_false="both_c",
        week_day=WeekDay.TUESDAY, use_task_logical_date=True)
    both >> [EmptyOperator(task_id="both_a"), EmptyOperator(task_id="both_b"), EmptyOperator(task_id="both_c")]

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_branch_weekday",
    "run": "success",
    "states": {
        "any_day_by_clock": "success", "any_day_by_clock_no": "skipped",
        "any_day_by_clock_yes": "success", "both": "success", "both_a": "success",
        "both_b": "success", "both_c": "skipped", "monday": "success", "monday_no": "success",
        "monday_yes": "skipped", "tuesday": "success", "tuesday_no": "skipped",
        "tuesday_yes": "success", "weekend": "success", "weekend_no": "success",
        "weekend_yes": "skipped", "workdays": "success", "workdays_no": "skipped",
        "workdays_yes": "success",
    },
}

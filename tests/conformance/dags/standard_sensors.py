"""The standard provider's sensors when their condition holds or soon will: DayOfWeekSensor,
TimeSensor, WaitSensor and BashSensor; and, with timeout=0, soft_fail skipping the ones whose
condition does not hold."""

import datetime

import pendulum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.sensors.bash import BashSensor
from airflow.providers.standard.sensors.time import TimeSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor, WaitSensor
from airflow.providers.standard.sensors.weekday import DayOfWeekSensor
from airflow.providers.standard.utils.weekday import WeekDay
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_standard_sensors",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    DayOfWeekSensor(task_id="on_tuesday", week_day="Tuesday", use_task_logical_date=True)
    DayOfWeekSensor(task_id="on_weekdays", week_day={WeekDay.MONDAY, WeekDay.TUESDAY}, use_task_logical_date=True)
    DayOfWeekSensor(task_id="any_day_by_clock", week_day=list(WeekDay))
    DayOfWeekSensor(task_id="on_monday", week_day=WeekDay.MONDAY, use_task_logical_date=True,
                    timeout=0, soft_fail=True)
    TimeSensor(task_id="after_midnight", target_time=datetime.time(0, 0))
    TimeSensor(task_id="before_midnight", target_time=datetime.time(23, 59, 59, 999999),
               timeout=0, soft_fail=True)
    WaitSensor(task_id="wait_a_second", time_to_wait=datetime.timedelta(seconds=1))
    WaitSensor(task_id="wait_no_time", time_to_wait=0)
    TimeDeltaSensor(task_id="delta_passed", delta=datetime.timedelta(seconds=1), deferrable=True)
    BashSensor(task_id="bash_ok", bash_command="exit 0")
    BashSensor(task_id="bash_env", bash_command='test "$COLOR" = "blue" && test "$PWD" != "/"',
               env={"COLOR": "{{ 'bl' + 'ue' }}"})
    BashSensor(task_id="bash_not_yet", bash_command="exit 1", timeout=0, soft_fail=True)
    BashSensor(task_id="bash_other_code", bash_command="exit 2", retry_exit_code=1, soft_fail=True)
    BashSensor(task_id="bash_other_code_never_fail", bash_command="exit 2", retry_exit_code=1,
               never_fail=True)
    [DayOfWeekSensor(task_id="gate", week_day="Tuesday", use_task_logical_date=True)] >> EmptyOperator(task_id="after")

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_standard_sensors",
    "run": "success",
    "states": {
        "after": "success", "after_midnight": "success", "any_day_by_clock": "success",
        "bash_env": "success", "bash_not_yet": "skipped", "bash_ok": "success",
        "bash_other_code": "skipped", "bash_other_code_never_fail": "skipped",
        "before_midnight": "skipped", "delta_passed": "success", "gate": "success",
        "on_monday": "skipped", "on_tuesday": "success", "on_weekdays": "success",
        "wait_a_second": "success", "wait_no_time": "success",
    },
    "xcom": {"delta_passed": True},
    "rendered": {
        "bash_env": {"env": {"COLOR": "blue"}},
    },
}

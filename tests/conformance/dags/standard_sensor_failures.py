"""Sensors that fail, as Airflow fails them: a retry exit code's other codes fail without
retries, a sensor that times out fails without retries, and FileSensor with no fs_default
connection fails (Airflow defines fs_default only with its default connections)."""

import pendulum

from airflow.providers.standard.sensors.bash import BashSensor
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG

with DAG(
    dag_id="conformance_sensor_failures",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    BashSensor(task_id="bash_other_code", bash_command="exit 2", retry_exit_code=1, retries=2)
    BashSensor(task_id="bash_retry_code_times_out", bash_command="exit 1", retry_exit_code=1, timeout=0, retries=2)
    FileSensor(task_id="no_fs_default", filepath="/tmp", timeout=0)
    FileSensor(task_id="no_fs_default_never_fail", filepath="/tmp", timeout=0, never_fail=True)
    FileSensor(task_id="no_fs_default_silent", filepath="/tmp", timeout=0, silent_fail=True)

# Recorded from Apache Airflow 3.3.2: dag.test() of this file.
EXPECTED = {
    "dag_id": "conformance_sensor_failures",
    "run": "failed",
    "states": {
        "bash_other_code": "failed", "bash_retry_code_times_out": "failed",
        "no_fs_default": "failed", "no_fs_default_never_fail": "skipped",
        "no_fs_default_silent": "failed",
    },
}

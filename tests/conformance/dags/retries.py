"""Retries: a failure with tries left is retried; AirflowFailException fails at once;
AirflowSkipException skips."""

from datetime import datetime, timedelta

from updraft import DAG
from updraft.exceptions import AirflowFailException, AirflowSkipException
from updraft.operators import PythonOperator


def flaky(ti):
    if ti.try_number == 1:
        raise ConnectionError("try 1 fails")
    return ti.try_number


def fatal():
    raise AirflowFailException("no point retrying")


def skip():
    raise AirflowSkipException("nothing to do")


with DAG("conformance_retries", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"retries": 2, "retry_delay": timedelta(0)}):
    PythonOperator(task_id="flaky", python_callable=flaky)
    PythonOperator(task_id="fatal", python_callable=fatal)
    PythonOperator(task_id="skip", python_callable=skip)

EXPECTED = {
    "dag_id": "conformance_retries",
    "run": "failed",
    "states": {"flaky": "success", "fatal": "failed", "skip": "skipped"},
    "xcom": {"flaky": 2},
}

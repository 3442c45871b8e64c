"""retry_policy: the exception decides. A ConnectionError is retried at once (the policy's
own delay), a PermissionError fails without its retries, anything else follows `retries`;
a policy that raises falls back to `retries`."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, ExceptionRetryPolicy, RetryAction, RetryDecision, RetryPolicy, RetryRule, task

POLICY = ExceptionRetryPolicy(rules=[
    RetryRule(exception=ConnectionError, action=RetryAction.RETRY, retry_delay=timedelta(seconds=0)),
    RetryRule(exception="builtins.PermissionError", action=RetryAction.FAIL, reason="not retryable"),
])


class Broken(RetryPolicy):
    def evaluate(self, exception, try_number, max_tries, context=None):
        raise RuntimeError("the policy itself fails")


class OnlyOnce(RetryPolicy):
    def evaluate(self, exception, try_number, max_tries, context=None):
        return RetryDecision.retry(timedelta(0)) if try_number == 1 else RetryDecision.fail("enough")


with DAG("conformance_retry_policy", schedule=None):

    @task(retries=3, retry_delay=timedelta(hours=1), retry_policy=POLICY)
    def flaky(ti=None):
        if ti.try_number < 3:
            raise ConnectionError("reset by peer")
        return ti.try_number

    @task(retries=3, retry_delay=timedelta(seconds=0), retry_policy=POLICY)
    def forbidden():
        raise PermissionError("no")

    @task(retries=1, retry_delay=timedelta(seconds=0), retry_policy=POLICY)
    def other():
        raise ValueError("plain")

    @task(retries=1, retry_delay=timedelta(seconds=0), retry_policy=Broken())
    def broken_policy():
        raise ValueError("plain")

    @task(retries=5, retry_delay=timedelta(seconds=0), retry_policy=OnlyOnce())
    def once():
        raise ValueError("again")

    flaky()
    forbidden()
    other()
    broken_policy()
    once()

# Recorded with Apache Airflow 3.3.2's dag.test().
EXPECTED = {
    "dag_id": "conformance_retry_policy",
    "run": "failed",
    "states": {"flaky": "success", "forbidden": "failed", "other": "failed", "broken_policy": "failed",
               "once": "failed"},
    "tries": {"flaky": 3, "forbidden": 1, "other": 2, "broken_policy": 2, "once": 2},
    "xcom": {"flaky": 3},
}

"""Telling people: `email_on_failure` / `email_on_retry` through SES from the worker, notifier
objects as callbacks (Slack webhook, SNS, SES) rendered with the callback's context, and the
stack's alert topic told once about each failed DagRun — through the real handlers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.aws_fakes import delivered, sent_emails, subscribe_queue, webhook_server
from tests.engine_driver import Driver


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


@pytest.fixture
def session(stack_env: dict[str, str]) -> Any:
    import boto3

    return boto3.session.Session()


@pytest.fixture
def ses(session: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """SES with the stack's sender verified and configured, as a deployment would have it."""
    client = session.client("ses")
    client.verify_email_identity(EmailAddress="updraft@example.com")
    monkeypatch.setenv("UPDRAFT_EMAIL_FROM_EMAIL", "updraft@example.com")
    return client


def run_dag(driver: Driver, name: str, source: str, dag_id: str) -> tuple[str, dict[str, tuple[str, int]]]:
    driver.upload(name, source)
    run = driver.trigger(dag_id)
    driver.drain()
    return run.run_id, driver.states(dag_id, run.run_id)


# ------------------------------------------------------------------ task emails

EMAILS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("emails", schedule=None, start_date=datetime(2024, 1, 1),
             default_args={"email": ["oncall@example.com", "lead@example.com"], "retry_delay": 0}):
        BashOperator(task_id="flaky", bash_command="echo 'disk full' >&2; exit 1", retries=1)
        BashOperator(task_id="quiet_retry", bash_command="exit 1", retries=1, email_on_retry=False)
        BashOperator(task_id="no_email", bash_command="exit 1", email_on_failure=False)
        BashOperator(task_id="fine", bash_command="echo ok")
"""


def test_failed_and_retried_tries_email_the_tasks_addresses_through_ses(driver: Driver, ses: Any) -> None:
    run_id, states = run_dag(driver, "emails.py", EMAILS, "emails")

    assert states == {"flaky": ("failed", 2), "quiet_retry": ("failed", 2), "no_email": ("failed", 1),
                      "fine": ("success", 1)}
    subjects = sorted(e.message["Subject"] for e in sent_emails())
    assert subjects == [
        f"Airflow alert: <TaskInstance: emails.flaky {run_id} [failed]>",
        f"Airflow alert: <TaskInstance: emails.flaky {run_id} [up_for_retry]>",
        f"Airflow alert: <TaskInstance: emails.quiet_retry {run_id} [failed]>",
    ]
    retry = next(e for e in sent_emails() if "flaky" in e.message["Subject"] and "up_for_retry" in e.message["Subject"])
    assert retry.source == "updraft@example.com"
    assert set(retry.destinations) == {"oncall@example.com", "lead@example.com"}
    assert retry.html.startswith("Try 1 out of 2<br>Exception:<br>")
    assert "Bash command failed. The command returned a non-zero exit code 1." in retry.html
    assert f"Log: s3://{driver.services.bucket.name}/logs/dag_id=emails/run_id={run_id}/task_id=flaky/attempt=1.log" \
        in retry.html


def test_an_email_that_cannot_be_sent_is_logged_and_changes_nothing(driver: Driver) -> None:
    from updraft.store.bucket import log_key

    run_id, states = run_dag(driver, "emails.py", EMAILS, "emails")  # no sender configured

    assert states["flaky"] == ("failed", 2) and states["fine"] == ("success", 1)
    log = driver.services.bucket.get(log_key("emails", run_id, "flaky", -1, 2)).decode()
    assert "Failed to send email to: ['oncall@example.com', 'lead@example.com']" in log
    assert "The `from_email' configuration has to be set for the SES emailer" in log


# ------------------------------------------------------------------ notifiers

NOTIFIERS = """
    import os
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator
    from updraft.notifications import SesNotifier, SlackWebhookNotifier, SnsNotifier

    with DAG("notified", schedule=None, start_date=datetime(2024, 1, 1),
             on_failure_callback=SesNotifier(
                 mail_from="updraft@example.com", to="oncall@example.com",
                 subject="{{ dag.dag_id }} failed", html_content="run {{ run_id }}: {{ reason }}")):
        BashOperator(
            task_id="load", bash_command="exit 1",
            on_failure_callback=[
                SlackWebhookNotifier(slack_webhook_conn_id="slack_test",
                                     text=":red_circle: {{ ti.task_id }} failed in {{ dag.dag_id }} ({{ ds }})"),
                SnsNotifier(target_arn=os.environ["TEST_TOPIC_ARN"], subject="{{ ti.task_id }} failed",
                            message="try {{ ti.try_number }} of {{ ti.task_id }}",
                            message_attributes={"dag": "{{ dag.dag_id }}"}),
            ],
        )
        BashOperator(task_id="extract", bash_command="echo ok",
                     on_success_callback=SlackWebhookNotifier(slack_webhook_conn_id="slack_test",
                                                              text="{{ ti.task_id }} ok"))
"""


def test_notifiers_render_their_fields_with_the_callbacks_context_and_send(
    driver: Driver, session: Any, ses: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = session.client("sns").create_topic(Name="task-alerts")["TopicArn"]
    queue = subscribe_queue(session, topic)
    monkeypatch.setenv("TEST_TOPIC_ARN", topic)
    with webhook_server() as webhook:
        monkeypatch.setenv("UPDRAFT_CONN_SLACK_TEST", webhook.connection())
        run_id, states = run_dag(driver, "notified.py", NOTIFIERS, "notified")

    assert states == {"load": ("failed", 1), "extract": ("success", 1)}
    ds = driver.services.runs.get("notified", run_id).logical_date[:10]
    assert sorted(post["text"] for post in webhook.posts) == [
        f":red_circle: load failed in notified ({ds})", "extract ok"]
    [envelope] = delivered(session, queue)
    assert (envelope["Subject"], envelope["Message"]) == ("load failed", "try 1 of load")
    assert envelope["MessageAttributes"]["dag"] == {"Type": "String", "Value": "notified"}
    [mail] = sent_emails()
    assert (mail.message["Subject"], mail.html) == ("notified failed", f"run {run_id}: task_failure")


def test_a_notifier_reused_by_the_next_run_renders_afresh(driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    source = NOTIFIERS.replace('os.environ["TEST_TOPIC_ARN"]', '"arn:aws:sns:us-east-1:123456789012:none"')
    with webhook_server() as webhook:
        monkeypatch.setenv("UPDRAFT_CONN_SLACK_TEST", webhook.connection())
        driver.upload("notified.py", source)
        for run_id in ("manual__one", "manual__two"):
            driver.trigger("notified", run_id=run_id)
            driver.drain()

    assert sorted(post["text"] for post in webhook.posts if post["text"] == "extract ok") == ["extract ok"] * 2
    assert len([p for p in webhook.posts if "load failed in notified" in p["text"]]) == 2


def test_a_notifier_that_cannot_send_leaves_the_task_as_it_was(driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    from updraft.store.bucket import log_key

    source = NOTIFIERS.replace('os.environ["TEST_TOPIC_ARN"]', '"arn:aws:sns:us-east-1:123456789012:none"')
    with webhook_server() as webhook:
        webhook.status = 500
        monkeypatch.setenv("UPDRAFT_CONN_SLACK_TEST", webhook.connection())
        run_id, states = run_dag(driver, "notified.py", source, "notified")

    assert states == {"load": ("failed", 1), "extract": ("success", 1)}
    log = driver.services.bucket.get(log_key("notified", run_id, "extract", -1, 1)).decode()
    assert "Failed to send notification: Response body: 'invalid_payload', Status Code: 500." in log


# ------------------------------------------------------------------ the stack's alert topic

RUNS = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("nightly", schedule=None, start_date=datetime(2024, 1, 1)):
        BashOperator(task_id="load", bash_command="exit {{ dag_run.conf.get('code', 0) }}")

    with DAG("slowrun", schedule=None, start_date=datetime(2024, 1, 1), dagrun_timeout=timedelta(minutes=5)):
        BashOperator(task_id="first", bash_command="echo")
"""


def test_each_failed_run_is_published_once_to_the_alert_topic(driver: Driver, session: Any,
                                                                stack_env: dict[str, str]) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.scheduling.scheduler import run_pass
    from updraft.timeutil import utcnow

    topic = stack_env["UPDRAFT_ALERT_TOPIC_ARN"]
    assert topic.endswith(":test-AlertTopic")
    queue = subscribe_queue(session, topic, "alerts")
    driver.upload("runs.py", RUNS)

    for run_id, code in (("manual__ok", 0), ("manual__broken", 1)):
        trigger_dag_run(driver.services, "nightly", run_id=run_id, conf={"code": code}, now=utcnow())
    driver.drain(duplicate=True)  # a message handled twice ends the run once
    slow = driver.trigger("slowrun", run_id="manual__slow")
    run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=6))  # dagrun_timeout

    alerts = delivered(session, queue)
    bodies = sorted((json.loads(a["Message"]) for a in alerts), key=lambda b: b["run_id"])
    assert [(b["dag_id"], b["run_id"], b["state"], b["reason"]) for b in bodies] == [
        ("nightly", "manual__broken", "failed", "task_failure"),
        ("slowrun", slow.run_id, "failed", "timed_out"),
    ]
    assert {a["Subject"] for a in alerts} == {"Updraft: DAG run failed: nightly", "Updraft: DAG run failed: slowrun"}
    assert alerts[0]["MessageAttributes"]["event"] == {"Type": "String", "Value": "dag_run_failed"}


def test_without_an_alert_topic_nothing_is_published(driver: Driver, session: Any, stack_env: dict[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.services import services_from_env
    from updraft.timeutil import utcnow

    queue = subscribe_queue(session, stack_env["UPDRAFT_ALERT_TOPIC_ARN"], "alerts")
    monkeypatch.setenv("UPDRAFT_ALERT_TOPIC_ARN", "")
    services_from_env.cache_clear()
    driver.services = services_from_env()  # what the handlers now get too

    driver.upload("runs.py", RUNS)
    trigger_dag_run(driver.services, "nightly", run_id="manual__broken", conf={"code": 1}, now=utcnow())
    driver.drain()

    assert driver.services.runs.get("nightly", "manual__broken").state == "failed"
    assert delivered(session, queue) == []

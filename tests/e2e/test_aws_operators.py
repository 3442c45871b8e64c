"""The AWS operators, the S3 sensor and the Slack webhook operator in DAG runs, through the real
handlers on the local stack: S3 objects created, copied and deleted; an S3 key waited for
without holding a worker; a Lambda function's payload or its error; a message on an SNS topic;
an email through SES; a JSON post to a webhook."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws_fakes import (
    create_lambda,
    delivered,
    lambda_errors,
    sent_emails,
    subscribe_queue,
    webhook_server,
    without_docker,
)
from tests.engine_driver import Driver


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


@pytest.fixture
def session(stack_env: dict[str, str]) -> Any:
    import boto3

    return boto3.session.Session()


def run_dag(driver: Driver, name: str, source: str, dag_id: str) -> tuple[str, dict[str, tuple[str, int]]]:
    driver.upload(name, source)
    run = driver.trigger(dag_id)
    driver.drain()
    return run.run_id, driver.states(dag_id, run.run_id)


def task_log(driver: Driver, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
    from updraft.store.bucket import log_key

    return (driver.services.bucket.get(log_key(dag_id, run_id, task_id, -1, try_number)) or b"").decode()


# ------------------------------------------------------------------ S3

S3_OBJECTS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import S3CopyObjectOperator, S3CreateObjectOperator, S3DeleteObjectsOperator

    with DAG("s3_objects", schedule=None, start_date=datetime(2024, 1, 1)):
        create = S3CreateObjectOperator(task_id="create", s3_bucket="data", s3_key="raw/{{ ds }}/orders.csv",
                                        data="id,amount\\n1,12.5\\n")
        create_bytes = S3CreateObjectOperator(task_id="create_bytes", s3_key="s3://data/raw/blob.bin",
                                              data=b"\\x00\\x01", aws_conn_id=None)
        copy = S3CopyObjectOperator(task_id="copy", source_bucket_key="s3://data/raw/{{ ds }}/orders.csv",
                                    dest_bucket_key="s3://archive/orders/{{ ds }}.csv")
        delete = S3DeleteObjectsOperator(task_id="delete", bucket="data", prefix="raw/")
        [create, create_bytes] >> copy >> delete
"""


def test_s3_operators_create_copy_and_delete_objects(driver: Driver, session: Any) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="data")
    s3.create_bucket(Bucket="archive")

    run_id, states = run_dag(driver, "s3_objects.py", S3_OBJECTS, "s3_objects")

    assert states == {name: ("success", 1) for name in ("create", "create_bytes", "copy", "delete")}
    ds = driver.services.runs.get("s3_objects", run_id).logical_date[:10]
    archived = s3.get_object(Bucket="archive", Key=f"orders/{ds}.csv")["Body"].read()
    assert archived == b"id,amount\n1,12.5"  # a template field: Jinja drops one trailing newline, as in Airflow
    assert s3.list_objects_v2(Bucket="data").get("KeyCount") == 0


S3_SENSOR = """
    from datetime import datetime
    from updraft import DAG
    from updraft.sensors import S3KeySensor

    def big_enough(files):
        return all(f["Size"] >= 5 for f in files)

    with DAG("s3_wait", schedule=None, start_date=datetime(2024, 1, 1)):
        S3KeySensor(task_id="wait_export", bucket_name="data", bucket_key="exports/*/part-*.parquet",
                    wildcard_match=True, check_fn=big_enough, mode="reschedule", poke_interval=0, timeout=600)
        S3KeySensor(task_id="wait_flag", bucket_key=["s3://data/flags/done", "s3://data/flags/ok"],
                    mode="reschedule", poke_interval=0, timeout=600)
"""


def test_s3_key_sensor_waits_for_wildcard_and_listed_keys_without_holding_a_worker(
    driver: Driver, session: Any,
) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="data")
    driver.upload("s3_wait.py", S3_SENSOR)
    run = driver.trigger("s3_wait")
    driver.drain(rounds=3)  # each poke is one message; nothing waits in a worker
    s3.put_object(Bucket="data", Key="exports/2024/part-0001.parquet", Body=b"123")  # too small for check_fn
    s3.put_object(Bucket="data", Key="flags/done", Body=b"")
    driver.drain(rounds=3)

    states = driver.states("s3_wait", run.run_id)
    assert states["wait_export"][0] in ("up_for_reschedule", "queued")
    assert states["wait_flag"][0] in ("up_for_reschedule", "queued")

    s3.put_object(Bucket="data", Key="exports/2024/part-0002.parquet", Body=b"1234567")
    s3.delete_object(Bucket="data", Key="exports/2024/part-0001.parquet")
    s3.put_object(Bucket="data", Key="flags/ok", Body=b"")
    driver.drain()

    assert driver.states("s3_wait", run.run_id) == {"wait_export": ("success", 1), "wait_flag": ("success", 1)}
    log = task_log(driver, "s3_wait", run.run_id, "wait_flag")
    assert log.count("Poking for key : s3://data/flags/done") >= 3  # one try's log holds every poke


# ------------------------------------------------------------------ Lambda

LAMBDA = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import LambdaInvokeFunctionOperator

    with DAG("invoke", schedule=None, start_date=datetime(2024, 1, 1)):
        LambdaInvokeFunctionOperator(task_id="echo", function_name="echo",
                                     payload='{"run": "{{ run_id }}", "rows": 3}', deserialize_payload=True)
        LambdaInvokeFunctionOperator(task_id="raw", function_name="echo", payload='{"rows": 4}')
        LambdaInvokeFunctionOperator(task_id="failing", function_name="loader", payload="{}")
"""


def test_lambda_invoke_gives_the_payload_and_fails_on_a_function_error(
    driver: Driver, session: Any, moto_server: Any,
) -> None:
    with without_docker(moto_server.url), lambda_errors("loader", {"errorType": "KeyError",
                                                                   "errorMessage": "'customer_id'"}):
        create_lambda(session, "echo")
        create_lambda(session, "loader")
        run_id, states = run_dag(driver, "invoke.py", LAMBDA, "invoke")

    assert states == {"echo": ("success", 1), "raw": ("success", 1), "failing": ("failed", 1)}
    xcoms = driver.services.xcoms
    assert xcoms.get("invoke", run_id, "echo", -1, "return_value") == (True, {"run": run_id, "rows": 3})
    assert xcoms.get("invoke", run_id, "raw", -1, "return_value") == (True, '{"rows": 4}')
    error = driver.services.tis.get("invoke", run_id, "failing").error
    assert error == ("ValueError: Lambda function loader execution resulted in error (Unhandled): "
                     "KeyError: 'customer_id'")


# ------------------------------------------------------------------ SNS

SNS = """
    import os
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import SnsPublishOperator

    with DAG("publish", schedule=None, start_date=datetime(2024, 1, 1)):
        SnsPublishOperator(task_id="announce", target_arn=os.environ["TEST_TOPIC_ARN"],
                           message="orders for {{ ds }} are loaded", subject="Orders loaded",
                           message_attributes={"rows": 12, "source": "{{ dag.dag_id }}"})
"""


def test_sns_publish_reaches_a_subscribed_queue(
    driver: Driver, session: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = session.client("sns").create_topic(Name="orders")["TopicArn"]
    queue = subscribe_queue(session, topic)
    monkeypatch.setenv("TEST_TOPIC_ARN", topic)

    run_id, states = run_dag(driver, "publish.py", SNS, "publish")

    assert states == {"announce": ("success", 1)}
    [envelope] = delivered(session, queue)
    ds = driver.services.runs.get("publish", run_id).logical_date[:10]
    assert (envelope["Subject"], envelope["Message"]) == ("Orders loaded", f"orders for {ds} are loaded")
    assert envelope["MessageAttributes"]["source"] == {"Type": "String", "Value": "publish"}
    assert envelope["MessageAttributes"]["rows"] == {"Type": "Number", "Value": "12"}
    message_id = driver.services.xcoms.get("publish", run_id, "announce", -1, "return_value")[1]["MessageId"]
    assert message_id == envelope["MessageId"]


# ------------------------------------------------------------------ email

EMAIL = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import EmailOperator

    REPORT = Path(__file__).with_name("report.csv")

    with DAG("mail", schedule=None, start_date=datetime(2024, 1, 1)):
        EmailOperator(task_id="report", to="ops@example.com; lead@example.com", cc=["cc@example.com"],
                      bcc="audit@example.com", subject="Orders for {{ ds }}",
                      html_content="<h1>{{ params.rows }} rows</h1>", params={"rows": 12},
                      files=[str(REPORT)])
        EmailOperator(task_id="from_param", to="ops@example.com", subject="s", html_content="c",
                      from_email="other@example.com")
"""


def test_email_operator_sends_through_ses_from_the_configured_sender(
    driver: Driver, session: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ses = session.client("ses")
    ses.verify_email_identity(EmailAddress="etl@example.com")
    ses.verify_email_identity(EmailAddress="other@example.com")
    monkeypatch.setenv("UPDRAFT_EMAIL_FROM_EMAIL", "etl@example.com")
    driver.services.bucket.put("dags/report.csv", "id,amount\n1,12.5\n")

    run_id, states = run_dag(driver, "mail.py", EMAIL, "mail")

    assert states == {"report": ("success", 1), "from_param": ("success", 1)}
    report, from_param = sorted(sent_emails(), key=lambda e: e.source)
    ds = driver.services.runs.get("mail", run_id).logical_date[:10]
    assert report.source == "etl@example.com"
    # the envelope's recipients (moto adds the headers' again, so compare as a set)
    assert set(report.destinations) == {"ops@example.com", "lead@example.com", "cc@example.com", "audit@example.com"}
    assert report.message["Subject"] == f"Orders for {ds}"
    assert report.message["Bcc"] is None
    assert report.html == "<h1>12 rows</h1>"
    assert report.attachments == {"report.csv": b"id,amount\n1,12.5\n"}
    assert from_param.source == "other@example.com"


def test_email_without_a_sender_fails_as_airflows_ses_backend(driver: Driver) -> None:
    run_id, states = run_dag(driver, "mail.py", EMAIL.replace(', from_email="other@example.com"', ""), "mail")

    assert states["report"] == ("failed", 1)
    assert driver.services.tis.get("mail", run_id, "report").error == (
        "RuntimeError: The `from_email' configuration has to be set for the SES emailer "
        "(the UPDRAFT_EMAIL_FROM_EMAIL setting, or the operator's from_email).")
    assert sent_emails() == []


# ------------------------------------------------------------------ Slack

SLACK = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import SlackWebhookOperator

    with DAG("slack", schedule=None, start_date=datetime(2024, 1, 1)):
        SlackWebhookOperator(
            task_id="post", slack_webhook_conn_id="slack_test", message="Loaded {{ params.rows }} rows",
            params={"rows": 12}, channel="#data", username="updraft", icon_emoji=":rocket:",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*{{ dag.dag_id }}* done"}}],
            attachments=[{"color": "good", "text": "ok"}],
        )
"""


def test_slack_webhook_operator_posts_the_rendered_message_as_json(
    driver: Driver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with webhook_server() as webhook, pytest.warns(UserWarning, match="You cannot override the default channel"):
        monkeypatch.setenv("UPDRAFT_CONN_SLACK_TEST", webhook.connection())
        _, states = run_dag(driver, "slack.py", SLACK, "slack")

    assert states == {"post": ("success", 1)}
    assert webhook.paths == ["/services/T000/B000/XXXX"]
    assert webhook.posts == [{
        "text": "Loaded 12 rows",
        "attachments": [{"color": "good", "text": "ok"}],
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*slack* done"}}],
        "channel": "#data",
        "username": "updraft",
        "icon_emoji": ":rocket:",
    }]


@pytest.mark.filterwarnings("ignore:You cannot override the default channel:UserWarning")
def test_a_webhook_that_refuses_the_post_fails_the_task(driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook_server() as webhook:
        webhook.status = 400
        monkeypatch.setenv("UPDRAFT_CONN_SLACK_TEST", webhook.connection())
        run_id, states = run_dag(driver, "slack.py", SLACK, "slack")

    assert states == {"post": ("failed", 1)}
    assert driver.services.tis.get("slack", run_id, "post").error == (
        "AirflowException: Response body: 'invalid_payload', Status Code: 400. "
        "See: https://api.slack.com/messaging/webhooks#handling_errors")

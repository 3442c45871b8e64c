"""The AWS hooks against moto: where credentials, region and endpoint come from (a connection
or the function's own role), S3Hook's methods and its s3:// URLs, and the small helpers the
other hooks share with Airflow."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from updraft.exceptions import AirflowException
from updraft.hooks import AwsBaseHook, LambdaHook, S3Hook, SlackWebhookHook
from updraft.hooks.s3 import S3HookUriParseFailure
from updraft.hooks.sns import publish_kwargs
from updraft.notifications.email import build_mime_message


@pytest.fixture
def aws(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh moto, and the environment a worker Lambda would have (its own credentials)."""
    from updraft.local.server import aws_environment
    from updraft.services import services_from_env

    moto_server.reset()
    for key, value in aws_environment(moto_server.url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    services_from_env.cache_clear()
    yield moto_server.url
    services_from_env.cache_clear()


@pytest.fixture
def bucket(aws: str) -> str:
    S3Hook(aws_conn_id=None).create_bucket("data")
    return "data"


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: Any) -> None:
    monkeypatch.setenv(f"UPDRAFT_CONN_{conn_id.upper()}", json.dumps({"conn_type": "aws", **fields}))


# ------------------------------------------------------------------ credentials


def test_without_a_connection_the_functions_own_credentials_and_endpoint_are_used(aws: str) -> None:
    hook = AwsBaseHook(aws_conn_id=None, client_type="sts")

    assert hook.get_conn().get_caller_identity()["Account"] == "123456789012"
    assert hook.get_credentials().access_key == "testing"  # AWS_ACCESS_KEY_ID of the environment
    assert hook.conn_region_name == "us-east-1"


def test_an_undefined_connection_falls_back_to_the_functions_role_with_a_warning(
    aws: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    hook = AwsBaseHook(aws_conn_id="nowhere", client_type="s3")

    assert hook.get_conn().list_buckets()["Buckets"] == []
    assert "Unable to find AWS Connection ID 'nowhere', switching to empty." in caplog.text


def test_login_and_password_are_the_keys_and_the_extra_gives_region_and_endpoint(
    aws: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_connection(monkeypatch, "aws_data", login="AKIAEXAMPLE", password="secret-key",
                   extra={"region_name": "eu-west-1", "endpoint_url": aws})
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # only the connection's endpoint leads to moto now
    hook = AwsBaseHook(aws_conn_id="aws_data", client_type="sqs")

    credentials = hook.get_credentials()
    assert (credentials.access_key, credentials.secret_key) == ("AKIAEXAMPLE", "secret-key")
    assert hook.region_name == "eu-west-1" and hook.conn_region_name == "eu-west-1"
    assert hook.get_conn().meta.endpoint_url == aws
    assert hook.get_conn().list_queues().get("QueueUrls", []) == []


def test_an_explicit_region_wins_over_the_connections(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "aws_data", extra={"region_name": "eu-west-1"})

    assert AwsBaseHook(aws_conn_id="aws_data", region_name="ap-south-1", client_type="s3").conn_region_name == \
        "ap-south-1"


def test_role_arn_in_the_extra_assumes_the_role(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    role = "arn:aws:iam::123456789012:role/etl-reader"
    set_connection(monkeypatch, "aws_etl", extra={"role_arn": role,
                                                  "assume_role_kwargs": {"RoleSessionName": "nightly"}})
    hook = AwsBaseHook(aws_conn_id="aws_etl", client_type="sts")

    identity = hook.get_conn().get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/etl-reader/nightly"
    assert hook.get_credentials().access_key != "testing"


def test_service_config_gives_one_service_its_own_endpoint(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "aws_mixed", extra={"service_config": {"s3": {"endpoint_url": "http://s3.local:9000"}}})

    assert AwsBaseHook(aws_conn_id="aws_mixed", client_type="s3").get_conn().meta.endpoint_url == \
        "http://s3.local:9000"
    assert AwsBaseHook(aws_conn_id="aws_mixed", client_type="sqs").get_conn().meta.endpoint_url == aws


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({}, "Either client_type=None or resource_type=None must be provided, not both.", id="neither"),
        pytest.param({"client_type": "s3", "resource_type": "s3"},
                     "Either client_type='s3' or resource_type='s3' must be provided, not both.", id="both"),
    ],
)
def test_a_hook_needs_exactly_one_of_client_type_and_resource_type(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        AwsBaseHook(aws_conn_id=None, **kwargs).get_conn()
    assert str(err.value) == message


def test_a_resource_type_gives_a_boto3_resource(aws: str) -> None:
    resource = AwsBaseHook(aws_conn_id=None, resource_type="s3").get_conn()
    resource.create_bucket(Bucket="made-by-resource")
    assert [b.name for b in resource.buckets.all()] == ["made-by-resource"]


# ------------------------------------------------------------------ S3 URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("s3://bucket/path/to/key.csv", ("bucket", "path/to/key.csv"), id="s3"),
        pytest.param("S3A://bucket/key", ("bucket", "key"), id="s3a-any-case"),
        pytest.param("s3n://bucket/", ("bucket", ""), id="s3n-no-key"),
        pytest.param("https://bucket.s3.eu-west-1.amazonaws.com/a/b", ("bucket", "a/b"), id="virtual-hosted"),
        pytest.param("https://s3.eu-west-1.amazonaws.com/bucket/a/b", ("bucket", "a/b"), id="path-style"),
    ],
)
def test_s3_urls_parse_as_in_airflow(url: str, expected: tuple[str, str]) -> None:
    assert S3Hook.parse_s3_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("path/key", 'Please provide a bucket name using a valid format of the form: '
                     'S3://bucket-name/key-name or https://bucket-name.s3.region-code.amazonaws.com/key-name '
                     'but provided: "path/key"', id="relative"),
        pytest.param("s3:///key", 'Please provide a bucket name using a valid format of the form: '
                     'S3://bucket-name/key-name or https://bucket-name.s3.region-code.amazonaws.com/key-name '
                     'but provided: "s3:///key"', id="no-bucket"),
    ],
)
def test_what_is_not_an_s3_url_is_refused_with_the_expected_form(url: str, message: str) -> None:
    with pytest.raises(S3HookUriParseFailure) as err:
        S3Hook.parse_s3_url(url)
    assert str(err.value) == message


def test_a_bucket_and_a_full_url_together_are_refused() -> None:
    assert S3Hook.get_s3_bucket_key(None, "s3://b/k", "bucket", "key") == ("b", "k")
    assert S3Hook.get_s3_bucket_key("b", "k", "bucket", "key") == ("b", "k")
    with pytest.raises(TypeError) as err:
        S3Hook.get_s3_bucket_key("b", "s3://b/k", "dest_bucket", "dest_key")
    assert str(err.value) == ("If `dest_bucket` is provided, dest_key should be a relative path from root level, "
                              "rather than a full s3:// url")


# ------------------------------------------------------------------ S3 objects


def test_load_read_and_check_a_key_by_bucket_or_by_url(bucket: str) -> None:
    hook = S3Hook(aws_conn_id=None)
    hook.load_string("a,b\n1,2\n", "raw/2024-01-01/orders.csv", bucket)
    hook.load_bytes(b"\x00\x01", key=f"s3://{bucket}/raw/2024-01-01/blob.bin")

    assert hook.read_key("raw/2024-01-01/orders.csv", bucket) == "a,b\n1,2\n"
    assert hook.check_for_key(f"s3://{bucket}/raw/2024-01-01/blob.bin")
    assert not hook.check_for_key("raw/missing.csv", bucket)
    assert hook.head_object("raw/missing.csv", bucket) is None


def test_loading_over_an_existing_key_needs_replace(bucket: str) -> None:
    hook = S3Hook(aws_conn_id=None)
    hook.load_string("one", "k", bucket)
    with pytest.raises(ValueError) as err:
        hook.load_string("two", "k", bucket)
    assert str(err.value) == "The key k already exists."
    hook.load_string("two", "k", bucket, replace=True)
    assert hook.read_key("k", bucket) == "two"


def test_list_keys_by_prefix_and_delimiter(bucket: str) -> None:
    hook = S3Hook(aws_conn_id=None)
    for key in ("raw/a.csv", "raw/b.csv", "raw/sub/c.csv", "other/d.csv"):
        hook.load_string("x", key, bucket)

    assert hook.list_keys(bucket, prefix="raw/") == ["raw/a.csv", "raw/b.csv", "raw/sub/c.csv"]
    assert hook.list_keys(bucket, prefix="raw/", delimiter="/") == ["raw/a.csv", "raw/b.csv"]
    assert hook.list_prefixes(bucket, prefix="raw/", delimiter="/") == ["raw/sub/"]
    assert hook.list_keys(bucket, prefix="raw/*.csv", apply_wildcard=True) == [
        "raw/a.csv", "raw/b.csv", "raw/sub/c.csv"]
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert hook.list_keys(bucket, prefix="raw/", from_datetime=future) == []


def test_wildcard_keys_match_as_fnmatch(bucket: str) -> None:
    hook = S3Hook(aws_conn_id=None)
    hook.load_string("x", "exports/2024-01-01/part-0001.parquet", bucket)

    assert hook.check_for_wildcard_key("exports/2024-01-01/part-*.parquet", bucket)
    assert hook.check_for_wildcard_key(f"s3://{bucket}/exports/*/part-[0-9]*")
    assert not hook.check_for_wildcard_key("exports/2024-01-02/*", bucket)
    assert hook.get_wildcard_key("exports/*.parquet", bucket).key == "exports/2024-01-01/part-0001.parquet"
    assert hook.get_wildcard_key("exports/*.csv", bucket) is None


def test_copy_object_between_urls_and_delete_objects(bucket: str) -> None:
    hook = S3Hook(aws_conn_id=None)
    hook.create_bucket("archive")
    hook.load_string("payload", "in/file.txt", bucket)

    hook.copy_object(f"s3://{bucket}/in/file.txt", "s3://archive/2024/file.txt")
    hook.copy_object("in/file.txt", "in/copy.txt", source_bucket_name=bucket, dest_bucket_name=bucket)
    assert hook.read_key("s3://archive/2024/file.txt") == "payload"

    hook.delete_objects(bucket, ["in/file.txt", "in/copy.txt"])
    hook.delete_objects("archive", "2024/file.txt")
    assert hook.list_keys(bucket) == [] and hook.list_keys("archive") == []


def test_a_bucket_can_come_from_the_connections_service_config(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "aws_lake", extra={"service_config": {"s3": {"bucket_name": "lake"}}})
    hook = S3Hook(aws_conn_id="aws_lake")
    hook.create_bucket("lake")
    hook.load_string("x", "table/part-0")

    assert hook.list_keys(prefix="table/") == ["table/part-0"]


# ------------------------------------------------------------------ the other hooks' helpers


def test_sns_message_attributes_get_their_type_from_the_value() -> None:
    kwargs = publish_kwargs("arn:aws:sns:us-east-1:123456789012:t", "hello", "subj",
                            {"team": "data", "rows": 12, "ratio": 0.5, "tags": ["a", "b"], "raw": b"\x01"})

    assert kwargs["Message"] == json.dumps({"default": "hello"}) and kwargs["MessageStructure"] == "json"
    assert kwargs["MessageAttributes"] == {
        "team": {"DataType": "String", "StringValue": "data"},
        "rows": {"DataType": "Number", "StringValue": "12"},
        "ratio": {"DataType": "Number", "StringValue": "0.5"},
        "tags": {"DataType": "String.Array", "StringValue": '["a", "b"]'},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x01"},
    }
    assert "MessageGroupId" not in kwargs


def test_lambda_log_result_decodes_to_its_lines() -> None:
    tail = base64.b64encode(b"START RequestId: 1\n\nhello\nEND RequestId: 1\n").decode()

    assert LambdaHook.encode_log_result(tail) == ["START RequestId: 1", "", "hello", "END RequestId: 1"]
    assert LambdaHook.encode_log_result(tail, keep_empty_lines=False) == [
        "START RequestId: 1", "hello", "END RequestId: 1"]


@pytest.mark.parametrize(
    ("connection", "url"),
    [
        pytest.param({"password": "T000/B000/XXX"}, "https://hooks.slack.com/services/T000/B000/XXX", id="token"),
        pytest.param({"password": "https://hooks.slack.com/services/T1/B1/Y"},
                     "https://hooks.slack.com/services/T1/B1/Y", id="whole-url"),
        pytest.param({"host": "127.0.0.1:8080/hooks", "schema": "http", "password": "/T/B/Z"},
                     "http://127.0.0.1:8080/hooks/T/B/Z", id="own-host"),
    ],
)
def test_slack_webhook_url_is_built_from_the_connection_as_in_airflow(
    monkeypatch: pytest.MonkeyPatch, connection: dict[str, str], url: str,
) -> None:
    monkeypatch.setenv("UPDRAFT_CONN_SLACK_ALERTS", json.dumps({"conn_type": "slackwebhook", **connection}))

    assert SlackWebhookHook(slack_webhook_conn_id="slack_alerts").get_conn()["url"] == url


def test_a_slack_connection_without_a_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDRAFT_CONN_SLACK_EMPTY", json.dumps({"conn_type": "slackwebhook", "host": "x"}))
    with pytest.raises(AirflowException) as err:
        SlackWebhookHook(slack_webhook_conn_id="slack_empty").get_conn()
    assert str(err.value) == "Connection ID 'slack_empty' does not contain password (Slack Webhook Token)."


def test_mime_message_has_every_recipient_but_shows_no_bcc(tmp_path: Any) -> None:
    report = tmp_path / "report.csv"
    report.write_text("a,b\n")
    message, recipients = build_mime_message(
        "etl@example.com", "a@example.com; b@example.com", "Report", "<b>done</b>", files=[str(report)],
        cc=["c@example.com"], bcc="d@example.com", custom_headers={"X-Run": "manual__1"},
    )

    assert recipients == ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert (message["To"], message["CC"], message["Bcc"]) == ("a@example.com, b@example.com", "c@example.com", None)
    assert message["X-Run"] == "manual__1"
    parts = message.get_payload()
    assert parts[0].get_content_type() == "text/html"
    assert parts[1].get_filename() == "report.csv"

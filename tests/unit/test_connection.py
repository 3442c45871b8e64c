"""Connections in Airflow's URI and JSON forms: the cases of Airflow's own tests and docs."""

from __future__ import annotations

import json
import re

import pytest

from updraft import Connection
from updraft.exceptions import AirflowException


@pytest.mark.parametrize(
    "uri, conn_type, host, login, password, port, schema, extra",
    [
        pytest.param("type://user:pass@host:100/schema", "type", "host", "user", "pass", 100, "schema", {},
                     id="all-fields"),
        pytest.param("type://user:pass@host/schema", "type", "host", "user", "pass", None, "schema", {},
                     id="no-port"),
        pytest.param("type://user:pass@host/schema?param1=val1&param2=val2", "type", "host", "user", "pass", None,
                     "schema", {"param1": "val1", "param2": "val2"}, id="query-extra"),
        pytest.param("type://host", "type", "host", None, None, None, "", {}, id="host-only"),
        pytest.param("spark://mysparkcluster.com:80?deploy-mode=cluster&spark_binary=command&namespace=kube+namespace",
                     "spark", "mysparkcluster.com", None, None, 80, "",
                     {"deploy-mode": "cluster", "spark_binary": "command", "namespace": "kube namespace"},
                     id="plus-is-space"),
        pytest.param("spark://k8s://100.68.0.1:443?deploy-mode=cluster", "spark", "k8s://100.68.0.1", None, None, 443,
                     "", {"deploy-mode": "cluster"}, id="protocol-in-host"),
        pytest.param("type://protocol://user:pass@host:123?param=value", "type", "protocol://host", "user", "pass",
                     123, "", {"param": "value"}, id="protocol-and-credentials"),
        pytest.param("postgres://user%40domain:pass%21word@host:5432/db", "postgres", "host", "user@domain",
                     "pass!word", 5432, "db", {}, id="quoted-credentials"),
        pytest.param("postgresql://user:pass@host:5432/db", "postgres", "host", "user", "pass", 5432, "db", {},
                     id="postgresql-is-postgres"),
        pytest.param("google-cloud-platform://user:pass@host/db", "google_cloud_platform", "host", "user", "pass",
                     None, "db", {}, id="dashes-become-underscores"),
        pytest.param("scheme://user:password@host%2Flocation:1234/schema", "scheme", "host/location", "user",
                     "password", 1234, "schema", {}, id="quoted-slash-in-host"),
        pytest.param("scheme://user:password@host%2Flocation%3Ax%3Ay:1234/schema?extra1=a%20value&extra2=",
                     "scheme", "host/location:x:y", "user", "password", 1234, "schema",
                     {"extra1": "a value", "extra2": ""}, id="quoted-colons-and-blank-extra"),
        pytest.param("scheme://user:password@host:1234/schema?__extra__=%7B%22my_val%22%3A+%5B%22list%22%2C+%22of%22"
                     "%2C+%22values%22%5D%2C+%22extra%22%3A+%7B%22nested%22%3A+%7B%22json%22%3A+%22val%22%7D%7D%7D",
                     "scheme", "host", "user", "password", 1234, "schema",
                     {"my_val": ["list", "of", "values"], "extra": {"nested": {"json": "val"}}}, id="__extra__-json"),
        pytest.param("redis://", "redis", "", None, None, None, "", {}, id="minimal"),
    ],
)
def test_from_uri(uri: str, conn_type: str, host: str, login: str | None, password: str | None,
                  port: int | None, schema: str, extra: dict) -> None:
    conn = Connection(uri=uri)
    assert (conn.conn_type, conn.host, conn.login, conn.password, conn.port, conn.schema, conn.extra_dejson) == (
        conn_type, host, login, password, port, schema, extra,
    )


@pytest.mark.parametrize(
    "connection, uri",
    [
        pytest.param(
            Connection(conn_type="type", login="user", password="pass", host="host", port=100, schema="schema",
                       extra={"param1": "val1", "param2": "val2"}),
            "type://user:pass@host:100/schema?param1=val1&param2=val2", id="flat-extra-as-query",
        ),
        pytest.param(
            Connection(conn_type="type", host="protocol://host", port=100, schema="schema",
                       extra={"param1": "val1", "param2": "val2"}),
            "type://protocol://host:100/schema?param1=val1&param2=val2", id="protocol-in-host",
        ),
        pytest.param(
            Connection(conn_type="type", login="user", password="pass", host="protocol://host", port=100,
                       schema="schema", extra={"param1": "val1", "param2": "val2"}),
            "type://protocol://user:pass@host:100/schema?param1=val1&param2=val2", id="protocol-and-credentials",
        ),
        pytest.param(
            Connection(conn_id="some_conn", conn_type="mysql", description="connection description",
                       host="myhost.com", login="myname", password="mypassword",
                       extra={"this_param": "some val", "that_param": "other val*"}),
            "mysql://myname:mypassword@myhost.com/?this_param=some+val&that_param=other+val%2A", id="docs-example",
        ),
        pytest.param(
            Connection(conn_id="test_conn", conn_type="mysql", host="localhost", login="user", password="password",
                       schema="test_schema", port=3306),
            "mysql://user:password@localhost:3306/test_schema", id="no-extra",
        ),
        pytest.param(
            Connection(conn_type="my_conn_type", login="u", port=1),
            "my-conn-type://u@:1", id="underscore-type-and-no-host",
        ),
        pytest.param(
            Connection(conn_type="fancy", extra={"nested": {"a": 1}}),
            "fancy:///?__extra__=%7B%22nested%22%3A+%7B%22a%22%3A+1%7D%7D", id="nested-extra-as-__extra__",
        ),
    ],
)
def test_get_uri(connection: Connection, uri: str) -> None:
    assert connection.get_uri() == uri


@pytest.mark.parametrize(
    "connection",
    [
        pytest.param(Connection(conn_id="t", conn_type="http", host="http://host"), id="same-protocol-as-type"),
        pytest.param(Connection(conn_id="t", conn_type="spark", host="k8s://100.68.0.1:443"), id="other-protocol"),
        pytest.param(
            Connection(conn_id="t", conn_type="postgres", host="db.example.com", login="user@domain",
                       password="p@ss:w/rd?#%&= +", schema="db/name", port=5432),
            id="special-characters",
        ),
        pytest.param(
            Connection(conn_id="t", conn_type="aws", login="AKIA", password="secret/key+with=signs",
                       extra={"region_name": "eu-west-1", "role_arn": "arn:aws:iam::1:role/x"}),
            id="flat-extra",
        ),
        pytest.param(
            Connection(conn_id="t", conn_type="google_cloud_platform",
                       extra={"keyfile_dict": {"private_key": "-----BEGIN KEY-----\nabc\n"}, "scopes": ["a", "b"]}),
            id="nested-extra",
        ),
        pytest.param(Connection(conn_id="t", conn_type="fs", host="/tmp/z.sock"), id="socket-path-host"),
    ],
)
def test_uri_round_trip(connection: Connection) -> None:
    recovered = Connection.from_uri(connection.get_uri(), conn_id="t")
    # A URI cannot tell an empty schema from none: Airflow reads it back as "".
    assert _blank_is_none(recovered.to_dict()) == _blank_is_none(connection.to_dict())


def _blank_is_none(fields: dict) -> dict:
    return {key: None if value == "" else value for key, value in fields.items()}


@pytest.mark.parametrize(
    "uri, message",
    [
        pytest.param("type://user:pass@protocol://host:port?param=value",
                     "Invalid connection string: type://user:pass@protocol://host:port?param=value.", id="credentials-before-protocol"),
        pytest.param("http://https://ftp://example.com", "Invalid connection string: http://https://ftp://example.com.",
                     id="three-schemes"),
    ],
)
def test_invalid_uri(uri: str, message: str) -> None:
    with pytest.raises(AirflowException, match=re.escape(message)):
        Connection.from_uri(uri, conn_id="t")


def test_uri_and_fields_do_not_mix() -> None:
    with pytest.raises(AirflowException, match="You can't mix these two ways to create this object."):
        Connection(conn_id="t", uri="type://host", host="other")


def test_json_form_is_airflows() -> None:
    conn = Connection(conn_id="test_conn", conn_type="http", login="user", password="pass",
                      host="https://api.example.com/", port=443, schema="https",
                      extra='{"timeout": 30, "verify": false}')

    assert conn.to_dict() == {
        "conn_id": "test_conn", "conn_type": "http", "description": None, "host": "https://api.example.com/",
        "login": "user", "password": "pass", "schema": "https", "port": 443,
        "extra": {"timeout": 30, "verify": False},
    }
    assert json.loads(conn.as_json()) == {
        "conn_type": "http", "host": "https://api.example.com/", "login": "user", "password": "pass",
        "schema": "https", "port": 443, "extra": {"timeout": 30, "verify": False},
    }
    assert Connection.from_json(conn.as_json(), conn_id="test_conn") == conn


@pytest.mark.parametrize(
    "payload, port",
    [({"port": 0}, 0), ({"port": "0"}, 0), ({"port": 65535}, 65535), ({"port": ""}, None), ({}, None)],
)
def test_from_json_port(payload: dict, port: int | None) -> None:
    assert Connection.from_json(json.dumps(payload), conn_id="t").port == port


@pytest.mark.parametrize("payload", [{"port": -1}, {"port": 65536}, {"port": 1.5}, {"port": "1.5"}])
def test_from_json_rejects_invalid_port(payload: dict) -> None:
    with pytest.raises(ValueError, match="port"):
        Connection.from_json(json.dumps(payload), conn_id="t")


def test_from_json_normalizes_type_and_takes_extra_as_text() -> None:
    conn = Connection.from_json('{"conn_type": "postgresql", "host": "localhost", "port": "5432", '
                                '"extra": "{\\"sslmode\\": \\"require\\"}"}', conn_id="db")
    assert (conn.conn_type, conn.port, conn.extra_dejson) == ("postgres", 5432, {"sslmode": "require"})


def test_parse_reads_json_or_uri() -> None:
    assert Connection.parse(' {"conn_type": "http", "host": "a"}', "c").host == "a"
    assert Connection.parse("http://b", "c").host == "b"


def test_extra_that_is_not_json_gives_an_empty_dict() -> None:
    assert Connection(conn_id="t", conn_type="x", extra="not json").extra_dejson == {}

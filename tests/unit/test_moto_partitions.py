"""moto's reads made to cost what they return (updraft.local.moto_partitions): the answers
are the ones moto gave before, request for request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

TABLE = "partitions"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "lsi1sk", "tpk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            LocalSecondaryIndexes=[{
                "IndexName": "by_date", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsi1sk", "KeyType": "RANGE"}],
            }],
            GlobalSecondaryIndexes=[{
                "IndexName": "timers", "KeySchema": [{"AttributeName": "tpk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["state"]},
            }],
        )
        for n in range(30):
            ddb.put_item(TableName=TABLE, Item={
                "pk": {"S": f"RUN#{n % 3}"}, "sk": {"S": f"run_{n:02d}"}, "lsi1sk": {"S": f"2024-{n % 12 + 1:02d}#{n}"},
                "state": {"S": "success" if n % 4 else "failed"}, "tags": {"L": [{"S": "a"}, {"S": f"t{n}"}]},
                "conf": {"M": {"x": {"N": str(n)}, "nested": {"M": {"y": {"S": "z"}}}}},
                "labels": {"SS": ["b", "a", f"c{n}"]}, **({"tpk": {"S": "TIMER#0"}} if n % 5 == 0 else {}),
                **({"blob": {"B": b"\x00zlib" + bytes([n])}} if n % 7 == 0 else {}),  # binary values too
            })
        yield ddb


READS: list[tuple[str, dict[str, Any]]] = [
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "RUN#1"}}}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "RUN#1"}},
               "Limit": 4, "ScanIndexForward": False, "ProjectionExpression": "sk, #s, labels",
               "ExpressionAttributeNames": {"#s": "state"}}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "RUN#2"}},
               "ProjectionExpression": "sk, conf.nested, tags[1]"}),
    ("query", {"IndexName": "by_date", "KeyConditionExpression": "pk = :p AND lsi1sk < :s",
               "ExpressionAttributeValues": {":p": {"S": "RUN#0"}, ":s": {"S": "2024-07"}},
               "ScanIndexForward": False, "Limit": 3}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "RUN#0"}},
               "Select": "COUNT", "FilterExpression": "#s = :f",
               "ExpressionAttributeNames": {"#s": "state"},
               "ExpressionAttributeValues": {":p": {"S": "RUN#0"}, ":f": {"S": "failed"}}}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "NONE"}}}),
    ("query", {"IndexName": "timers", "KeyConditionExpression": "tpk = :p",
               "ExpressionAttributeValues": {":p": {"S": "TIMER#0"}}}),
    ("get_item", {"Key": {"pk": {"S": "RUN#1"}, "sk": {"S": "run_04"}}, "ProjectionExpression": "conf, labels"}),
    ("get_item", {"Key": {"pk": {"S": "RUN#1"}, "sk": {"S": "nothing"}}}),
    ("scan", {"Limit": 7}),
]


def _answers(client: Any) -> list[Any]:
    out = []
    for operation, params in READS:
        answer = getattr(client, operation)(TableName=TABLE, **params)
        answer.pop("ResponseMetadata")
        out.append(answer)
    keys = [{"pk": {"S": f"RUN#{n % 3}"}, "sk": {"S": f"run_{n:02d}"}} for n in range(0, 30, 4)]
    batch = client.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ProjectionExpression": "sk, tags"}})
    out.append(sorted(batch["Responses"][TABLE], key=lambda i: i["sk"]["S"]))
    return out


def _unordered_sets(value: Any) -> Any:
    """A set's members in one order: DynamoDB's sets have none (moto's own answer reorders them)."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS") else _unordered_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unordered_sets(v) for v in value]
    return value


def test_reads_answer_as_before_once_installed(client: Any) -> None:
    from updraft.local import moto_partitions

    before = _answers(client)
    assert moto_partitions.install()
    after = _answers(client)

    assert _unordered_sets(after) == _unordered_sets(before)
    assert after[1]["Count"] == 4 and set(after[1]["Items"][0]) == {"sk", "state", "labels"}
    assert after[3]["LastEvaluatedKey"]  # a page of the local index


def test_install_is_idempotent() -> None:
    from updraft.local import moto_partitions

    assert moto_partitions.install() and moto_partitions.install()

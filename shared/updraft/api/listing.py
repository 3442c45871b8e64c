"""Airflow's `limit`/`offset` pages over DynamoDB queries, which page by key.

An offset is served by reading the items it skips (DynamoDB has no offset), so a listing
costs reads in proportion to `offset + limit`. `total_entries` comes free when the query
ran out within the page; otherwise it is counted with `Select=COUNT`, which reads the
partition but sends back only the number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

Fetch = Callable[..., tuple[list[T], dict[str, Any] | None]]


def first_items(fetch: Fetch[T], count: int) -> tuple[list[T], bool]:
    """Up to `count` items of a paged query `fetch(limit=, start_key=)`, and whether more may follow."""
    items: list[T] = []
    start: dict[str, Any] | None = None
    while len(items) < count:
        page, start = fetch(limit=count - len(items), start_key=start)
        items.extend(page)
        if not start:
            return items, False
    return items, True


def count_partition(table: Any, pk: str) -> int:
    """How many items share the partition key `pk` in the stack's table."""
    total = 0
    kwargs: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "Select": "COUNT",
    }
    while True:
        resp = table.client.query(**kwargs)
        total += int(resp.get("Count", 0))
        if not resp.get("LastEvaluatedKey"):
            return total
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def page(items: list[T], offset: int, limit: int) -> list[T]:
    return items[offset : offset + limit]

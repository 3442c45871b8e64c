"""A DynamoDB table through the low-level client: conditional writes, queries, transactions.

The client is passed in (the handler makes it once per container); ConditionalCheckFailed
becomes `ConditionFailed`, carrying the item as it was when AWS returns it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from updraft.store.codec import from_item, marshal, to_item
from updraft.store.errors import ConditionFailed, StoreError


@dataclass
class Update:
    """An update expression built from plain values: SET, REMOVE, ADD (numbers, string sets)."""

    set: Mapping[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] | list[str] = ()
    add: Mapping[str, Any] = field(default_factory=dict)
    set_if_absent: Mapping[str, Any] = field(default_factory=dict)
    increment: Mapping[str, int] = field(default_factory=dict)  # SET n = (n or 0) + step

    def render(self, names: dict[str, str], values: dict[str, Any]) -> str:
        parts = []
        sets = [f"{_name(k, names)} = {_value(v, values)}" for k, v in self.set.items()]
        for k, step in self.increment.items():
            name = _name(k, names)
            sets.append(f"{name} = if_not_exists({name}, {_value(0, values)}) + {_value(step, values)}")
        sets += [
            f"{_name(k, names)} = if_not_exists({_name(k, names)}, {_value(v, values)})"
            for k, v in self.set_if_absent.items()
        ]
        if sets:
            parts.append("SET " + ", ".join(sets))
        if self.remove:
            parts.append("REMOVE " + ", ".join(_name(k, names) for k in self.remove))
        if self.add:
            parts.append(
                "ADD " + ", ".join(f"{_name(k, names)} {_value(v, values)}" for k, v in self.add.items())
            )
        return " ".join(parts)


@dataclass
class Condition:
    """A condition expression with its own placeholders, e.g. Condition("#s = :s", {"#s": "state"}, {":s": "queued"})."""

    expression: str
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


def _name(attr: str, names: dict[str, str]) -> str:
    placeholder = f"#n{len(names)}"
    names[placeholder] = attr
    return placeholder


def _value(value: Any, values: dict[str, Any]) -> str:
    placeholder = f":v{len(values)}"
    values[placeholder] = marshal(value)
    return placeholder


def _merge(names: dict[str, str], values: dict[str, Any], cond: Condition | None) -> str | None:
    if cond is None:
        return None
    names.update(cond.names)
    values.update({k: marshal(v) for k, v in cond.values.items()})
    return cond.expression


def _key(key: Mapping[str, str]) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}


class Table:
    """One DynamoDB table, named by the stack."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(self, key: Mapping[str, str], *, consistent: bool = False) -> dict[str, Any] | None:
        resp = self._call("get_item", TableName=self.name, Key=_key(key), ConsistentRead=consistent)
        item = resp.get("Item")
        return from_item(item) if item else None

    def batch_get(self, keys: list[Mapping[str, str]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self.name: {"Keys": [_key(k) for k in keys[start : start + 100]]}}
            while pending:
                resp = self._call("batch_get_item", RequestItems=pending)
                out.extend(from_item(i) for i in resp.get("Responses", {}).get(self.name, []))
                pending = resp.get("UnprocessedKeys") or {}
        return out

    def put(self, item: Mapping[str, Any], *, condition: Condition | None = None) -> None:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": to_item(dict(item))}
        expr = _merge(names, values, condition)
        if expr:
            kwargs["ConditionExpression"] = expr
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _placeholders(kwargs, names, values)
        self._call("put_item", **kwargs)

    def put_new(self, item: Mapping[str, Any]) -> None:
        """Create the item; ConditionFailed if one with its key exists already."""
        self.put(item, condition=Condition("attribute_not_exists(pk)"))

    def update(
        self,
        key: Mapping[str, str],
        update: Update,
        *,
        condition: Condition | None = None,
        returns: str = "NONE",
    ) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": _key(key),
            "UpdateExpression": update.render(names, values),
            "ReturnValues": returns,
        }
        expr = _merge(names, values, condition)
        if expr:
            kwargs["ConditionExpression"] = expr
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _placeholders(kwargs, names, values)
        resp = self._call("update_item", **kwargs)
        return from_item(resp.get("Attributes") or {})

    def delete(self, key: Mapping[str, str], *, condition: Condition | None = None) -> None:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"TableName": self.name, "Key": _key(key)}
        expr = _merge(names, values, condition)
        if expr:
            kwargs["ConditionExpression"] = expr
        _placeholders(kwargs, names, values)
        self._call("delete_item", **kwargs)

    def query(
        self,
        pk: str,
        *,
        index: str | None = None,
        pk_name: str = "pk",
        sk_name: str = "sk",
        sk_prefix: str | None = None,
        sk_before: str | None = None,
        sk_below: str | None = None,
        sk_above: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        start_key: dict[str, Any] | None = None,
        consistent: bool = False,
        filter: Condition | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a query; returns the items and the key to continue from (or None).
        A `filter` drops items after they are read (they are still paid for)."""
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": {"S": pk}}
        expr = "#pk = :pk"
        if sk_prefix is not None:
            names["#sk"] = sk_name
            values[":sk"] = {"S": sk_prefix}
            expr += " AND begins_with(#sk, :sk)"
        elif sk_before is not None:
            names["#sk"] = sk_name
            values[":sk"] = {"S": sk_before}
            expr += " AND #sk <= :sk"
        elif sk_below is not None:
            names["#sk"] = sk_name
            values[":sk"] = {"S": sk_below}
            expr += " AND #sk < :sk"
        elif sk_above is not None:
            names["#sk"] = sk_name
            values[":sk"] = {"S": sk_above}
            expr += " AND #sk > :sk"
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expr,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        elif consistent:
            kwargs["ConsistentRead"] = True
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        if filter is not None:
            kwargs["FilterExpression"] = filter.expression
            names.update(filter.names)
            values.update({k: marshal(v) for k, v in filter.values.items()})
        resp = self._call("query", **kwargs)
        return [from_item(i) for i in resp.get("Items", [])], resp.get("LastEvaluatedKey")

    def query_all(self, pk: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            items, start = self.query(pk, start_key=start, **kwargs)
            yield from items
            if not start:
                return

    def transact(self, ops: list[dict[str, Any]]) -> None:
        """Write items atomically; ops are `transact_update(...)` / `transact_put(...)` dicts."""
        try:
            self.client.transact_write_items(TransactItems=ops)
        except ClientError as err:
            if err.response["Error"]["Code"] == "TransactionCanceledException":
                reasons = err.response.get("CancellationReasons") or []
                failed = [n for n, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
                if failed:
                    item = reasons[failed[0]].get("Item")
                    raise ConditionFailed(str(err), from_item(item) if item else None, failed) from None
            raise StoreError(str(err)) from err

    def transact_update(
        self, key: Mapping[str, str], update: Update, condition: Condition | None = None
    ) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        op: dict[str, Any] = {
            "TableName": self.name,
            "Key": _key(key),
            "UpdateExpression": update.render(names, values),
        }
        expr = _merge(names, values, condition)
        if expr:
            op["ConditionExpression"] = expr
            op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _placeholders(op, names, values)
        return {"Update": op}

    def transact_delete(self, key: Mapping[str, str]) -> dict[str, Any]:
        return {"Delete": {"TableName": self.name, "Key": _key(key)}}

    def transact_put(self, item: Mapping[str, Any], condition: Condition | None = None) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        op: dict[str, Any] = {"TableName": self.name, "Item": to_item(dict(item))}
        expr = _merge(names, values, condition)
        if expr:
            op["ConditionExpression"] = expr
            op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _placeholders(op, names, values)
        return {"Put": op}

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as err:
            code = err.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                item = err.response.get("Item")
                raise ConditionFailed(str(err), from_item(item) if item else None) from None
            raise StoreError(f"DynamoDB {operation} on {self.name} failed: {err}") from err


def _placeholders(kwargs: dict[str, Any], names: dict[str, str], values: dict[str, Any]) -> None:
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if values:
        kwargs["ExpressionAttributeValues"] = values

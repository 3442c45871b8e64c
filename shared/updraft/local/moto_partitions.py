"""moto's DynamoDB reads, at a cost that grows with what they return, as DynamoDB's do.

Two things make a read on moto cost as much as everything stored, or far more than what it
returns, which makes the UI's pages (one query of the DAG list, one of a DAG's runs, one per
run of the grid) slower the more DAGs, runs and task instances exist:

- moto answers every Query by listing and sorting every item of the table, then keeping those
  of the partition asked for. A Query on the table, or on a local secondary index (which
  shares the table's partition key), now looks at the items of its partition only.
- moto projects an item (`ProjectionExpression`, an index's projection) by converting the
  whole item to Python values once per projected attribute, after deep-copying every item the
  query returns: projecting top-level attributes now copies just them from the item.
- moto writes a read's answer by walking each attribute value against the operation's
  output shape (about half a millisecond an item). The answers of Query, Scan, GetItem and
  BatchGetItem are already DynamoDB's JSON (`{"S": ...}` values): they are written with
  `json.dumps`, the same document.

What a request returns is unchanged (but for the order of a set's members: sets have none); queries on global indexes are left as they are, and so
is a moto without these internals. `install()` patches moto in this process (the local
stack's moto server runs in it)."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

_scope = threading.local()
# Reads whose answer is moto's result as it is (`Items`, `Item`, `Responses`, counts, keys).
_JSON_READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})


def install() -> bool:
    """Patch moto (once per process); False when this moto cannot be patched."""
    try:
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.responses import DynamoResult
    except ImportError:
        return False
    if getattr(Table, "_updraft_partitioned", False):
        return True
    if not all(hasattr(Table, name) for name in ("all_items", "query")) \
            or not hasattr(DynamoResult, "execute_result") or not hasattr(Item, "project"):
        return False
    _partition_queries(Table)
    _top_level_projections(Item)
    _copies_of_projected_only(Item)
    _json_answers(DynamoResult)
    Table._updraft_partitioned = True  # type: ignore[attr-defined]
    return True


def _partition_queries(table_class: Any) -> None:
    query, all_items = table_class.query, table_class.all_items

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        projection = kwargs.get("projection_expressions", args[5] if len(args) > 5 else None)
        _scope.partition = (self, _partition_of(self, hash_key, index_name, kwargs.get("hash_key_conditions")))
        # Top-level projections copy what they keep (`top_level_project`): the query's copy of
        # each whole item before projecting it is not needed.
        _scope.projected = bool(projection) and all(len(path) == 1 for path in projection)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _scope.partition = None
            _scope.projected = False

    def partition_items(self: Any) -> Any:
        scoped = getattr(_scope, "partition", None)
        if scoped is None or scoped[0] is not self or scoped[1] is None:
            return all_items(self)
        stored = self.items.get(scoped[1])
        if stored is None:
            return []
        return list(stored.values()) if self.range_key_attr else [stored]  # the query sorts them

    table_class.query = partition_query
    table_class.all_items = partition_items


def _partition_of(table: Any, hash_key: Any, index_name: str | None, conditions: Any) -> Any:
    """The partition key value a query names, if it reads the table or a local index."""
    if index_name is not None and index_name not in {i.name for i in table.indexes or []}:
        return None  # a global index: its own partitions
    for name, value in conditions or []:
        if name == table.hash_key_attr:
            return value
    return hash_key if index_name is None else None


def _top_level_projections(item_class: Any) -> None:
    project = item_class.project

    def top_level_project(self: Any, projection_expressions: list[list[str]]) -> Any:
        if any(len(path) != 1 for path in projection_expressions):
            return project(self, projection_expressions)  # a nested path: moto's own way
        projected = item_class(hash_key=self.hash_key, range_key=self.range_key, attrs={})
        for (name,) in projection_expressions:
            if name in self.attrs:
                projected.attrs[name] = copy.deepcopy(self.attrs[name])
        return projected

    item_class.project = top_level_project


def _copies_of_projected_only(item_class: Any) -> None:
    deepcopy = item_class.__deepcopy__

    def item_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        if getattr(_scope, "projected", False):
            return self  # projected next, into a copy of the attributes kept
        return deepcopy(self, memo)

    item_class.__deepcopy__ = item_deepcopy


def _json_answers(result_class: Any) -> None:
    execute = result_class.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if getattr(context.operation_model, "name", None) not in _JSON_READS or not isinstance(self.result, dict):
            return execute(self, context)
        try:
            body = json.dumps(self.result)
        except TypeError:  # a binary value (bytes) is written base64-encoded by moto's own writer
            return execute(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    result_class.execute_result = execute_result

"""Plain Python values to DynamoDB's attribute values and back.

Numbers come back as int or float (not Decimal), sets of strings stay sets."""

from __future__ import annotations

from typing import Any


def marshal(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, dict):
        return {"M": {str(k): marshal(v) for k, v in value.items()}}
    if isinstance(value, (set, frozenset)):
        return {"SS": sorted(str(v) for v in value)}
    if isinstance(value, (list, tuple)):
        return {"L": [marshal(v) for v in value]}
    if isinstance(value, bytes):
        return {"B": value}
    raise TypeError(f"Cannot store a value of type {type(value).__name__} in DynamoDB")


def unmarshal(attr: dict[str, Any]) -> Any:
    (kind, value), = attr.items()
    if kind == "S":
        return value
    if kind == "N":
        return float(value) if any(c in value for c in ".eE") else int(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: unmarshal(v) for k, v in value.items()}
    if kind == "L":
        return [unmarshal(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {unmarshal({"N": v}) for v in value}
    if kind == "B":
        return value
    raise TypeError(f"Unknown DynamoDB attribute type {kind}")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """A record as an item; None values are left out rather than stored as NULL."""
    return {k: marshal(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: unmarshal(v) for k, v in item.items()}

"""Checks made while a DAG is defined, with messages that name what is wrong and where."""

from __future__ import annotations

import re

KEY_MAX_LENGTH = 250
_KEY_RE = re.compile(r"^[\w.-]+$")


def validate_key(key: object, max_length: int = KEY_MAX_LENGTH) -> None:
    """Refuse a DAG or task id that Airflow would refuse (same rule, same words)."""
    if not isinstance(key, str):
        raise TypeError(f"The key has to be a string and is {type(key)}:{key}")
    if len(key) > max_length:
        raise ValueError(f"The key: {key} has to be less than {max_length} characters")
    if not _KEY_RE.match(key):
        raise ValueError(
            f"The key {key!r} has to be made of alphanumeric characters, dashes, "
            "dots and underscores exclusively"
        )


def validate_key_where(key: object, where: str) -> None:
    """`validate_key`, with where the key was defined added to the message."""
    try:
        validate_key(key)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{err} ({where})") from None

"""Keeping secrets out of task logs and rendered fields, as Airflow's secrets masker does.

A connection's password, and a variable whose key names something sensitive, are registered
when a task fetches them; from then on every log line of the try, and every rendered template
field, has them replaced by `***`. Values under a sensitive key (a connection extra's
`api_key`, a template field called `password`) are hidden whole.

Masks belong to one task run: the worker runs many task instances in one process (and the
local stack several at once, in threads), so each try starts with an empty masker of its own,
held per thread like the try's log capture (`masking_scope`)."""

from __future__ import annotations

import collections.abc
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

log = logging.getLogger(__name__)

# Airflow's DEFAULT_SENSITIVE_FIELDS: a key containing one of these (any case) is sensitive.
DEFAULT_SENSITIVE_FIELDS = frozenset({
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
})
# Airflow's `min_length_masked_secret`: shorter values would mask ordinary words and digits.
MIN_SECRET_LENGTH = 5
# Common words that are never masked, even when they are someone's password.
SECRETS_TO_SKIP_MASKING = frozenset({"airflow", "updraft"})
REPLACEMENT = "***"
MAX_RECURSION_DEPTH = 5


def should_hide_value_for_key(name: Any) -> bool:
    """Whether a value stored under this name (a variable key, an extra's key, a field) is secret."""
    if isinstance(name, str):
        lowered = name.strip().lower()
        return any(word in lowered for word in DEFAULT_SENSITIVE_FIELDS)
    return False


class SecretsMasker:
    """The secrets one task run has seen, and replacing them in text and structures."""

    def __init__(self) -> None:
        self.patterns: set[str] = set()
        self.replacer: re.Pattern[str] | None = None

    def add_mask(self, secret: Any, name: str | None = None) -> None:
        """Register a secret. With `name`, a string is registered only if the name is
        sensitive; a dict is walked with its own keys as names; other iterables item by item."""
        if isinstance(secret, dict):
            for key, value in secret.items():
                self.add_mask(value, key)
        elif isinstance(secret, str):
            if len(secret) < MIN_SECRET_LENGTH or secret.lower() in SECRETS_TO_SKIP_MASKING:
                return
            if name and not should_hide_value_for_key(name):
                return
            pattern = re.escape(secret)
            if pattern not in self.patterns:
                self.patterns.add(pattern)
                # Longest first, so that a secret containing another is replaced whole.
                self.replacer = re.compile("|".join(sorted(self.patterns, key=len, reverse=True)))
        elif isinstance(secret, collections.abc.Iterable):
            for value in secret:
                self.add_mask(value, name)

    def redact(self, item: Any, name: str | None = None, max_depth: int = MAX_RECURSION_DEPTH) -> Any:
        """`item` with every registered secret replaced, and everything under a sensitive name
        hidden; dicts, lists, tuples and sets are walked (sets come back as tuples)."""
        return self._redact(item, name, 0, max_depth)

    def redact_text(self, text: str) -> str:
        return self.replacer.sub(REPLACEMENT, text) if self.replacer else text

    def _redact(self, item: Any, name: str | None, depth: int, max_depth: int) -> Any:
        if depth > max_depth:
            return item
        try:
            if name and should_hide_value_for_key(name):
                return _redact_all(item, depth, max_depth)
            if isinstance(item, dict):
                return {key: self._redact(value, key, depth + 1, max_depth) for key, value in item.items()}
            if isinstance(item, Enum):
                return self._redact(item.value, name, depth, max_depth)
            if isinstance(item, str):
                return self.redact_text(item)
            if isinstance(item, (tuple, set)):
                return tuple(self._redact(value, None, depth + 1, max_depth) for value in item)
            if isinstance(item, list):
                return [self._redact(value, None, depth + 1, max_depth) for value in item]
            return item
        except Exception as err:  # noqa: BLE001 - never show what could not be redacted
            log.warning("Unable to redact a value of type %s: %s", type(item).__name__, err)
            return "<redaction-failed>"


def _redact_all(item: Any, depth: int, max_depth: int) -> Any:
    """Everything under a sensitive name: every string becomes `***`, structures are kept."""
    if depth > max_depth or isinstance(item, str):
        return REPLACEMENT
    if isinstance(item, dict):
        return {key: _redact_all(value, depth + 1, max_depth) for key, value in item.items()}
    if isinstance(item, (tuple, set)):
        return tuple(_redact_all(value, depth + 1, max_depth) for value in item)
    if isinstance(item, list):
        return [_redact_all(value, depth + 1, max_depth) for value in item]
    return item


_local = threading.local()


def current_masker() -> SecretsMasker | None:
    """This thread's task run's masker, or None outside a task run."""
    return getattr(_local, "masker", None)


@contextmanager
def masking_scope(masker: SecretsMasker | None = None) -> Iterator[SecretsMasker]:
    """Within the block, secrets fetched in this thread are registered with a masker of the
    block's own (a fresh one unless given)."""
    masker = masker or SecretsMasker()
    previous = getattr(_local, "masker", None)
    _local.masker = masker
    try:
        yield masker
    finally:
        _local.masker = previous


def mask_secret(secret: Any, name: str | None = None) -> None:
    """Airflow's `mask_secret`: hide `secret` from this task run's log from now on (outside a
    task run there is no task log, and nothing to do)."""
    masker = current_masker()
    if masker is not None and secret:
        masker.add_mask(secret, name)


def redact(value: Any, name: str | None = None) -> Any:
    """Airflow's `redact`, with this thread's task run's secrets (by name only outside one)."""
    return (current_masker() or SecretsMasker()).redact(value, name)


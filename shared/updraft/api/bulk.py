"""Airflow's bulk requests (`PATCH /variables`, `PATCH /connections`): a list of create, update
and delete actions, each answered with the keys it did and the errors it met, as Airflow's
BulkService does. An action whose entities break its rule (`fail` on existing or missing
keys) does none of them and reports one error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from updraft.api.errors import Conflict, HTTPError, NotFound


@dataclass
class Handlers:
    """What a bulk request does to one kind of thing, by key."""

    existing: Callable[[], set[str]]
    key_of: Callable[[Any], str]
    create: Callable[[Any], None]  # create or overwrite
    update: Callable[[Any, list[str] | None], None]
    delete: Callable[[str], None]
    label: str  # "variables", "connections"


def handle(body: Any, handlers: Handlers) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for action in body.actions:
        outcome = results.setdefault(action.action, {"success": [], "errors": []})
        try:
            _ACTIONS[action.action](action, handlers, outcome)
        except HTTPError as err:
            outcome["errors"].append({"error": str(err.detail), "status_code": err.status_code})
    return results


def _create(action: Any, h: Handlers, outcome: dict[str, Any]) -> None:
    wanted = {h.key_of(e) for e in action.entities}
    present = h.existing() & wanted
    if action.action_on_existence == "fail" and present:
        raise Conflict(f"The {h.label} with these keys: {sorted(present)} already exist.")
    for entity in action.entities:
        key = h.key_of(entity)
        if action.action_on_existence == "skip" and key in present:
            continue
        h.create(entity)
        outcome["success"].append(key)


def _update(action: Any, h: Handlers, outcome: dict[str, Any]) -> None:
    wanted = {h.key_of(e) for e in action.entities}
    missing = wanted - h.existing()
    if action.action_on_non_existence == "fail" and missing:
        raise NotFound(f"The {h.label} with these keys: {sorted(missing)} were not found.")
    for entity in action.entities:
        key = h.key_of(entity)
        if key in missing:
            continue
        h.update(entity, action.update_mask)
        outcome["success"].append(key)


def _delete(action: Any, h: Handlers, outcome: dict[str, Any]) -> None:
    wanted = set(action.entities)
    missing = wanted - h.existing()
    if action.action_on_non_existence == "fail" and missing:
        raise NotFound(f"The {h.label} with these keys: {sorted(missing)} were not found.")
    for key in action.entities:
        if key in missing:
            continue
        h.delete(key)
        outcome["success"].append(key)


_ACTIONS = {"create": _create, "update": _update, "delete": _delete}


@contextmanager
def secret_store_errors(missing: Callable[[str], HTTPError], not_found: str | None = None) -> Iterator[None]:
    """Parameter Store's refusals as 400s; a key that cannot exist (`not_found`) as `missing`'s
    404. The function's own role being denied is not the caller's fault: it stays a 500."""
    from updraft.api.errors import BadRequest
    from updraft.store.secrets import KEY_PATTERN, SecretAccessDenied, SecretStoreError

    try:
        yield
    except SecretAccessDenied:
        raise
    except SecretStoreError as err:
        if not_found is not None and not KEY_PATTERN.fullmatch(not_found):
            raise missing(not_found) from None
        raise BadRequest(str(err)) from None


def secret_handlers(
    store: Any, kind: str, key_of: Callable[[Any], str], create: Callable[[Any], None],
    update: Callable[[Any, list[str] | None], None], errors: Callable[..., Any],
) -> Handlers:
    """A bulk request's handlers for variables or connections (`kind`) in Parameter Store;
    `errors` is the route's `store_errors`."""

    def existing() -> set[str]:
        with errors():
            return set(store.list(kind))

    def delete(key: str) -> None:
        with errors(not_found=key):
            store.delete(kind, key)

    return Handlers(existing, key_of, create, update, delete, kind)

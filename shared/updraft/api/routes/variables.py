"""Variables: GET, POST and PATCH (bulk) /variables, GET, PATCH and DELETE /variables/{key}.

They live in the stack's Parameter Store (`updraft.store.secrets`), never in the table. A
value is shown as `***` when the key names a secret (`password`, `token`, `api_key`, …), and
a JSON object's values under such keys are `***`: the API never returns them in clear. A
value that is not text is stored as its JSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import requires
from updraft.api.errors import BadRequest, Conflict, NotFound, disallowed_order
from updraft.api.lazy import lazy_module
from updraft.api.listing import page
from updraft.api.request import path_value, services
from updraft.api.serializers import variable_json

bodies = lazy_module("updraft.api.bodies")
openapi = lazy_module("aws_lambda_powertools.event_handler.openapi.params")

router = Router()

DEFAULT_LIMIT, MAXIMUM_LIMIT = 50, 100
ORDERABLE = {"key", "id", "description", "_val", "is_encrypted"}
IMMUTABLE = {"key"}


@router.get("/variables")
@requires("variable")
def get_variables(
    limit: Annotated[int, openapi.Query(ge=0)] = DEFAULT_LIMIT,
    offset: Annotated[int, openapi.Query(ge=0)] = 0,
    order_by: Annotated[str | None, openapi.Query()] = None,
    variable_key_pattern: Annotated[str | None, openapi.Query()] = None,
) -> dict:
    """Every variable (by key; `order_by=-key`, `description`), `variable_key_pattern` as SQL LIKE."""
    from updraft.api.routes.dags import like
    from updraft.store.secrets import VARIABLES

    field = (order_by or "key").lstrip("-")
    if field not in ORDERABLE:
        raise disallowed_order(order_by or "")
    store = services(router).secrets
    with store_errors():
        values = store.list(VARIABLES)
        descriptions = store.descriptions(VARIABLES) if values else {}
    rows = [variable_json(k, v, descriptions.get(k)) for k, v in values.items()]
    if variable_key_pattern:
        pattern = like(variable_key_pattern)
        rows = [r for r in rows if pattern.search(r["key"])]
    if field == "description":
        rows.sort(key=lambda r: (r["description"] is None, r["description"] or "", r["key"]))
    rows = rows[::-1] if (order_by or "").startswith("-") else rows
    return {"variables": page(rows, offset, min(limit, MAXIMUM_LIMIT)), "total_entries": len(rows)}


@router.get("/variables/<variable_key>")
@requires("variable")
def get_variable(variable_key: str) -> dict:
    key = path_value(variable_key)
    value, description = _read(key)
    return variable_json(key, value, description)


@router.post("/variables", status_code=201)
@requires("variable")
def post_variable(post_body: bodies.VariableBody) -> dict:
    from updraft.store.secrets import VARIABLES

    store = services(router).secrets
    with store_errors():
        if store.get(VARIABLES, post_body.key) is not None:
            raise Conflict(f"The Variable with key: `{post_body.key}` already exists")
        store.put(VARIABLES, post_body.key, stored_value(post_body.value), post_body.description)
    return variable_json(post_body.key, stored_value(post_body.value), post_body.description)


@router.patch("/variables/<variable_key>")
@requires("variable")
def patch_variable(
    variable_key: str,
    patch_body: bodies.VariableBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    """Change the fields given (those of `update_mask` only, if given); the key cannot change."""
    key = path_value(variable_key)
    if patch_body.key != key:
        raise BadRequest("Invalid body, key from request body doesn't match uri parameter")
    return update(patch_body, update_mask)


@router.delete("/variables/<variable_key>", status_code=204)
@requires("variable")
def delete_variable(variable_key: str) -> Any:
    from updraft.store.secrets import VARIABLES

    key = path_value(variable_key)
    with store_errors(not_found=key):
        deleted = services(router).secrets.delete(VARIABLES, key)
    if not deleted:
        raise _missing(key)
    return Response(status_code=204, body=None)


@router.patch("/variables")
@requires("variable")
def bulk_variables(request: bodies.BulkVariableBody) -> dict:
    """Create, update and delete variables in one request."""
    from updraft.api.bulk import handle, secret_handlers
    from updraft.store.secrets import VARIABLES

    store = services(router).secrets

    def create(entity: Any) -> None:
        with store_errors():
            store.put(VARIABLES, entity.key, stored_value(entity.value), entity.description)

    return handle(request, secret_handlers(store, VARIABLES, lambda e: e.key, create, update, store_errors))


# -- helpers ---------------------------------------------------------------------------------
def stored_value(value: Any) -> str:
    """A body's value as Parameter Store keeps it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def update(body: Any, update_mask: list[str] | None) -> dict[str, Any]:
    from updraft.store.secrets import VARIABLES

    fields = set(body.model_fields_set)
    if update_mask:
        restricted = set(update_mask) & IMMUTABLE
        if restricted:
            raise BadRequest(f"Update not allowed: the following fields are immutable and cannot be "
                             f"modified: {restricted}")
        fields &= set(update_mask)
    value, description = _read(body.key)
    if "value" in fields:
        value = stored_value(body.value)
    if "description" in fields:
        description = body.description
    with store_errors():
        services(router).secrets.put(VARIABLES, body.key, value or "", description)
    return variable_json(body.key, value, description)


def _read(key: str) -> tuple[str | None, str | None]:
    from updraft.store.secrets import VARIABLES

    store = services(router).secrets
    with store_errors(not_found=key):
        value = store.get(VARIABLES, key)
        if value is None:
            raise _missing(key)
        return value, store.description(VARIABLES, key)


def _missing(key: str) -> NotFound:
    return NotFound(f"The Variable with key: `{key}` was not found")


def store_errors(not_found: str | None = None) -> Any:
    """Parameter Store's refusals as 400s, an impossible key as this route's 404."""
    from updraft.api.bulk import secret_store_errors

    return secret_store_errors(_missing, not_found)

"""Connections: GET, POST and PATCH (bulk) /connections, GET, PATCH and DELETE
/connections/{connection_id}, POST /connections/test.

They live in the stack's Parameter Store as Airflow's connection JSON, never in the table.
A password is always shown as `***`, and so are the values of an extra's sensitive keys; an
update that sends `***` back keeps the stored secret (a form filled from a response does not
overwrite it)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import Forbidden, requires
from updraft.api.errors import BadRequest, Conflict, NotFound, disallowed_order
from updraft.api.lazy import lazy_module
from updraft.api.listing import page
from updraft.api.request import path_value, services
from updraft.api.serializers import REDACTED, connection_json

bodies = lazy_module("updraft.api.bodies")
openapi = lazy_module("aws_lambda_powertools.event_handler.openapi.params")

router = Router()

DEFAULT_LIMIT, MAXIMUM_LIMIT = 50, 100
ORDERABLE = {"connection_id": "connection_id", "conn_id": "connection_id", "id": "connection_id",
             "conn_type": "conn_type", "description": "description", "host": "host", "port": "port"}
FIELDS = ("conn_type", "description", "host", "login", "schema", "port", "password", "extra")


@router.get("/connections")
@requires("connection")
def get_connections(
    limit: Annotated[int, openapi.Query(ge=0)] = DEFAULT_LIMIT,
    offset: Annotated[int, openapi.Query(ge=0)] = 0,
    order_by: Annotated[str | None, openapi.Query()] = None,
    connection_id_pattern: Annotated[str | None, openapi.Query()] = None,
) -> dict:
    from updraft.api.routes.dags import like

    field = ORDERABLE.get((order_by or "connection_id").lstrip("-"))
    if field is None:
        raise disallowed_order(order_by or "")
    rows = [connection_json(c) for c in _all().values()]
    if connection_id_pattern:
        pattern = like(connection_id_pattern)
        rows = [r for r in rows if pattern.search(r["connection_id"])]
    rows.sort(key=lambda r: (r[field] is None, r[field] if r[field] is not None else "", r["connection_id"]),
              reverse=(order_by or "").startswith("-"))
    return {"connections": page(rows, offset, min(limit, MAXIMUM_LIMIT)), "total_entries": len(rows)}


@router.get("/connections/<connection_id>")
@requires("connection")
def get_connection(connection_id: str) -> dict:
    return connection_json(_read(path_value(connection_id)))


@router.post("/connections", status_code=201)
@requires("connection")
def post_connection(post_body: bodies.ConnectionBody) -> dict:
    from updraft.store.secrets import CONNECTIONS

    conn_id = post_body.connection_id
    with store_errors():
        if services(router).secrets.get(CONNECTIONS, conn_id) is not None:
            raise Conflict(f"The connection with connection_id: `{conn_id}` already exists.")
    return connection_json(_save(_from_body(post_body)))


@router.post("/connections/test")
@requires("connection")
def test_connection(test_body: bodies.ConnectionBody) -> dict:
    """Disabled, as Airflow's default `[core] test_connection = Disabled`: a test would run
    a hook's code with the caller's settings inside the API function."""
    raise Forbidden("Testing connections is disabled in Airflow configuration. "
                    "Contact your deployment admin to enable it.")


@router.patch("/connections/<connection_id>")
@requires("connection")
def patch_connection(
    connection_id: str,
    patch_body: bodies.ConnectionBody,
    update_mask: Annotated[list[str] | None, openapi.Query()] = None,
) -> dict:
    """Change the fields given (those of `update_mask` only, if given)."""
    if patch_body.connection_id != path_value(connection_id):
        raise BadRequest("The connection_id in the request body does not match the URL parameter")
    return connection_json(update(patch_body, update_mask))


@router.delete("/connections/<connection_id>", status_code=204)
@requires("connection")
def delete_connection(connection_id: str) -> Any:
    from updraft.store.secrets import CONNECTIONS

    conn_id = path_value(connection_id)
    with store_errors(not_found=conn_id):
        deleted = services(router).secrets.delete(CONNECTIONS, conn_id)
    if not deleted:
        raise _missing(conn_id)
    return Response(status_code=204, body=None)


@router.patch("/connections")
@requires("connection")
def bulk_connections(request: bodies.BulkConnectionBody) -> dict:
    """Create, update and delete connections in one request."""
    from updraft.api.bulk import handle, secret_handlers
    from updraft.store.secrets import CONNECTIONS

    return handle(request, secret_handlers(services(router).secrets, CONNECTIONS, lambda e: e.connection_id,
                                           lambda e: _save(_from_body(e)), update, store_errors))


# -- helpers ---------------------------------------------------------------------------------
def update(body: Any, update_mask: list[str] | None) -> Any:
    """The stored connection with the body's fields applied; `***` keeps a stored secret."""
    old = _read(body.connection_id)
    given = {"schema" if f == "schema_" else f for f in body.model_fields_set}
    fields = (given & set(update_mask)) if update_mask else given
    new = body.model_dump(by_alias=True)
    values = {f: getattr(old, f) for f in FIELDS}
    for field in FIELDS:
        if field in fields:
            values[field] = new[field]
    if values["password"] == REDACTED:
        values["password"] = old.password
    if "extra" in fields:
        values["extra"] = _merged_extra(values["extra"], old.extra)
    from updraft.authoring.connection import Connection

    try:
        conn = Connection(conn_id=body.connection_id, **values)
    except ValueError as err:
        raise BadRequest(str(err)) from None
    return _save(conn)


def _merged_extra(new: str | None, old: str | None) -> str | None:
    """The new extra, where a value sent as `***` keeps the stored one (Airflow's merge)."""
    if not new or not old:
        return new
    try:
        fresh, stored = json.loads(new), json.loads(old)
    except ValueError:
        return new
    if not isinstance(fresh, dict) or not isinstance(stored, dict):
        return new
    return json.dumps({k: stored.get(k, v) if v == REDACTED else v for k, v in fresh.items()})


def _from_body(body: Any) -> Any:
    from updraft.authoring.connection import Connection

    values = body.model_dump(by_alias=True)
    try:
        return Connection(conn_id=body.connection_id, **{f: values[f] for f in FIELDS})
    except ValueError as err:
        raise BadRequest(str(err)) from None


def _save(conn: Any) -> Any:
    from updraft.store.secrets import CONNECTIONS

    with store_errors():
        services(router).secrets.put(CONNECTIONS, conn.conn_id, conn.as_json(), conn.description)
    return conn


def _read(conn_id: str) -> Any:
    from updraft.authoring.connection import Connection
    from updraft.store.secrets import CONNECTIONS

    with store_errors(not_found=conn_id):
        text = services(router).secrets.get(CONNECTIONS, conn_id)
    if text is None:
        raise _missing(conn_id)
    return Connection.parse(text, conn_id=conn_id)


def _all() -> dict[str, Any]:
    from updraft.authoring.connection import Connection
    from updraft.store.secrets import CONNECTIONS

    with store_errors():
        stored = services(router).secrets.list(CONNECTIONS)
    return {conn_id: Connection.parse(text, conn_id=conn_id) for conn_id, text in stored.items()}


def _missing(conn_id: str) -> NotFound:
    return NotFound(f"The Connection with connection_id: `{conn_id}` was not found")


def store_errors(not_found: str | None = None) -> Any:
    """Parameter Store's refusals as 400s, an impossible key as this route's 404."""
    from updraft.api.bulk import secret_store_errors

    return secret_store_errors(_missing, not_found)

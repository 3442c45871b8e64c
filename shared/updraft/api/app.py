"""The API Lambda's resolver: Airflow 3's public REST API under `/api/v2`, its login at
`/auth/token`, the OpenAPI document at `/openapi.json`, and the web UI (its pages, its
assets under `/static`, its data routes under `/ui`).

Building it is all that happens at import: routes register, and what they need (the
services, pydantic and the request models, the engine) loads on first use. A request is
validated against its route's signature (Powertools' data validation: path and query
parameters, the JSON body), then passes the auth middleware (`updraft.api.auth`), then runs.
Errors answer as FastAPI does in Airflow: `{"detail": ...}` with 400, 401, 403, 404, 409 or
422; anything unexpected is logged and answers 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from updraft.api.auth import PUBLIC, auth_middleware, check_access, public
from updraft.api.errors import HTTPError
from updraft.api.routes import (
    connections,
    dag_runs,
    dags,
    import_errors,
    login,
    monitor,
    task_instances,
    ui,
    variables,
    xcoms,
)
from updraft.exceptions import (
    DagNotFound,
    DagRunAlreadyExists,
    DagRunNotFound,
    ParamValidationError,
    TaskNotFound,
)

if TYPE_CHECKING:
    from updraft.services import Services

API_PREFIX = "/api/v2"

log = logging.getLogger("updraft.api")


class Resolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver with data validation on for every route.

    Validation is switched on after construction: the resolver then makes its validation
    middlewares (and imports pydantic) with the first request instead of at import."""

    def __init__(self) -> None:
        super().__init__()
        self._enable_validation = True


app = Resolver()
app.use(middlewares=[auth_middleware])
app.include_router(login.router, prefix="/auth")
app.include_router(ui.router, prefix="/ui")
# XComs before task instances: a path's first matching pattern wins, and
# `…/{task_id}/xcomEntries` must not be read as `…/{task_id}/{map_index}`.
for _routes in (monitor, dags, dag_runs, xcoms, task_instances, variables, connections, import_errors):
    app.include_router(_routes.router, prefix=API_PREFIX)


def error(status_code: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON,
                    body={"detail": detail}, headers=headers)


@app.exception_handler(HTTPError)
def _http_error(err: HTTPError) -> Response:
    return error(err.status_code, err.detail, err.headers)


@app.exception_handler(RequestValidationError)
def _invalid_request(err: RequestValidationError) -> Response:
    """A 422 listing the fields that do not validate, as FastAPI's; but a caller who may not
    use the route learns only that (FastAPI checks credentials before the body)."""
    try:
        check_access(app)
    except HTTPError as denied:
        return error(denied.status_code, denied.detail, denied.headers)
    except Exception as failed:  # noqa: BLE001 - the table or Parameter Store did not answer
        return _unexpected(failed)
    return error(422, [_field_error(e) for e in err.errors()])


def _field_error(raw: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"type": raw.get("type"), "loc": list(raw.get("loc") or ()),
                             "msg": raw.get("msg", ""), "input": raw.get("input")}
    if raw.get("ctx"):
        found["ctx"] = {k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in raw["ctx"].items()}
    return json.loads(json.dumps(found, default=str))


@app.exception_handler([DagNotFound, DagRunNotFound, TaskNotFound])
def _not_found(err: Exception) -> Response:
    return error(404, str(err))


@app.exception_handler(DagRunAlreadyExists)
def _conflict(err: DagRunAlreadyExists) -> Response:
    return error(409, str(err))


@app.exception_handler(ParamValidationError)
def _bad_request(err: Exception) -> Response:
    return error(400, str(err))


@app.not_found
def _no_route(err: NotFoundError) -> Response:
    """The web UI's page for any other GET (its own router draws the page); else a JSON 404."""
    from updraft.api import web

    event = app.current_event
    if event.http_method == "GET" and web.is_page(event.path):
        return web.page()
    return error(404, "Not Found")


@app.get("/static/<name>", include_in_schema=False)
@public
def get_static(name: str) -> Any:
    """The web UI's scripts, styles and icons."""
    from updraft.api import web

    return web.asset(name) or error(404, "Not Found")


@app.exception_handler(Exception)
def _unexpected(err: Exception) -> Response:
    log.exception("%s %s failed", app.current_event.http_method, app.current_event.path)
    return error(500, "Internal Server Error")


# -- the OpenAPI document -------------------------------------------------------------------
_openapi: dict[str, Any] = {}


@app.get("/openapi.json", include_in_schema=False)
@public
def get_openapi() -> Any:
    """The OpenAPI 3.1 document of every route, generated from their definitions (once per process)."""
    if "document" not in _openapi:
        _openapi["document"] = openapi_document()
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=_openapi["document"])


def openapi_document() -> str:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from updraft import __version__

    document = json.loads(app.get_openapi_json_schema(
        title="Updraft (Airflow 3 REST API)", version=__version__,
        description=(
            "Airflow 3's public REST API served by Updraft. Log in with POST /auth/token and send "
            "the access token as `Authorization: Bearer <token>`."
        ),
        security_schemes={"HTTPBearer": HTTPBearer()}, security=[{"HTTPBearer": []}],
    ))
    for route in app._static_routes + app._dynamic_routes:
        operation = document.get("paths", {}).get(route.openapi_path, {}).get(route.method.lower())
        if operation is None:
            continue
        operation["operationId"] = route.func.__name__  # Airflow's operation ids are its functions' names
        if getattr(route.func, "updraft_access", None) is PUBLIC:
            operation["security"] = []  # health, version, login
    return json.dumps(document)


def resolve(
    event: dict[str, Any],
    context: Any,
    *,
    services: "Services | None" = None,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """Answer one API Gateway HTTP API (payload 2.0) event.

    `services` and `clock` replace the process's services and the wall clock (tests, the
    local stack); by default routes use `services_from_env()` and the current time."""
    if services is not None:
        app.append_context(services=services)
    if clock is not None:
        app.append_context(clock=clock)
    return app.resolve(event, context)

"""The API Lambda's resolver: Airflow 3's public REST API under `/api/v2`.

Building it is all that happens at import: routes register, and what they need (the
services, pydantic bodies, the engine) loads on first use. Every request passes the auth
seam (`updraft.api.auth`), then its route. Errors answer as FastAPI does in Airflow:
`{"detail": ...}` with 400, 404, 409 or 422; anything unexpected is logged and answers 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from updraft.api.auth import auth_middleware
from updraft.api.errors import HTTPError
from updraft.api.routes import dag_runs, dags, import_errors, monitor, task_instances
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

app = APIGatewayHttpResolver()
app.use(middlewares=[auth_middleware])
for _routes in (monitor, dags, dag_runs, task_instances, import_errors):
    app.include_router(_routes.router, prefix=API_PREFIX)


def error(status_code: int, detail: Any) -> Response:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON,
                    body={"detail": detail})


@app.exception_handler(HTTPError)
def _http_error(err: HTTPError) -> Response:
    return error(err.status_code, err.detail)


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
    return error(404, "Not Found")


@app.exception_handler(Exception)
def _unexpected(err: Exception) -> Response:
    log.exception("%s %s failed", app.current_event.http_method, app.current_event.path)
    return error(500, "Internal Server Error")


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

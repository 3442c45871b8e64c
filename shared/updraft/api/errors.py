"""HTTP errors in Airflow's FastAPI style: `{"detail": ...}` with the status code.

Routes raise these (or the domain's own exceptions, which the app maps to a status); the
detail is a sentence naming what is wrong, or for 422 a list of field errors as FastAPI
writes them (`type`, `loc`, `msg`, `input`)."""

from __future__ import annotations

from typing import Any


class HTTPError(Exception):
    status_code = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: Any) -> None:
        super().__init__(detail if isinstance(detail, str) else repr(detail))
        self.detail = detail


class BadRequest(HTTPError):
    status_code = 400


class NotFound(HTTPError):
    status_code = 404


class Conflict(HTTPError):
    status_code = 409


class Unprocessable(HTTPError):
    """A request whose fields do not validate; `detail` is a list of field errors."""

    status_code = 422


def disallowed_order(order_by: str) -> BadRequest:
    field = order_by.lstrip("-")
    return BadRequest(f"Ordering with '{field}' is disallowed or the attribute does not exist on the model")


def field_error(kind: str, loc: list[Any], msg: str, value: Any, **ctx: Any) -> dict[str, Any]:
    """One entry of a 422 detail, shaped as FastAPI (pydantic) writes it."""
    error: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx:
        error["ctx"] = ctx
    return error

"""What a route reads from its request: the services and the clock from the resolver's
context, typed query parameters, path parameters and the JSON body.

Query parameters are read from `rawQueryString`, so a repeated parameter (`tags=a&tags=b`)
keeps every value, as FastAPI reads it. A value that does not parse is a 422 whose detail
is shaped as FastAPI writes it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from updraft.api.errors import BadRequest, Unprocessable, field_error

if TYPE_CHECKING:
    from updraft.services import Services

# Airflow's `[api] fallback_page_limit` and `maximum_page_limit`.
DEFAULT_PAGE_LIMIT = 50
MAXIMUM_PAGE_LIMIT = 100

_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


# -- context ------------------------------------------------------------------------------
def services(router: Any) -> "Services":
    """The services `resolve` was given, else the process's (made on a cold start)."""
    given = router.context.get("services")
    if given is not None:
        return given
    from updraft.services import services_from_env

    return services_from_env()


def now(router: Any) -> datetime:
    clock: Callable[[], datetime] | None = router.context.get("clock")
    if clock is not None:
        return clock()
    from updraft.timeutil import utcnow

    return utcnow()


def path_value(value: str) -> str:
    """A path parameter as sent; HTTP APIs decode paths, a local gateway may not."""
    return unquote(value) if "%" in value else value


# -- query parameters ---------------------------------------------------------------------
class Query:
    """The query string of the current request."""

    def __init__(self, raw_query_string: str | None) -> None:
        self.values = parse_qs(raw_query_string or "", keep_blank_values=True)

    @classmethod
    def of(cls, router: Any) -> "Query":
        return cls(router.current_event.get("rawQueryString"))

    def one(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[-1] if found else None

    def many(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def paging(self) -> tuple[int, int]:
        """(limit, offset): Airflow's `limit` (default 50, at most 100) and `offset`."""
        limit = self.integer("limit", DEFAULT_PAGE_LIMIT, minimum=0)
        return min(limit, MAXIMUM_PAGE_LIMIT), self.integer("offset", 0, minimum=0)

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        raw = self.one(name)
        return default if raw is None else parse_int(raw, ["query", name], minimum=minimum)

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.one(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise Unprocessable([field_error(
            "bool_parsing", ["query", name],
            "Input should be a valid boolean, unable to interpret input", raw,
        )])


def parse_int(raw: str, loc: list[Any], *, minimum: int | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise Unprocessable([field_error(
            "int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer",
            raw,
        )]) from None
    if minimum is not None and value < minimum:
        if minimum == 1:
            raise Unprocessable([field_error(
                "greater_than", loc, "Input should be greater than 0", raw, gt=0)])
        raise Unprocessable([field_error(
            "greater_than_equal", loc, f"Input should be greater than or equal to {minimum}", raw,
            ge=minimum,
        )])
    return value


# -- body ---------------------------------------------------------------------------------
def json_body(router: Any) -> Any:
    """The request's JSON body; 400 when it is not JSON, 422 when there is none."""
    try:
        raw = router.current_event.decoded_body
    except ValueError as err:
        raise BadRequest(f"The request body is not valid UTF-8: {err}") from None
    if raw is None or not raw.strip():
        raise Unprocessable([field_error("missing", ["body"], "Field required", None)])
    try:
        return json.loads(raw)
    except ValueError as err:
        raise BadRequest(f"The request body is not valid JSON: {err}") from None

"""HttpSensor: wait until an HTTP endpoint answers (`apache-airflow-providers-http`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.http import HttpHook
from updraft.operators.http import determine_kwargs
from updraft.sensors.base import BaseSensorOperator, PokeReturnValue


class HttpSensor(BaseSensorOperator):
    """Call an endpoint at each poke: done when it answers 2xx/3xx (and `response_check`, if
    given, returns True). A 404 means not yet, as do the codes in
    `response_error_codes_allowlist`; any other error status, or a host that cannot be
    reached, fails the task.

    :param http_conn_id: the connection (default `http_default`)
    :param endpoint: the path after the connection's base URL (templated)
    :param method: the HTTP method (default GET)
    :param request_params: the query string's parameters (templated)
    :param headers: more headers (templated)
    :param response_check: `f(response, **context) -> bool | PokeReturnValue`
    :param response_error_codes_allowlist: the statuses that mean "not yet" (default ["404"])
    :param extra_options: request settings (`timeout`, `check_response`, …)
    """

    template_fields: Sequence[str] = ("endpoint", "request_params", "headers")
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        endpoint: str,
        http_conn_id: str = "http_default",
        method: str = "GET",
        request_params: dict[str, Any] | None = None,
        request_kwargs: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        response_error_codes_allowlist: list[str] | None = None,
        response_check: Callable[..., bool | PokeReturnValue] | None = None,
        extra_options: dict[str, Any] | None = None,
        tcp_keep_alive: bool = True,
        tcp_keep_alive_idle: int = 120,
        tcp_keep_alive_count: int = 20,
        tcp_keep_alive_interval: int = 30,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.http_conn_id = http_conn_id
        self.method = method
        self.response_error_codes_allowlist = (
            ("404",) if response_error_codes_allowlist is None else tuple(response_error_codes_allowlist)
        )
        self.request_params = request_params or {}
        self.headers = headers or {}
        self.extra_options = extra_options or {}
        self.response_check = response_check
        self.tcp_keep_alive = tcp_keep_alive
        self.tcp_keep_alive_idle = tcp_keep_alive_idle
        self.tcp_keep_alive_count = tcp_keep_alive_count
        self.tcp_keep_alive_interval = tcp_keep_alive_interval
        self.request_kwargs = request_kwargs or {}

    def poke(self, context: Any) -> bool | PokeReturnValue:
        hook = HttpHook(
            method=self.method,
            http_conn_id=self.http_conn_id,
            tcp_keep_alive=self.tcp_keep_alive,
            tcp_keep_alive_idle=self.tcp_keep_alive_idle,
            tcp_keep_alive_count=self.tcp_keep_alive_count,
            tcp_keep_alive_interval=self.tcp_keep_alive_interval,
        )
        self.log.info("Poking: %s", self.endpoint)
        try:
            response = hook.run(
                self.endpoint,
                data=self.request_params,
                headers=self.headers,
                extra_options=self.extra_options,
                **self.request_kwargs,
            )
            if self.response_check:
                kwargs = determine_kwargs(self.response_check, [response], context)
                return self.response_check(response, **kwargs)
        except AirflowException as exc:
            if str(exc).startswith(self.response_error_codes_allowlist):
                return False
            raise
        return True


__all__ = ["HttpSensor"]

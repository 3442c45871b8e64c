"""HttpOperator: call an HTTP endpoint (`apache-airflow-providers-http`).

Its XCom is the response's text, or what `response_filter` makes of the response; with a
`pagination_function`, the list of the pages' texts (or the filter of the list)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException
from updraft.hooks.http import HttpHook


def determine_kwargs(func: Callable[..., Any], args: Sequence[Any], context: Any) -> dict[str, Any]:
    """The context values `func` names after its first `len(args)` parameters (all of the
    context when it takes **kwargs), as Airflow passes them to response_check and filters."""
    params = list(inspect.signature(func).parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        taken = {p.name for p in params[: len(args)]}
        return {key: value for key, value in dict(context).items() if key not in taken}
    return {
        p.name: context[p.name]
        for p in params[len(args):]
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name in context
    }


def _merge_dicts(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for key, value in second.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


class HttpOperator(BaseOperator):
    """Call an endpoint of the connection's HTTP service.

    :param http_conn_id: the connection (default `http_default`)
    :param endpoint: the path after the connection's base URL (templated)
    :param method: the HTTP method (default POST)
    :param data: the query string of a GET, the body otherwise (templated)
    :param headers: more headers (templated)
    :param response_check: `f(response, **context) -> bool`; False fails the task
    :param response_filter: `f(response, **context)`: what goes to XCom instead of the text
    :param pagination_function: `f(response)`: the next page's `endpoint`/`data`/`headers`/
        `extra_options`, or None when done
    :param extra_options: request settings (`timeout`, `check_response`, `verify`, …)
    :param log_response: log the response's text
    :param auth_type: a requests auth class (default basic auth when the connection has a login)
    :param retry_args: tenacity's Retrying arguments, to retry the call (tenacity must be installed)
    """

    conn_id_field = "http_conn_id"
    template_fields: Sequence[str] = ("endpoint", "data", "headers")
    template_fields_renderers = {"headers": "json", "data": "py"}
    template_ext: Sequence[str] = ()
    ui_color = "#f4a460"
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        method: str = "POST",
        data: dict[str, Any] | str | None = None,
        headers: dict[str, str] | None = None,
        pagination_function: Callable[..., Any] | None = None,
        response_check: Callable[..., bool] | None = None,
        response_filter: Callable[..., Any] | None = None,
        extra_options: dict[str, Any] | None = None,
        request_kwargs: dict[str, Any] | None = None,
        http_conn_id: str = "http_default",
        log_response: bool = False,
        auth_type: Any = None,
        tcp_keep_alive: bool = True,
        tcp_keep_alive_idle: int = 120,
        tcp_keep_alive_count: int = 20,
        tcp_keep_alive_interval: int = 30,
        retry_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.http_conn_id = http_conn_id
        self.method = method
        self.endpoint = endpoint
        self.headers = headers or {}
        self.data = data or {}
        self.pagination_function = pagination_function
        self.response_check = response_check
        self.response_filter = response_filter
        self.extra_options = extra_options or {}
        self.log_response = log_response
        self.auth_type = auth_type
        self.tcp_keep_alive = tcp_keep_alive
        self.tcp_keep_alive_idle = tcp_keep_alive_idle
        self.tcp_keep_alive_count = tcp_keep_alive_count
        self.tcp_keep_alive_interval = tcp_keep_alive_interval
        self.retry_args = retry_args
        self.request_kwargs = request_kwargs or {}

    @property
    def hook(self) -> HttpHook:
        """The HttpHook for the connection, with this operator's method and settings."""
        return HttpHook(
            method=self.method,
            http_conn_id=getattr(self, self.conn_id_field),
            auth_type=self.auth_type,
            tcp_keep_alive=self.tcp_keep_alive,
            tcp_keep_alive_idle=self.tcp_keep_alive_idle,
            tcp_keep_alive_count=self.tcp_keep_alive_count,
            tcp_keep_alive_interval=self.tcp_keep_alive_interval,
        )

    def execute(self, context: Any) -> Any:
        self.log.info("Calling HTTP method")
        hook = self.hook
        response = self._call(hook, self.endpoint, self.data, self.headers, self.extra_options)
        response = self.paginate_sync(hook, response)
        return self.process_response(context=context, response=response)

    def _call(self, hook: HttpHook, endpoint: Any, data: Any, headers: Any, extra_options: Any) -> Any:
        if self.retry_args:
            return hook.run_with_advanced_retry(self.retry_args, endpoint, data, headers, extra_options,
                                                **self.request_kwargs)
        return hook.run(endpoint, data, headers, extra_options, **self.request_kwargs)

    def paginate_sync(self, hook: HttpHook, response: Any) -> Any:
        """Every page, while `pagination_function` names a next one."""
        if not self.pagination_function:
            return response
        all_responses = [response]
        while True:
            next_page_params = self.pagination_function(response)
            if not next_page_params:
                break
            merged = self._merge_next_page_parameters(next_page_params)
            response = self._call(hook, merged["endpoint"], merged["data"], merged["headers"],
                                  merged["extra_options"])
            all_responses.append(response)
        return all_responses

    def _merge_next_page_parameters(self, next_page_params: dict[str, Any]) -> dict[str, Any]:
        next_data = next_page_params.get("data")
        if isinstance(self.data, dict) and isinstance(next_data, dict):
            data: Any = _merge_dicts(self.data, next_data)
        else:
            data = next_data or self.data
        return dict(
            endpoint=next_page_params.get("endpoint") or self.endpoint,
            data=data,
            headers=_merge_dicts(self.headers, next_page_params.get("headers", {})),
            extra_options=_merge_dicts(self.extra_options, next_page_params.get("extra_options", {})),
        )

    def process_response(self, context: Any, response: Any) -> Any:
        """Log, check and filter the response; the text (or the filter's result) is the XCom."""
        def default() -> Any:
            return [entry.text for entry in response] if isinstance(response, list) else response.text

        if self.log_response:
            self.log.info(default())
        if self.response_check:
            kwargs = determine_kwargs(self.response_check, [response], context)
            if not self.response_check(response, **kwargs):
                raise AirflowException("Response check returned False.")
        if self.response_filter:
            kwargs = determine_kwargs(self.response_filter, [response], context)
            return self.response_filter(response, **kwargs)
        return default()


__all__ = ["HttpOperator", "determine_kwargs"]

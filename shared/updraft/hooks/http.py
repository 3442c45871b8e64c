"""HttpHook: HTTP calls with requests, from a connection (`apache-airflow-providers-http`).

The base URL is `<schema>://<host>[:<port>]` (schema defaults to `http`; a host that already
has `://` is taken whole); a login makes basic auth with the password; the extra's keys are
default headers, except the request settings Airflow reads from it: `stream`, `cert`,
`proxies`/`proxy`, `timeout`, `verify`/`verify_ssl`, `allow_redirects`, `max_redirects`,
`trust_env` and `check_response`."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from updraft.exceptions import AirflowException
from updraft.hooks.base import BaseHook
from updraft.hooks.optional import require

if TYPE_CHECKING:
    from requests import PreparedRequest, Response, Session

    from updraft.authoring.connection import Connection

# How much of an error response's body the task's error repeats (the log has all of it).
MAX_ERROR_BODY_CHARS = 2000


def _url_from_endpoint(base_url: str | None, endpoint: str | None) -> str:
    """The base URL and the endpoint, joined by exactly one `/`."""
    if base_url and not base_url.endswith("/") and endpoint and not endpoint.startswith("/"):
        return f"{base_url}/{endpoint}"
    return (base_url or "") + (endpoint or "")


def _process_extra_options_from_connection(conn: "Connection", extra_options: dict[str, Any]) -> dict[str, Any]:
    """Move the request settings out of the connection's extra into `extra_options` (those
    given explicitly win); what is left are headers."""
    extra = conn.extra_dejson
    for name, aliases in (
        ("stream", ()), ("cert", ()), ("proxy", ("proxies",)), ("timeout", ()), ("verify_ssl", ("verify",)),
        ("allow_redirects", ()), ("max_redirects", ()), ("trust_env", ()), ("check_response", ()),
    ):
        value = None
        for key in (name, *aliases):  # as Airflow: `proxies` over `proxy`, `verify` over `verify_ssl`
            if key in extra:
                value = extra.pop(key)
        if value is not None and name not in extra_options:
            extra_options[name] = value
    return extra


def _keep_alive_adapter(idle: int, count: int, interval: int) -> Any:
    """A requests adapter whose sockets send TCP keep-alives (what requests_toolbelt's
    TCPKeepAliveAdapter does), so a long call through a NAT is not dropped silently."""
    adapters = require("requests.adapters", "HttpHook")
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", idle), ("TCP_KEEPCNT", count), ("TCP_KEEPINTVL", interval)):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))

    class TCPKeepAliveAdapter(adapters.HTTPAdapter):  # type: ignore[name-defined,misc]
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            from urllib3.connection import HTTPConnection

            kwargs["socket_options"] = HTTPConnection.default_socket_options + options
            super().init_poolmanager(*args, **kwargs)

    return TCPKeepAliveAdapter()


class HttpHook(BaseHook):
    """Interact with HTTP servers.

    :param method: the HTTP method (default POST)
    :param http_conn_id: the connection with the base URL and credentials (default `http_default`)
    :param auth_type: the requests auth class (default HTTPBasicAuth, used when there is a login)
    :param tcp_keep_alive: send TCP keep-alives (with `tcp_keep_alive_idle`, `_count`, `_interval`)
    :param adapter: a requests adapter to mount instead of the keep-alive one
    """

    conn_name_attr = "http_conn_id"
    default_conn_name = "http_default"
    conn_type = "http"
    hook_name = "HTTP"
    default_host = ""
    default_headers: dict[str, str] = {}

    def __init__(
        self,
        method: str = "POST",
        http_conn_id: str = default_conn_name,
        auth_type: Any = None,
        tcp_keep_alive: bool = True,
        tcp_keep_alive_idle: int = 120,
        tcp_keep_alive_count: int = 20,
        tcp_keep_alive_interval: int = 30,
        adapter: Any = None,
    ) -> None:
        super().__init__()
        self.http_conn_id = http_conn_id
        self.method = method.upper()
        self.base_url: str = ""
        self._auth_type: Any = auth_type
        self.adapter = adapter
        self.tcp_keep_alive = tcp_keep_alive and adapter is None
        self._keep_alive = (tcp_keep_alive_idle, tcp_keep_alive_count, tcp_keep_alive_interval)

    @property
    def auth_type(self) -> Any:
        return self._auth_type or require("requests.auth", "HttpHook").HTTPBasicAuth

    @auth_type.setter
    def auth_type(self, value: Any) -> None:
        self._auth_type = value

    # -------------------------------------------------------------- the session
    def get_conn(self, headers: dict[Any, Any] | None = None,
                 extra_options: dict[str, Any] | None = None) -> "Session":
        """A requests Session for the connection: its base URL, auth, extra headers and
        settings, then `headers`."""
        requests = require("requests", "HttpHook")
        session = requests.Session()
        connection = self.get_connection(self.http_conn_id)
        self._set_base_url(connection)
        session.auth = self._extract_auth(connection)
        if connection.extra:
            self._configure_session_from_extra(session, connection, extra_options)
        self._mount_adapters(session)
        if self.default_headers:
            session.headers.update(self.default_headers)
        if headers:
            session.headers.update(headers)
        return session

    def _set_base_url(self, connection: "Connection") -> None:
        host = connection.host or self.default_host
        schema = connection.schema or "http"
        if "://" in host:
            self.base_url = host
        else:
            self.base_url = f"{schema}://{host}" if host else f"{schema}://"
            if connection.port:
                self.base_url = f"{self.base_url}:{connection.port}"
        if not urlparse(self.base_url).scheme:
            raise ValueError(f"Invalid base URL: Missing scheme in {self.base_url}")

    def _extract_auth(self, connection: "Connection") -> Any:
        if connection.login:
            return self.auth_type(connection.login, connection.password)
        if self._auth_type:
            return self.auth_type()
        return None

    def _configure_session_from_extra(self, session: "Session", connection: "Connection",
                                      extra_options: dict[str, Any] | None) -> None:
        options = extra_options if extra_options is not None else {}
        headers = _process_extra_options_from_connection(connection, options)
        session.proxies = options.get("proxies", options.get("proxy", {}))
        session.stream = options.get("stream", False)
        session.verify = options.get("verify", options.get("verify_ssl", True))
        session.cert = options.get("cert", None)
        session.max_redirects = options.get("max_redirects", session.max_redirects)
        session.trust_env = options.get("trust_env", True)
        try:
            session.headers.update({str(k): v if isinstance(v, (str, bytes)) else str(v) for k, v in headers.items()})
        except (TypeError, AttributeError):
            self.log.warning("Connection to %s has invalid extra field.", connection.host)

    def _mount_adapters(self, session: "Session") -> None:
        scheme = urlparse(self.base_url).scheme
        if self.adapter is not None:
            session.mount(f"{scheme}://", self.adapter)
        elif self.tcp_keep_alive:
            adapter = _keep_alive_adapter(*self._keep_alive)
            session.mount("http://", adapter)
            session.mount("https://", adapter)

    def url_from_endpoint(self, endpoint: str | None) -> str:
        return _url_from_endpoint(self.base_url, endpoint)

    # -------------------------------------------------------------- requests
    def run(
        self,
        endpoint: str | None = None,
        data: dict[str, Any] | str | None = None,
        headers: dict[str, Any] | None = None,
        extra_options: dict[str, Any] | None = None,
        **request_kwargs: Any,
    ) -> "Response":
        """Call `endpoint` with `data` (the query string of a GET, the body otherwise).

        :param extra_options: request settings, e.g. `{"check_response": False}` to accept
            any status, `{"timeout": 5}`
        :param request_kwargs: more arguments for `requests.Request` (`json=…`, `files=…`)
        """
        requests = require("requests", "HttpHook")
        extra_options = dict(extra_options or {})
        session = self.get_conn(headers, extra_options)
        url = self.url_from_endpoint(endpoint)
        if self.method == "GET":
            request = requests.Request(self.method, url, params=data, headers=headers, **request_kwargs)
        elif self.method == "HEAD":
            request = requests.Request(self.method, url, headers=headers, **request_kwargs)
        else:
            request = requests.Request(self.method, url, data=data, headers=headers, **request_kwargs)
        prepped = session.prepare_request(request)
        self.log.info("Sending '%s' to url: %s", self.method, url)
        return self.run_and_check(session, prepped, extra_options)

    def check_response(self, response: "Response") -> None:
        """Fail on a status outside 2xx and 3xx: AirflowException('<status>:<reason>: <body>');
        the whole body goes to the log."""
        requests = require("requests", "HttpHook")
        try:
            response.raise_for_status()
        except requests.exceptions.HTTPError:
            self.log.error("HTTP error: %s", response.reason)
            self.log.error(response.text)
            message = f"{response.status_code}:{response.reason}"
            body = (response.text or "").strip()
            if body:
                if len(body) > MAX_ERROR_BODY_CHARS:
                    body = body[:MAX_ERROR_BODY_CHARS] + "… (truncated)"
                message += f": {body}"
            raise AirflowException(message) from None

    def run_and_check(self, session: "Session", prepped_request: "PreparedRequest",
                      extra_options: dict[Any, Any]) -> "Response":
        """Send the prepared request with the extra options, and check the response."""
        extra_options = extra_options or {}
        settings = session.merge_environment_settings(
            prepped_request.url,
            proxies=extra_options.get("proxies", extra_options.get("proxy", {})),
            stream=extra_options.get("stream", False),
            verify=extra_options.get("verify", extra_options.get("verify_ssl")),
            cert=extra_options.get("cert"),
        )
        send_kwargs: dict[str, Any] = {
            "timeout": extra_options.get("timeout"),
            "allow_redirects": extra_options.get("allow_redirects", True),
            **settings,
        }
        requests = require("requests", "HttpHook")
        try:
            response = session.send(prepped_request, **send_kwargs)
        except requests.exceptions.ConnectionError as err:
            self.log.warning("%s Tenacity will retry to execute the operation", err)
            raise
        if extra_options.get("check_response", True):
            self.check_response(response)
        return response

    def run_with_advanced_retry(self, _retry_args: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        """`run` retried as tenacity's `Retrying(**_retry_args)` says (tenacity must be installed)."""
        tenacity = require("tenacity", "HttpHook.run_with_advanced_retry")
        retrying: Callable[..., Any] = tenacity.Retrying(**_retry_args)
        return retrying(self.run, *args, **kwargs)

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.run()
            return True, "Connection successfully tested"
        except Exception as err:  # noqa: BLE001 - the message is the answer
            return False, str(err)

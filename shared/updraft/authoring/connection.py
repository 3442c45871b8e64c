"""Connections: how to reach an external system, under an id that DAGs refer to.

The fields, the URI form (`type://login:password@host:port/schema?extra`, URL-quoted, with
`__extra__` for an extra that is not flat) and the JSON form are Airflow 3's
(`airflow.sdk.Connection`), so connection strings and exported files move over unchanged."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from updraft.exceptions import AirflowException, AirflowNotFoundException

log = logging.getLogger(__name__)

PORT_MIN = 0
PORT_MAX = 65535


def _validate_port(port: Any) -> int | None:
    if port is None:
        return None
    if type(port) is not int:
        raise ValueError(f"Expected integer value for `port`, but got {port!r} instead.")
    if not PORT_MIN <= port <= PORT_MAX:
        raise ValueError(f"Expected value for `port` in the range {PORT_MIN}-{PORT_MAX}, but got {port!r} instead.")
    return port


def _parse_netloc_to_hostname(uri_parts: Any) -> str:
    """The host as written: urlsplit lower-cases it and cuts it at a `/` (a host that is a
    path, e.g. a socket, is kept whole)."""
    hostname = unquote(uri_parts.hostname or "")
    if "/" in hostname:
        hostname = uri_parts.netloc
        if "@" in hostname:
            hostname = hostname.rsplit("@", 1)[1]
        if ":" in hostname:
            hostname = hostname.split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


def _prune(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class Connection:
    """A connection to an external data source.

    :param conn_id: the id DAGs refer to
    :param conn_type: the type (`postgres`, `http`, `aws`, …)
    :param extra: non-standard settings, a JSON object (a dict is serialized)
    :param uri: instead of the fields, a connection URI
    """

    EXTRA_KEY = "__extra__"

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        if uri is not None and any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
            raise AirflowException(
                "You must create an object using the URI or individual values "
                "(conn_type, host, login, password, schema, port or extra). "
                "You can't mix these two ways to create this object."
            )
        self.conn_id = conn_id
        self.description = description
        if uri is not None:
            parsed = self.from_uri(uri, conn_id=conn_id)
            conn_type, host, login, password = parsed.conn_type, parsed.host, parsed.login, parsed.password
            schema, port, extra = parsed.schema, parsed.port, parsed.extra
        if extra is not None and not isinstance(extra, str):
            extra = json.dumps(extra)
        self.conn_type = conn_type
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = _validate_port(port)
        self.extra = extra

    def __repr__(self) -> str:
        return self.conn_id or ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    # -------------------------------------------------------------- at run time
    @classmethod
    def get(cls, conn_id: str) -> "Connection":
        """The connection from the environment (`UPDRAFT_CONN_<ID>`, `AIRFLOW_CONN_<ID>`) or the
        stack's store; AirflowNotFoundException when neither has it."""
        from updraft.execution.secrets import get_connection

        conn = get_connection(conn_id)
        if conn is None:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return conn

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """The extra as a dict ({} when empty or not JSON); its sensitive keys' values are
        masked in the task's log from now on."""
        from updraft.execution.masking import mask_secret

        extra: dict[str, Any] = {}
        if self.extra:
            try:
                extra = json.loads(self.extra)
            except json.JSONDecodeError:
                log.exception("Failed to deserialize extra property `extra`, returning empty dictionary")
            else:
                mask_secret(extra)
        return extra

    def get_extra_dejson(self) -> dict[str, Any]:
        return self.extra_dejson

    def get_password(self) -> str | None:
        return self.password

    def get_extra(self) -> str | None:
        return self.extra

    def get_hook(self, *, hook_params: dict[str, Any] | None = None) -> Any:
        """The hook for this connection's type (PostgresHook for `postgres`, …), made with
        `hook_params`."""
        from updraft.hooks.connection_types import get_hook

        return get_hook(self, hook_params)

    # -------------------------------------------------------------- URI form
    def get_uri(self) -> str:
        """The connection as Airflow's URI."""
        uri = f"{self.conn_type.lower().replace('_', '-')}://" if self.conn_type else "//"
        host_to_use: str | None
        protocol_to_add: str | None = None
        if self.host and "://" in self.host:
            protocol, host = self.host.split("://", 1)
            if protocol == self.conn_type:  # the type says it already
                host_to_use = self.host
            else:
                host_to_use, protocol_to_add = host, protocol
        else:
            host_to_use = self.host
        if protocol_to_add:
            uri += f"{protocol_to_add}://"

        authority_block = ""
        if self.login is not None:
            authority_block += quote(self.login, safe="")
        if self.password is not None:
            authority_block += ":" + quote(self.password, safe="")
        if authority_block > "":
            authority_block += "@"
            uri += authority_block

        host_block = ""
        if host_to_use:
            host_block += quote(host_to_use, safe="")
        if self.port is not None:
            if host_block == "" and authority_block == "":
                host_block += f"@:{self.port}"
            else:
                host_block += f":{self.port}"
        if self.schema:
            host_block += f"/{quote(self.schema, safe='')}"
        uri += host_block

        if self.extra:
            try:
                extra_dejson = self.extra_dejson
                query: str | None = urlencode(extra_dejson)
            except TypeError:
                query = None
            if query and extra_dejson == dict(parse_qsl(query, keep_blank_values=True)):
                uri += ("?" if self.schema else "/?") + query
            else:
                uri += ("?" if self.schema else "/?") + urlencode({self.EXTRA_KEY: self.extra})
        return uri

    @classmethod
    def from_uri(cls, uri: str, conn_id: str | None = None) -> "Connection":
        """A connection parsed from Airflow's URI form."""
        schemes_count_in_uri = uri.count("://")
        if schemes_count_in_uri > 2:
            raise AirflowException(f"Invalid connection string: {uri}.")
        host_with_protocol = schemes_count_in_uri == 2
        uri_parts = urlsplit(uri)
        conn_type = uri_parts.scheme
        rest_of_the_url = uri.replace(f"{conn_type}://", ("" if host_with_protocol else "//"))
        if host_with_protocol:
            uri_splits = rest_of_the_url.split("://", 1)
            if "@" in uri_splits[0] or ":" in uri_splits[0]:
                raise AirflowException(f"Invalid connection string: {uri}.")
        uri_parts = urlsplit(rest_of_the_url)
        protocol = uri_parts.scheme if host_with_protocol else None
        host = _parse_netloc_to_hostname(uri_parts)
        quoted_schema = uri_parts.path[1:]
        extra = None
        if uri_parts.query:
            query = dict(parse_qsl(uri_parts.query, keep_blank_values=True))
            extra = query[cls.EXTRA_KEY] if cls.EXTRA_KEY in query else json.dumps(query)
        return cls(
            conn_id=conn_id,
            conn_type=cls._normalize_conn_type(conn_type),
            host=f"{protocol}://{host}" if protocol and host else host,
            schema=unquote(quoted_schema) if quoted_schema else quoted_schema,
            login=unquote(uri_parts.username) if uri_parts.username else uri_parts.username,
            password=unquote(uri_parts.password) if uri_parts.password else uri_parts.password,
            port=uri_parts.port,
            extra=extra,
        )

    @staticmethod
    def _normalize_conn_type(conn_type: str) -> str:
        if conn_type == "postgresql":
            return "postgres"
        return conn_type.replace("-", "_")

    # -------------------------------------------------------------- JSON form
    def to_dict(self, *, prune_empty: bool = False, validate: bool = True) -> dict[str, Any]:
        conn: dict[str, Any] = {
            "conn_id": self.conn_id,
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "login": self.login,
            "password": self.password,
            "schema": self.schema,
            "port": self.port,
        }
        if prune_empty:
            conn = _prune(conn)
        if (extra := self.extra_dejson) or not prune_empty:
            conn["extra"] = extra
        if validate:
            json.dumps(conn)
        return conn

    def as_json(self) -> str:
        """Airflow's JSON form (empty fields left out, no conn_id): what the stack stores."""
        conn = self.to_dict(prune_empty=True, validate=False)
        conn.pop("conn_id", None)
        return json.dumps(conn)

    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> "Connection":
        """A connection from Airflow's JSON form; `extra` may be an object or its JSON text."""
        kwargs = json.loads(value)
        if not isinstance(kwargs, dict):
            raise ValueError(f"Connection JSON must be an object, got {type(kwargs).__name__}")
        return cls.from_fields(kwargs, conn_id=conn_id)

    @classmethod
    def from_fields(cls, fields: dict[str, Any], conn_id: str | None = None) -> "Connection":
        kwargs = dict(fields)
        kwargs.pop("conn_id", None)
        extra = kwargs.pop("extra", None)
        if extra:
            kwargs["extra"] = extra if isinstance(extra, str) else json.dumps(extra)
        conn_type = kwargs.pop("conn_type", None)
        if conn_type:
            kwargs["conn_type"] = cls._normalize_conn_type(conn_type)
        port = kwargs.pop("port", None)
        if isinstance(port, str):
            try:
                port = int(port) if port.strip() else None
            except ValueError:
                raise ValueError(f"Expected integer value for `port`, but got {port!r} instead.") from None
        kwargs["port"] = port
        unknown = set(kwargs) - {"conn_type", "description", "host", "login", "password", "schema", "port", "extra"}
        if unknown:
            raise ValueError(f"Unknown connection field(s): {', '.join(sorted(unknown))}")
        return cls(conn_id=conn_id, **kwargs)

    @classmethod
    def parse(cls, value: str, conn_id: str | None = None) -> "Connection":
        """A stored or environment value: JSON when it starts with `{`, else a URI (as
        Airflow's secrets backends read them)."""
        text = value.strip()
        if text.startswith("{"):
            return cls.from_json(text, conn_id=conn_id)
        return cls.from_uri(text, conn_id=conn_id)

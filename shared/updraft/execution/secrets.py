"""Where `Variable.get` and `Connection.get` look, in the order of Airflow's secrets backends:
the environment first, then the stack's Parameter Store.

- Variables: `UPDRAFT_VAR_<KEY>`, then Airflow's own `AIRFLOW_VAR_<KEY>` (so DAGs and
  deployments moving over keep working), the key upper-cased.
- Connections: `UPDRAFT_CONN_<CONN_ID>`, then `AIRFLOW_CONN_<CONN_ID>`, each a URI or JSON.
- Then `<UPDRAFT_SECRETS_PREFIX>/variables/<key>` or `/connections/<conn_id>`.

What the store returns is cached for one task run: a task reading a variable in a loop reads
Parameter Store once, and the next run sees a change. Each run starts with an empty cache and
an empty masker (`task_run_scope`, entered with the try's log capture); outside a task run
(a DAG file's top level, a script) nothing is cached. What is fetched is registered with the
run's masker: every connection password, and a variable whose key is sensitive."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote

from updraft.execution.masking import mask_secret, masking_scope
from updraft.store.secrets import CONNECTIONS, VARIABLES, SecretStore, SecretStoreError

if TYPE_CHECKING:
    from updraft.authoring.connection import Connection

log = logging.getLogger("updraft.task")

VAR_ENV_PREFIXES = ("UPDRAFT_VAR_", "AIRFLOW_VAR_")
CONN_ENV_PREFIXES = ("UPDRAFT_CONN_", "AIRFLOW_CONN_")

_MISSING = object()


def _default_store() -> SecretStore:
    """The stack's store, from the same environment the handlers read."""
    from updraft.services import services_from_env

    return services_from_env().secrets


class SecretsResolver:
    """Variables and connections for one task run: environment, then (cached) store."""

    def __init__(
        self,
        store: SecretStore | None = None,
        environ: Mapping[str, str] | None = None,
        cache: bool = True,
    ) -> None:
        self._store = store
        self._environ = os.environ if environ is None else environ
        self._cache: dict[tuple[str, str], str | None] | None = {} if cache else None

    @property
    def store(self) -> SecretStore:
        """The given store, else the stack's (found only when the environment had nothing)."""
        if self._store is None:
            self._store = _default_store()
        return self._store

    def variable(self, key: str) -> str | None:
        value = self._from_env(VAR_ENV_PREFIXES, key)
        if value is None:
            value = self._from_store(VARIABLES, key, "variable")
        if value is not None:
            mask_secret(value, key)
        return value

    def connection(self, conn_id: str) -> "Connection | None":
        from updraft.authoring.connection import Connection

        text = self._from_env(CONN_ENV_PREFIXES, conn_id)
        if text is None:
            text = self._from_store(CONNECTIONS, conn_id, "connection")
        if text is None:
            return None
        conn = Connection.parse(text, conn_id=conn_id)
        if conn.password:
            mask_secret(conn.password)
            mask_secret(quote(conn.password))  # as in a URL path; get_uri quotes `/` too
            mask_secret(quote(conn.password, safe=""))
        if conn.extra:
            conn.extra_dejson  # noqa: B018 - registers the extra's sensitive values
        return conn

    def set_variable(self, key: str, value: str, description: str | None = None) -> None:
        self.store.put(VARIABLES, key, value, description)
        if self._cache is not None:
            self._cache[(VARIABLES, key)] = value
        mask_secret(value, key)

    def delete_variable(self, key: str) -> bool:
        deleted = self.store.delete(VARIABLES, key)
        if self._cache is not None:
            self._cache[(VARIABLES, key)] = None
        return deleted

    def _from_env(self, prefixes: tuple[str, ...], key: str) -> str | None:
        for prefix in prefixes:
            value = self._environ.get(prefix + key.upper())
            if value is not None:
                return value
        return None

    def _from_store(self, kind: str, key: str, what: str) -> str | None:
        cached = self._cache.get((kind, key), _MISSING) if self._cache is not None else _MISSING
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        try:
            value = self.store.get(kind, key)
        except SecretStoreError as err:
            # As Airflow does with a failing backend: say why, and go on as if it had none.
            log.warning("Unable to retrieve %s %r from the stack's Parameter Store: %s", what, key, err)
            return None
        if self._cache is not None:
            self._cache[(kind, key)] = value
        return value


_local = threading.local()


@contextmanager
def task_run_scope(store: SecretStore | None = None) -> Iterator[SecretsResolver]:
    """One task run in this thread: a fresh cache of variables and connections, and a fresh
    masker for what they reveal."""
    resolver = SecretsResolver(store)
    previous = getattr(_local, "resolver", None)
    _local.resolver = resolver
    try:
        with masking_scope():
            yield resolver
    finally:
        _local.resolver = previous


def current_resolver() -> SecretsResolver:
    """This thread's task run's resolver; outside a task run, one that caches nothing."""
    resolver = getattr(_local, "resolver", None)
    return resolver if resolver is not None else SecretsResolver(cache=False)


def get_variable(key: str) -> str | None:
    return current_resolver().variable(key)


def get_connection(conn_id: str) -> "Connection | None":
    return current_resolver().connection(conn_id)


def set_variable(key: str, value: str, description: str | None = None) -> None:
    current_resolver().set_variable(key, value, description)


def delete_variable(key: str) -> bool:
    return current_resolver().delete_variable(key)


__all__ = [
    "CONN_ENV_PREFIXES",
    "VAR_ENV_PREFIXES",
    "SecretsResolver",
    "current_resolver",
    "delete_variable",
    "get_connection",
    "get_variable",
    "set_variable",
    "task_run_scope",
]

"""SqlSensor: wait until a query's first cell says so (`apache-airflow-providers-common-sql`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.base import BaseHook
from updraft.hooks.sql import DbApiHook
from updraft.sensors.base import BaseSensorOperator


class SqlSensor(BaseSensorOperator):
    """Run a query at each poke until its first row passes.

    Without `success`, the first cell passes unless it is 0, '0', '' or None. `failure` is
    looked at first, and fails the task when it returns True; `fail_on_empty` fails it when the
    query returns no row (else no row means not yet).

    :param conn_id: the database's connection id (its type picks the hook)
    :param sql: the query, or a `.sql` template file (templated)
    :param parameters: the query's parameters (templated)
    :param success: `f(value) -> bool`, called with the selected value
    :param failure: `f(value) -> bool`, called with the selected value
    :param selector: `f(first_row)`: the value to judge (default: the first cell)
    :param fail_on_empty: fail when the query returns no row
    :param hook_params: arguments for the hook
    """

    template_fields: Sequence[str] = ("sql", "hook_params", "parameters")
    template_ext: Sequence[str] = (".hql", ".sql")
    ui_color = "#7c7287"
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        conn_id: str,
        sql: str,
        parameters: Mapping[str, Any] | Sequence[Any] | None = None,
        success: Callable[[Any], bool] | None = None,
        failure: Callable[[Any], bool] | None = None,
        selector: Callable[[tuple[Any, ...]], Any] = itemgetter(0),
        fail_on_empty: bool = False,
        hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.conn_id = conn_id
        self.sql = sql
        self.parameters = parameters
        self.success = success
        self.failure = failure
        self.selector = selector
        self.fail_on_empty = fail_on_empty
        self.hook_params = hook_params
        super().__init__(**kwargs)

    def _get_hook(self) -> DbApiHook:
        conn = BaseHook.get_connection(self.conn_id)
        hook = conn.get_hook(hook_params=dict(self.hook_params or {}))
        if not isinstance(hook, DbApiHook):
            raise AirflowException(
                f"The connection type is not supported by {type(self).__name__}. "
                f"The associated hook should be a subclass of `DbApiHook`. Got {type(hook).__name__}"
            )
        return hook

    def poke(self, context: Any) -> bool:
        hook = self._get_hook()
        self.log.info("Poking: %s (with parameters %s)", self.sql, self.parameters)
        records = hook.get_records(self.sql, self.parameters)
        if not records:
            if self.fail_on_empty:
                raise AirflowException("No rows returned, raising as per fail_on_empty flag")
            return False
        condition = self.selector(records[0])
        if self.failure is not None:
            if not callable(self.failure):
                raise AirflowException(f"self.failure is present, but not callable -> {self.failure}")
            if self.failure(condition):
                raise AirflowException(f"Failure criteria met. self.failure({condition}) returned True")
        if self.success is not None:
            if not callable(self.success):
                raise AirflowException(f"self.success is present, but not callable -> {self.success}")
            return bool(self.success(condition))
        return bool(condition) and condition not in ("0", "")


__all__ = ["SqlSensor"]

"""SQLExecuteQueryOperator: run SQL on any database that has a DbApiHook
(`apache-airflow-providers-common-sql`).

The connection's type picks the hook (`postgres`, `sqlite`). The results go to XCom as
Airflow's do, rows as lists, and JSON-safe: a Decimal becomes a number, a date, time or
datetime its ISO 8601 text, a timedelta its seconds, a UUID its text, bytes their hex."""

from __future__ import annotations

import ast
import datetime
import decimal
import logging
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException, AirflowFailException
from updraft.hooks.base import BaseHook
from updraft.hooks.sql import DbApiHook, fetch_all_handler, return_single_query_results


def default_output_processor(results: list[Any], descriptions: list[Sequence[Sequence[Any]] | None]) -> list[Any]:
    return results


def make_json_safe(value: Any) -> Any:
    """A query result as JSON: tuples and rows become lists, and the values a driver returns
    that JSON lacks become the nearest JSON value."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(key): make_json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [make_json_safe(item) for item in value]
    return str(value)


class BaseSQLOperator(BaseOperator):
    """The base of SQL operators: finds the DbApiHook for `conn_id` by its connection type.

    :param conn_id: the database's connection id
    :param database: a database to use instead of the connection's
    :param hook_params: arguments for the hook
    :param retry_on_failure: whether a failed check may be retried (False: fail at once)
    """

    conn_id_field = "conn_id"
    template_fields: Sequence[str] = ("conn_id", "database", "hook_params")
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        conn_id: str | None = None,
        database: str | None = None,
        hook_params: dict[str, Any] | None = None,
        retry_on_failure: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.database = database
        self.hook_params = hook_params or {}
        self.retry_on_failure = retry_on_failure
        self._hook: DbApiHook | None = None

    def get_db_hook(self) -> DbApiHook:
        """The hook for the connection's type (made once per task run)."""
        if self._hook is None:
            conn_id = getattr(self, self.conn_id_field)
            connection = BaseHook.get_connection(conn_id)
            hook = connection.get_hook(hook_params=dict(self.hook_params))
            if not isinstance(hook, DbApiHook):
                raise AirflowException(
                    f"You are trying to use `common-sql` with {type(hook).__name__}, but its provider does not "
                    "support it. The hook class should be a subclass of `updraft.hooks.DbApiHook`."
                )
            if self.database:
                if hook.conn_type == "postgres":
                    hook.database = self.database  # type: ignore[attr-defined]
                else:
                    hook._schema = self.database
            self._hook = hook
        return self._hook

    def _raise_exception(self, exception_string: str) -> Any:
        if self.retry_on_failure:
            raise AirflowException(exception_string)
        raise AirflowFailException(exception_string)


class SQLExecuteQueryOperator(BaseSQLOperator):
    """Run SQL in a database; the results (of the last statement, by default) are the XCom.

    :param sql: a statement, a list of them, or a `.sql` template file (templated)
    :param autocommit: run in autocommit mode (default False: one transaction, committed at the end)
    :param parameters: the query's parameters (templated)
    :param handler: what to make of each statement's cursor (default: every row)
    :param output_processor: `f(results, descriptions)` to reshape the results
    :param split_statements: split a string into statements (default: the hook's, False)
    :param return_last: return only the last statement's result (default True)
    :param show_return_value_in_logs: log the results
    :param requires_result_fetch: fetch the results even without XCom
    """

    template_fields: Sequence[str] = ("sql", "parameters", *BaseSQLOperator.template_fields)
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#cdaaed"

    def __init__(
        self,
        *,
        sql: str | list[str],
        autocommit: bool = False,
        parameters: Mapping[str, Any] | Iterable[Any] | None = None,
        handler: Callable[[Any], Any] = fetch_all_handler,
        output_processor: Callable[[list[Any], list[Any]], Any] | None = None,
        conn_id: str | None = None,
        database: str | None = None,
        split_statements: bool | None = None,
        return_last: bool = True,
        show_return_value_in_logs: bool = False,
        requires_result_fetch: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self._output_processor = output_processor or default_output_processor
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs
        self.requires_result_fetch = requires_result_fetch

    def _process_output(self, results: list[Any], descriptions: list[Any]) -> Any:
        if self.show_return_value_in_logs:
            self.log.info("Operator output is: %s", results)
        return self._output_processor(results, descriptions)

    def _should_run_output_processing(self) -> bool:
        return self.do_xcom_push

    def prepare_template(self) -> None:
        """Parameters rendered from a template as text (`"[1, 2]"`) become the value."""
        if isinstance(self.parameters, str):
            self.parameters = ast.literal_eval(self.parameters)

    def execute(self, context: Any) -> Any:
        self.prepare_template()
        self.log.info("Executing: %s", self.sql)
        hook = self.get_db_hook()
        extra_kwargs = {"split_statements": self.split_statements} if self.split_statements is not None else {}
        fetch = self._should_run_output_processing() or self.requires_result_fetch
        output = hook.run(
            sql=self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if fetch else None,
            return_last=self.return_last,
            **extra_kwargs,
        )
        if not self._should_run_output_processing():
            return None
        if return_single_query_results(self.sql, self.return_last, self.split_statements):
            # One statement's result: processed as a one-element list, as Airflow does.
            return make_json_safe(self._process_output([output], hook.descriptions)[-1])
        result = make_json_safe(self._process_output(output, hook.descriptions))
        self.log.info("result: %s", result)
        return result


__all__ = ["BaseSQLOperator", "SQLExecuteQueryOperator", "default_output_processor", "make_json_safe"]

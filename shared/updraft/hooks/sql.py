"""DbApiHook: the base of hooks for databases with a Python DB-API 2.0 driver, with Airflow's
`run`, `get_records`, `get_first` and `insert_rows` (`airflow.providers.common.sql`).

`run(sql, autocommit, parameters, handler, split_statements, return_last)` opens one
connection, runs each statement on one cursor, hands the cursor to `handler` after each, and
commits at the end unless the connection is in autocommit mode; the connection is closed
whatever happens, so a failed statement rolls the transaction back. What it returns follows
Airflow exactly: a single statement's result for a string with `return_last` (or not split),
else a list with one result per statement."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from updraft.exceptions import AirflowException
from updraft.hooks.base import BaseHook

if TYPE_CHECKING:
    from updraft.authoring.connection import Connection

T = TypeVar("T")
SQL_PLACEHOLDERS = frozenset({"%s", "?"})


# ------------------------------------------------------------------ handlers
def fetch_all_handler(cursor: Any) -> list[tuple[Any, ...]] | None:
    """Every row of the statement just run (None for a statement that returns no rows)."""
    if not hasattr(cursor, "description"):
        raise RuntimeError(
            "The database we interact with does not support DBAPI 2.0. Use operator and "
            "handlers that are specifically designed for your database."
        )
    if cursor.description is not None:
        return cursor.fetchall()
    return None


def fetch_one_handler(cursor: Any) -> tuple[Any, ...] | None:
    """The first row of the statement just run (None for a statement that returns no rows)."""
    if not hasattr(cursor, "description"):
        raise RuntimeError(
            "The database we interact with does not support DBAPI 2.0. Use operator and "
            "handlers that are specifically designed for your database."
        )
    if cursor.description is not None:
        return cursor.fetchone()
    return None


def return_single_query_results(sql: str | Iterable[str], return_last: bool, split_statements: bool | None) -> bool:
    """Whether `run` returns one statement's result rather than a list of them (Airflow's rule)."""
    if split_statements is not None:
        return isinstance(sql, str) and (return_last or not split_statements)
    return isinstance(sql, str) and return_last


# ------------------------------------------------------------------ splitting
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def split_sql_string(sql: str, strip_semicolon: bool = False) -> list[str]:
    """The statements of a script, without comments, each ending with its `;` unless
    `strip_semicolon`. Quotes ('…', "…", `…`), dollar quotes ($$…$$, $tag$…$tag$) and the
    BEGIN … END body of a CREATE (a trigger, a procedure) keep their semicolons."""
    statements: list[str] = []
    current: list[str] = []
    first_word: str | None = None
    depth = 0
    i, n = 0, len(sql)

    def finish(with_semicolon: bool) -> None:
        nonlocal first_word, depth
        text = "".join(current).strip()
        current.clear()
        first_word, depth = None, 0
        if text:
            statements.append(text + (";" if with_semicolon and not strip_semicolon else ""))

    while i < n:
        ch = sql[i]
        two = sql[i:i + 2]
        if two == "--":
            end = sql.find("\n", i)
            i = n if end == -1 else end
            continue
        if two == "/*":
            end = sql.find("*/", i + 2)
            i = n if end == -1 else end + 2
            current.append(" ")
            continue
        if ch in "'\"`":
            end = i + 1
            while True:
                end = sql.find(ch, end)
                if end == -1:
                    end = n
                    break
                if sql[end + 1:end + 2] == ch:  # a doubled quote stands for itself
                    end += 2
                    continue
                end += 1
                break
            current.append(sql[i:end])
            i = end
            continue
        if ch == "$":
            tag = _DOLLAR_TAG.match(sql, i)
            if tag:
                end = sql.find(tag.group(), tag.end())
                end = n if end == -1 else end + len(tag.group())
                current.append(sql[i:end])
                i = end
                continue
        word = _WORD.match(sql, i) if (ch.isalpha() or ch == "_") else None
        if word:
            upper = word.group().upper()
            if first_word is None:
                first_word = upper
            if first_word == "CREATE":
                if upper in ("BEGIN", "CASE"):
                    depth += 1
                elif upper == "END":
                    depth = max(depth - 1, 0)
            current.append(word.group())
            i = word.end()
            continue
        if ch == ";" and depth == 0:
            finish(with_semicolon=True)
            i += 1
            continue
        current.append(ch)
        i += 1
    finish(with_semicolon=False)
    return statements


def _chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if size and len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class DbApiHook(BaseHook):
    """Abstract base of SQL hooks. A subclass names its connection id attribute
    (`conn_name_attr`) and implements `get_conn()`, returning a DB-API connection.

    :param schema: a schema (database) to use instead of the connection's
    :param log_sql: log each statement before running it (default True)
    """

    conn_name_attr: str = ""
    default_conn_name = "default_conn_id"
    # Override if this database does not take a trailing semicolon.
    strip_semicolon = False
    # Override if the driver's connection has an `autocommit` attribute that works.
    supports_autocommit = False
    # Override if the driver's executemany is worth using.
    supports_executemany = False
    _test_connection_sql = "select 1"
    _placeholder: str = "%s"

    def __init__(self, *args: Any, schema: str | None = None, log_sql: bool = True, **kwargs: Any) -> None:
        super().__init__()
        if not self.conn_name_attr:
            raise AirflowException("conn_name_attr is not defined")
        if len(args) == 1:
            setattr(self, self.conn_name_attr, args[0])
        elif self.conn_name_attr not in kwargs:
            setattr(self, self.conn_name_attr, self.default_conn_name)
        else:
            setattr(self, self.conn_name_attr, kwargs[self.conn_name_attr])
        self._schema = schema
        self.log_sql = log_sql
        self.descriptions: list[Sequence[Sequence[Any]] | None] = []
        self._insert_statement_format: str | None = kwargs.get("insert_statement_format")
        self._replace_statement_format: str | None = kwargs.get("replace_statement_format")
        self._escape_word_format: str | None = kwargs.get("escape_word_format")
        self._escape_column_names: bool | None = kwargs.get("escape_column_names")
        self._connection: Connection | None = kwargs.pop("connection", None)

    def get_conn_id(self) -> str:
        return getattr(self, self.conn_name_attr)

    # -------------------------------------------------------------- the connection
    @property
    def connection(self) -> "Connection":
        if self._connection is None:
            self._connection = self.get_connection(self.get_conn_id())
        return self._connection

    @property
    def connection_extra(self) -> dict[str, Any]:
        return self.connection.extra_dejson

    @property
    def connection_extra_lower(self) -> dict[str, Any]:
        """The connection's extra with lower-cased keys."""
        return {key.lower(): value for key, value in self.connection_extra.items()}

    def get_uri(self) -> str:
        """The connection as a URI (with this hook's schema, when it names one)."""
        conn = self.connection
        if self._schema:
            conn.schema = self._schema
        return conn.get_uri()

    @property
    def placeholder(self) -> str:
        """The driver's parameter placeholder: the connection's extra may pick `%s` or `?`."""
        placeholder = self.connection_extra.get("placeholder")
        if placeholder:
            if placeholder in SQL_PLACEHOLDERS:
                return placeholder
            self.log.warning(
                "Placeholder '%s' defined in Connection '%s' is not listed in 'DEFAULT_SQL_PLACEHOLDERS' "
                "and got ignored. Falling back to the default placeholder '%s'.",
                placeholder, self.get_conn_id(), self._placeholder,
            )
        return self._placeholder

    @property
    def insert_statement_format(self) -> str:
        if self._insert_statement_format is None:
            self._insert_statement_format = self.connection_extra.get(
                "insert_statement_format", "INSERT INTO {} {} VALUES ({})"
            )
        return self._insert_statement_format

    @property
    def replace_statement_format(self) -> str:
        if self._replace_statement_format is None:
            self._replace_statement_format = self.connection_extra.get(
                "replace_statement_format", "REPLACE INTO {} {} VALUES ({})"
            )
        return self._replace_statement_format

    @property
    def escape_word_format(self) -> str:
        if self._escape_word_format is None:
            self._escape_word_format = self.connection_extra.get("escape_word_format", '"{}"')
        return self._escape_word_format

    @property
    def escape_column_names(self) -> bool:
        if self._escape_column_names is None:
            self._escape_column_names = bool(self.connection_extra.get("escape_column_names", False))
        return self._escape_column_names

    # -------------------------------------------------------------- queries
    def get_records(self, sql: str | list[str], parameters: Iterable[Any] | Mapping[str, Any] | None = None) -> Any:
        """Every row of the query (of the last one, for a list)."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_all_handler)

    def get_first(self, sql: str | list[str], parameters: Iterable[Any] | Mapping[str, Any] | None = None) -> Any:
        """The first row of the query."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_one_handler)

    @staticmethod
    def strip_sql_string(sql: str) -> str:
        return sql.strip().rstrip(";")

    @staticmethod
    def split_sql_string(sql: str, strip_semicolon: bool = False) -> list[str]:
        return split_sql_string(sql, strip_semicolon=strip_semicolon)

    @property
    def last_description(self) -> Sequence[Sequence[Any]] | None:
        return self.descriptions[-1] if self.descriptions else None

    def run(
        self,
        sql: str | Iterable[str],
        autocommit: bool = False,
        parameters: Iterable[Any] | Mapping[str, Any] | None = None,
        handler: Callable[[Any], T] | None = None,
        split_statements: bool = False,
        return_last: bool = True,
    ) -> Any:
        """Run a statement or a list of them; with a handler, return what it made of each
        (see the module's doc for the shape). Afterwards `descriptions` holds the cursors'
        descriptions."""
        self.descriptions = []
        if isinstance(sql, str):
            if split_statements:
                sql_list: list[str] = self.split_sql_string(sql, strip_semicolon=self.strip_semicolon)
            else:
                sql_list = [sql] if sql.strip() else []
        else:
            sql_list = list(sql)
        if not sql_list:
            raise ValueError("List of SQL statements is empty")
        self.log.debug("Executing following statements against DB: %s", sql_list)

        single = return_single_query_results(sql, return_last, split_statements)
        last_result: Any = None
        last_description: Any = None
        results: list[Any] = []
        with self._create_autocommit_connection(autocommit) as conn:
            with closing(conn.cursor()) as cur:
                for statement in sql_list:
                    self._run_command(cur, statement, parameters)
                    if handler is not None:
                        result = self._make_common_data_structure(handler(cur))
                        if single:
                            last_result, last_description = result, cur.description
                        else:
                            results.append(result)
                            self.descriptions.append(cur.description)
            # Without autocommit (or a driver that has none), commit what ran.
            if not self.get_autocommit(conn):
                conn.commit()
            self.get_db_log_messages(conn)
        if handler is None:
            return None
        if single:
            self.descriptions = [last_description]
            return last_result
        return results

    def _make_common_data_structure(self, result: Any) -> Any:
        """What the handler returned, as tuples or a list of tuples; drivers whose rows are
        something else override this."""
        return result

    def _run_command(self, cur: Any, sql_statement: str, parameters: Any) -> None:
        if self.log_sql:
            self.log.info("Running statement: %s, parameters: %s", sql_statement, parameters)
        if parameters:
            if "psycopg" in type(cur).__module__ and isinstance(parameters, list):
                parameters = tuple(parameters)
            cur.execute(sql_statement, parameters)
        else:
            cur.execute(sql_statement)
        # PEP 249: -1 when a row count does not apply.
        if cur.rowcount >= 0:
            self.log.info("Rows affected: %s", cur.rowcount)

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        if not self.supports_autocommit and autocommit:
            self.log.warning("%s connection doesn't support autocommit but autocommit activated.", self.get_conn_id())
        conn.autocommit = autocommit

    def get_autocommit(self, conn: Any) -> bool:
        return bool(getattr(conn, "autocommit", False)) and self.supports_autocommit

    def get_cursor(self) -> Any:
        return self.get_conn().cursor()

    @contextmanager
    def _create_autocommit_connection(self, autocommit: bool = False) -> Iterator[Any]:
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, autocommit)
            yield conn

    def get_db_log_messages(self, conn: Any) -> None:
        """Log what the database said during the session (hooks that can, override)."""

    def test_connection(self) -> tuple[bool, str]:
        try:
            if self.get_first(self._test_connection_sql):
                return True, "Connection successfully tested"
            return False, ""
        except Exception as err:  # noqa: BLE001 - the message is the answer
            return False, str(err)

    # -------------------------------------------------------------- inserting rows
    _word_needing_quotes = re.compile(r"[^\w]")

    def escape_word(self, word: str) -> str:
        """A column name, quoted when it has characters that need it (or always, with the
        connection extra's `escape_column_names`)."""
        if word != self.escape_word_format.format(self.unescape_word(word)) and (
            self.escape_column_names or self._word_needing_quotes.search(word)
        ):
            return self.escape_word_format.format(word)
        return word

    def unescape_word(self, word: str | None) -> str | None:
        if not word:
            return word
        start, end = self.escape_word_format[0], self.escape_word_format[-1]
        return ".".join(
            part[1:-1] if part.startswith(start) and part.endswith(end) else part for part in word.split(".")
        )

    def _joined_target_fields(self, target_fields: Sequence[str] | None) -> str:
        if target_fields:
            return f"({', '.join(map(self.escape_word, target_fields))})"
        return ""

    def generate_insert_sql(self, table: str, values: Sequence[Any], target_fields: Sequence[str] | None,
                            **kwargs: Any) -> str:
        return self.insert_statement_format.format(
            table, self._joined_target_fields(target_fields), ",".join([self.placeholder] * len(values))
        )

    def generate_replace_sql(self, table: str, values: Sequence[Any], target_fields: Sequence[str] | None,
                             **kwargs: Any) -> str:
        return self.replace_statement_format.format(
            table, self._joined_target_fields(target_fields), ",".join([self.placeholder] * len(values))
        )

    def _generate_insert_sql(self, table: str, values: Sequence[Any], target_fields: Sequence[str] | None = None,
                             replace: bool = False, **kwargs: Any) -> str:
        if replace:
            return self.generate_replace_sql(table, values, target_fields, **kwargs)
        return self.generate_insert_sql(table, values, target_fields, **kwargs)

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
        *,
        executemany: bool = False,
        fast_executemany: bool = False,
        autocommit: bool = False,
        **kwargs: Any,
    ) -> None:
        """Insert rows (tuples) into `table`, committing every `commit_every` rows (0: once).

        :param replace: replace rows with the same key (REPLACE INTO; Postgres: ON CONFLICT
            on `replace_index`, default the primary key)
        :param executemany: send each chunk with one `executemany` call
        """
        nb_rows = 0
        with self._create_autocommit_connection(autocommit) as conn:
            conn.commit()
            with closing(conn.cursor()) as cur:
                if self.supports_executemany or executemany:
                    for chunk in _chunks(rows, commit_every):
                        values = [self._serialize_cells(row, conn) for row in chunk]
                        sql = self._generate_insert_sql(table, values[0], target_fields, replace, **kwargs)
                        self.log.debug("Generated sql: %s", sql)
                        try:
                            cur.executemany(sql, values)
                        except Exception:
                            self.log.error("Generated sql: %s", sql)
                            raise
                        conn.commit()
                        nb_rows += len(chunk)
                        self.log.info("Loaded %s rows into %s so far", nb_rows, table)
                else:
                    for i, row in enumerate(rows, 1):
                        values = self._serialize_cells(row, conn)
                        sql = self._generate_insert_sql(table, values, target_fields, replace, **kwargs)
                        self.log.debug("Generated sql: %s", sql)
                        try:
                            cur.execute(sql, values)
                        except Exception:
                            self.log.error("Generated sql: %s", sql)
                            raise
                        if commit_every and i % commit_every == 0:
                            conn.commit()
                            self.log.info("Loaded %s rows into %s so far", i, table)
                        nb_rows += 1
                    conn.commit()
        self.log.info("Done loading. Loaded a total of %s rows into %s", nb_rows, table)

    @classmethod
    def _serialize_cells(cls, row: Sequence[Any], conn: Any = None) -> tuple[Any, ...]:
        return tuple(cls._serialize_cell(cell, conn) for cell in row)

    @staticmethod
    def _serialize_cell(cell: Any, conn: Any = None) -> Any:
        """A cell as the SQL literal's text (Airflow's generic rule; drivers that adapt
        values themselves override this)."""
        if cell is None:
            return None
        if isinstance(cell, datetime):
            return cell.isoformat()
        return str(cell)

    def bulk_dump(self, table: str, tmp_file: str) -> None:
        raise NotImplementedError()

    def bulk_load(self, table: str, tmp_file: str) -> None:
        raise NotImplementedError()


__all__ = [
    "DbApiHook",
    "fetch_all_handler",
    "fetch_one_handler",
    "return_single_query_results",
    "split_sql_string",
]

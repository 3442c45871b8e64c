"""PostgresHook: PostgreSQL through psycopg 3 (`apache-airflow-providers-postgres`).

The connection's host, port, login, password and schema (the database) are libpq's; every
key of its extra is passed to libpq as well (`sslmode`, `sslrootcert`, `connect_timeout`,
`application_name`, `options`, …), except the keys Airflow's hook keeps for itself: `cursor`
(`dictcursor` or `namedtuplecursor`, the rows' shape) and the IAM and SQLAlchemy settings,
which Updraft does not support."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, urlencode

from updraft.exceptions import AirflowException
from updraft.hooks.optional import require
from updraft.hooks.sql import DbApiHook


class PostgresHook(DbApiHook):
    """Interact with PostgreSQL.

    :param postgres_conn_id: the connection id (default `postgres_default`)
    :param database: a database to use instead of the connection's schema
    :param options: command-line options sent to the server at connection start
        (e.g. `-c search_path=myschema`)
    :param enable_log_db_messages: log the server's notices (RAISE NOTICE …) in the task log
    """

    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "Postgres"
    supports_autocommit = True
    supports_executemany = True
    ignored_extra_options = {
        "iam",
        "redshift",
        "redshift-serverless",
        "cursor",
        "cluster-identifier",
        "workgroup-name",
        "aws_conn_id",
        "sqlalchemy_scheme",
        "sqlalchemy_query",
    }

    def __init__(self, *args: Any, options: str | None = None, enable_log_db_messages: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn: Any = None
        self.database: str | None = kwargs.pop("database", None)
        self.options = options
        self.enable_log_db_messages = enable_log_db_messages

    def _row_factory(self, raw_cursor: str) -> Any:
        rows = require("psycopg.rows", "PostgresHook")
        cursor = raw_cursor.lower()
        if cursor == "dictcursor":
            return rows.dict_row
        if cursor == "namedtuplecursor":
            return rows.namedtuple_row
        if cursor == "realdictcursor":
            raise AirflowException("realdictcursor is not supported with psycopg3. Use dictcursor instead.")
        raise ValueError(f"Invalid cursor passed {cursor}. Valid options are: dictcursor, namedtuplecursor")

    def connect_args(self) -> dict[str, Any]:
        """What `get_conn` hands psycopg: the connection's fields and its extra."""
        conn = self.connection
        extra = conn.extra_dejson
        if extra.get("iam"):
            raise AirflowException(
                f"Connection {self.get_conn_id()!r} asks for IAM authentication (extra 'iam'), which "
                "Updraft's PostgresHook does not support: give the connection a password."
            )
        args: dict[str, Any] = {
            "host": conn.host,
            "user": conn.login,
            "password": conn.password,
            "dbname": self.database or self._schema or conn.schema,
            "port": conn.port,
        }
        if self.options:
            args["options"] = self.options
        for name, value in extra.items():
            if name not in self.ignored_extra_options:
                args[name] = value
        return {name: value for name, value in args.items() if value is not None and value != ""}

    def get_conn(self) -> Any:
        """A new psycopg connection."""
        psycopg = require("psycopg", "PostgresHook")
        args = self.connect_args()
        raw_cursor = self.connection.extra_dejson.get("cursor")
        if raw_cursor:
            args["row_factory"] = self._row_factory(raw_cursor)
        self.conn = psycopg.connect(**args)
        if self.enable_log_db_messages:
            self.conn.add_notice_handler(self._notice_handler)
        return self.conn

    def _notice_handler(self, notice: Any) -> None:
        self.log.info(str(notice.message_primary).strip())

    def get_uri(self) -> str:
        """The connection as a `postgresql://` URI (libpq's form)."""
        conn = self.connection
        auth = ""
        if conn.login:
            auth = quote(conn.login, safe="")
            if conn.password:
                auth += ":" + quote(conn.password, safe="")
            auth += "@"
        host = conn.host or ""
        port = f":{conn.port}" if conn.port else ""
        database = quote(self.database or self._schema or conn.schema or "", safe="")
        query = self.connection_extra.get("sqlalchemy_query") or {}
        return f"postgresql://{auth}{host}{port}/{database}" + (f"?{urlencode(query)}" if query else "")

    @property
    def dialect_name(self) -> str:
        return "postgresql"

    def get_db_log_messages(self, conn: Any) -> None:
        """psycopg 3 hands notices to the handler as they come (see `enable_log_db_messages`)."""

    # -------------------------------------------------------------- COPY
    def copy_expert(self, sql: str, filename: str) -> None:
        """Run a `COPY … FROM STDIN` (from `filename`) or `COPY … TO STDOUT` (into it); no
        superuser needed. A missing input file is created empty, as in Airflow."""
        self.log.info("Running copy expert: %s, filename: %s", sql, filename)
        if " from stdin" in sql.lower():
            if not os.path.isfile(filename):
                with open(filename, "w"):
                    pass
            with open(filename, "rb") as file, self.get_conn() as conn, conn.cursor() as cur:
                with cur.copy(sql) as copy:
                    while data := file.read(8192):
                        copy.write(data)
                conn.commit()
        else:
            with open(filename, "wb") as file, self.get_conn() as conn, conn.cursor() as cur:
                with cur.copy(sql) as copy:
                    for data in copy:
                        file.write(data)
                conn.commit()

    def bulk_load(self, table: str, tmp_file: str) -> None:
        """Load a tab-delimited file into a table."""
        self.copy_expert(f"COPY {table} FROM STDIN", tmp_file)

    def bulk_dump(self, table: str, tmp_file: str) -> None:
        """Dump a table into a tab-delimited file."""
        self.copy_expert(f"COPY {table} TO STDOUT", tmp_file)

    # -------------------------------------------------------------- inserting rows
    @staticmethod
    def _serialize_cell(cell: Any, conn: Any = None) -> Any:
        """psycopg adapts values itself; dicts and lists go as JSON."""
        if isinstance(cell, (dict, list)):
            return require("psycopg.types.json", "PostgresHook").Json(cell)
        return cell

    def get_table_primary_key(self, table: str, schema: str | None = "public") -> list[str] | None:
        """The table's primary key columns, in order."""
        if schema is None and "." in table:
            schema, table = table.split(".", 1)
        rows = self.get_records(
            """
            select kcu.column_name
            from information_schema.table_constraints tco
                     join information_schema.key_column_usage kcu
                          on kcu.constraint_name = tco.constraint_name
                              and kcu.constraint_schema = tco.constraint_schema
            where tco.constraint_type = 'PRIMARY KEY'
              and kcu.table_schema = %s
              and kcu.table_name = %s
            order by kcu.ordinal_position
            """,
            (self.unescape_word(schema or "public"), self.unescape_word(table)),
        )
        return [row[0] for row in rows] or None

    def generate_replace_sql(self, table: str, values: Any, target_fields: Any, **kwargs: Any) -> str:
        """INSERT … ON CONFLICT (replace_index) DO UPDATE SET …: PostgreSQL's upsert."""
        if not target_fields:
            raise ValueError("PostgreSQL ON CONFLICT upsert syntax requires column names")
        replace_index = kwargs.get("replace_index") or self.get_table_primary_key(table, schema=None)
        if not replace_index:
            raise ValueError("PostgreSQL ON CONFLICT upsert syntax requires an unique index")
        if isinstance(replace_index, str):
            replace_index = [replace_index]
        sql = self.generate_insert_sql(table, values, target_fields, **kwargs)
        on_conflict = f" ON CONFLICT ({', '.join(map(self.escape_word, replace_index))})"
        replace_target = [self.escape_word(f) for f in target_fields if f not in replace_index]
        if replace_target:
            return sql + f"{on_conflict} DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in replace_target)
        return sql + f"{on_conflict} DO NOTHING"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {"hidden_fields": [], "relabeling": {"schema": "Database"}}

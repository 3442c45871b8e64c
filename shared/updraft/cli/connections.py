"""`updraft connections …`: Airflow 3's verbs for the stack's connections (add, get, list,
delete, import, export), kept in the stack's Parameter Store as Airflow's JSON.

`get` and `list` show a password, and the extra's sensitive values, as `***` unless
`--show-values` is given. Import and export read and write Airflow's files
(`airflow connections export conns.json` → `updraft connections import conns.json`):
`{"conn_id": {"conn_type": …, "host": …, "extra": …}}` or `{"conn_id": "URI"}`, and `.env`
lines `conn_id=URI` (or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from updraft.authoring.connection import Connection
from updraft.cli.output import print_rows
from updraft.cli.variables import SENSITIVE_PLACEHOLDER, _yaml, store_errors
from updraft.exceptions import AirflowException

# Airflow's alternative_conn_specs: the per-field flags that --conn-uri and --conn-json exclude.
ALTERNATIVE_CONN_SPECS = ("conn_type", "conn_host", "conn_login", "conn_password", "conn_schema", "conn_port")


def register(sub: Any) -> None:
    connections = sub.add_parser("connections", help="Manage connections").add_subparsers(
        dest="connections_command", metavar="VERB", required=True
    )

    def with_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--stack", help="A deployed stack's name (default: the running local stack)")
        return p

    def with_output(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("-o", "--output", choices=["table", "json", "yaml", "plain"], default="table")
        p.add_argument("--show-values", action="store_true",
                       help="Show passwords and the extra's sensitive values in clear (*** otherwise)")
        return p

    p = with_output(with_stack(connections.add_parser("get", help="Get a connection")))
    p.add_argument("conn_id", help="Connection id, required to get/add/delete a connection")
    p.set_defaults(func=cmd_get)

    p = with_output(with_stack(connections.add_parser("list", help="List connections")))
    p.add_argument("--conn-id", help="If passed, only items with the specified connection ID will be displayed")
    p.set_defaults(func=cmd_list)

    p = with_stack(connections.add_parser("add", help="Add a connection"))
    p.add_argument("conn_id", help="Connection id, required to get/add/delete a connection")
    p.add_argument("--conn-uri", help="Connection URI, required to add a connection without conn_type")
    p.add_argument("--conn-json", help="Connection JSON, required to add a connection using JSON representation")
    p.add_argument("--conn-extra", help="Connection `Extra` field, optional when adding a connection")
    p.add_argument("--conn-type", help="Connection type, required to add a connection without conn_uri")
    p.add_argument("--conn-description", help="Connection description, optional when adding a connection")
    p.add_argument("--conn-host", help="Connection host, optional when adding a connection")
    p.add_argument("--conn-login", help="Connection login, optional when adding a connection")
    p.add_argument("--conn-password", help="Connection password, optional when adding a connection")
    p.add_argument("--conn-schema", help="Connection schema, optional when adding a connection")
    p.add_argument("--conn-port", help="Connection port, optional when adding a connection")
    p.set_defaults(func=cmd_add)

    p = with_stack(connections.add_parser("delete", help="Delete a connection"))
    p.add_argument("conn_id", help="Connection id, required to get/add/delete a connection")
    p.set_defaults(func=cmd_delete)

    p = with_stack(connections.add_parser("export", help="Export all connections"))
    p.add_argument("file", help="Output file path for exporting the connections ('-' for standard output)")
    p.add_argument("--file-format", choices=["json", "yaml", "env"], help="File format for the export")
    p.add_argument("--format", choices=["json", "yaml", "env"],
                   help="Deprecated -- use `--file-format` instead. File format to use for the export.")
    p.add_argument("--serialization-format", choices=["json", "uri"],
                   help="When exporting as `.env` format, defines how connections should be serialized. Default is `uri`.")
    p.set_defaults(func=cmd_export)

    p = with_stack(connections.add_parser("import", help="Import connections from a file"))
    p.add_argument("file", help="Import connections from a file (.json, .env, .yaml or .yml)")
    p.add_argument("--overwrite", action="store_true", help="Overwrite existing entries if a conflict occurs")
    p.set_defaults(func=cmd_import)


def _store(args: argparse.Namespace) -> Any:
    from updraft.cli.target import connect

    return connect(args.stack).secrets


def _all(store: Any) -> dict[str, Connection]:
    from updraft.store.secrets import CONNECTIONS

    with store_errors():
        stored = store.list(CONNECTIONS)
    return {conn_id: _parse(conn_id, text) for conn_id, text in stored.items()}


def _parse(conn_id: str, text: str) -> Connection:
    try:
        return Connection.parse(text, conn_id=conn_id)
    except (ValueError, AirflowException) as err:
        raise AirflowException(f"Connection {conn_id} in the store cannot be read: {err}") from None


# ------------------------------------------------------------------ showing
def display_row(conn: Connection, show_values: bool = False) -> dict[str, Any]:
    """Airflow's columns for one connection; the password and the extra's sensitive values
    shown as *** (in the URI too) unless `show_values`."""
    from updraft.execution.masking import SecretsMasker

    extra = conn.extra_dejson
    shown = conn
    if not show_values:
        extra = SecretsMasker().redact(extra)
        shown = Connection(
            conn_id=conn.conn_id, conn_type=conn.conn_type, description=conn.description, host=conn.host,
            login=conn.login, password=SENSITIVE_PLACEHOLDER if conn.password else conn.password,
            schema=conn.schema, port=conn.port, extra=json.dumps(extra) if conn.extra else None,
        )
    return {
        "conn_id": conn.conn_id,
        "conn_type": conn.conn_type,
        "description": conn.description,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "password": shown.password,
        "port": conn.port,
        "extra_dejson": extra,
        # The URI quotes `*`: show the placeholder as written.
        "get_uri": shown.get_uri() if show_values else shown.get_uri().replace("%2A%2A%2A", SENSITIVE_PLACEHOLDER),
    }


def cmd_get(args: argparse.Namespace) -> int:
    from updraft.store.secrets import CONNECTIONS

    with store_errors():
        text = _store(args).get(CONNECTIONS, args.conn_id)
    if text is None:
        raise AirflowException(f"Connection {args.conn_id} not found.")
    print_rows([display_row(_parse(args.conn_id, text), args.show_values)], args.output)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    conns = _all(_store(args))
    rows = [
        display_row(conn, args.show_values)
        for conn_id, conn in conns.items()
        if args.conn_id is None or conn_id == args.conn_id
    ]
    print_rows(rows, args.output)
    return 0


# ------------------------------------------------------------------ changing
def connection_from_args(args: argparse.Namespace) -> Connection:
    """The connection `add` describes, checked as Airflow's `connections add` checks it."""
    has_uri, has_json, has_type = bool(args.conn_uri), bool(args.conn_json), bool(args.conn_type)
    if not has_type and not (has_json or has_uri):
        raise AirflowException("Must supply either conn-uri or conn-json if not supplying conn-type")
    if has_json and has_uri:
        raise AirflowException("Cannot supply both conn-uri and conn-json")
    if has_uri or has_json:
        invalid = [name for name in ALTERNATIVE_CONN_SPECS if getattr(args, name) is not None]
        if has_json and args.conn_extra:
            invalid.append("--conn-extra")
        if invalid:
            raise AirflowException(
                f"The following args are not compatible with the --conn-{'uri' if has_uri else 'json'} flag: {invalid!r}"
            )
    try:
        if has_uri:
            if "://" not in args.conn_uri or args.conn_uri.startswith("://"):
                raise AirflowException(f"The URI provided to --conn-uri is invalid: {args.conn_uri}")
            conn = Connection(conn_id=args.conn_id, description=args.conn_description, uri=args.conn_uri)
        elif has_json:
            conn = Connection.from_json(args.conn_json, conn_id=args.conn_id)
            if not conn.conn_type:
                raise AirflowException("conn-json is invalid; must supply conn-type")
        else:
            conn = Connection.from_fields(
                {
                    "conn_type": args.conn_type, "description": args.conn_description, "host": args.conn_host,
                    "login": args.conn_login, "password": args.conn_password, "schema": args.conn_schema,
                    "port": args.conn_port,
                },
                conn_id=args.conn_id,
            )
    except json.JSONDecodeError as err:
        raise AirflowException(f"--conn-json is not valid JSON: {err}") from None
    except ValueError as err:
        raise AirflowException(f"Could not create connection. {err}") from None
    if args.conn_extra is not None and not has_json:
        _check_extra(args.conn_extra, args.conn_id)
        conn.extra = args.conn_extra
    return conn


def _check_extra(extra: str, conn_id: str) -> None:
    try:
        parsed = json.loads(extra)
    except json.JSONDecodeError:
        raise AirflowException(f"Encountered non-JSON in `extra` field for connection {conn_id!r}.") from None
    if not isinstance(parsed, dict):
        raise AirflowException(
            f"Encountered JSON value in `extra` which does not parse as a dictionary in connection {conn_id!r}. "
            "The `extra` field must contain a JSON representation of a Python dict."
        )


def cmd_add(args: argparse.Namespace) -> int:
    from updraft.store.secrets import CONNECTIONS, validate_key

    with store_errors():
        validate_key(CONNECTIONS, args.conn_id)
    conn = connection_from_args(args)
    store = _store(args)
    with store_errors():
        if store.get(CONNECTIONS, args.conn_id) is not None:
            raise AirflowException(f"A connection with `conn_id`={args.conn_id} already exists.")
        store.put(CONNECTIONS, args.conn_id, conn.as_json())
    print(f"Successfully added `conn_id`={args.conn_id}")
    row = display_row(conn)
    print_rows([{key: row[key] for key in ("conn_id", "conn_type", "host", "login", "port")}
                | {"extra": row["extra_dejson"]}], "table")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from updraft.store.secrets import CONNECTIONS

    with store_errors():
        deleted = _store(args).delete(CONNECTIONS, args.conn_id)
    if not deleted:
        raise AirflowException(f"Did not find a connection with `conn_id`={args.conn_id}")
    print(f"Successfully deleted connection with `conn_id`={args.conn_id}")
    return 0


# ------------------------------------------------------------------ files
def _exported(conn: Connection) -> dict[str, Any]:
    """Airflow's export entry: every field, the extra as its JSON text."""
    return {
        "conn_type": conn.conn_type, "description": conn.description, "login": conn.login,
        "password": conn.password, "host": conn.host, "port": conn.port, "schema": conn.schema,
        "extra": conn.extra,
    }


def format_connections(conns: dict[str, Connection], file_format: str, serialization_format: str = "uri") -> str:
    if file_format == "env":
        def serialize(conn: Connection) -> str:
            return json.dumps(_exported(conn)) if serialization_format == "json" else conn.get_uri()

        return "".join(f"{conn_id}={serialize(conn)}\n" for conn_id, conn in conns.items())
    document = {conn_id: _exported(conn) for conn_id, conn in conns.items()}
    if file_format == "yaml":
        try:
            import yaml
        except ImportError:
            raise AirflowException("Writing YAML needs PyYAML (pip install pyyaml), or export as json") from None
        return yaml.safe_dump(document, sort_keys=False)
    return json.dumps(document, indent=2)


def cmd_export(args: argparse.Namespace) -> int:
    if args.format and args.file_format:
        raise AirflowException("Option `--format` is deprecated.  Use `--file-format` instead.")
    chosen = args.file_format or args.format
    to_stdout = args.file == "-"
    if chosen:
        file_format = chosen
    elif to_stdout:
        file_format = "json"
    else:
        suffix = Path(args.file).suffix.lower().lstrip(".")
        file_format = {"yml": "yaml"}.get(suffix, suffix)
        if file_format not in {"json", "yaml", "env"}:
            raise AirflowException("Unsupported file format. The file must have the extension .yaml, .json, .env.")
    if args.serialization_format and file_format != "env":
        raise AirflowException("Option `--serialization-format` may only be used with file type `env`.")
    conns = _all(_store(args))
    text = format_connections(conns, file_format, args.serialization_format or "uri")
    if to_stdout:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        print(f"\n{len(conns)} Connections successfully exported.", file=sys.stderr)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"{len(conns)} Connections successfully exported to {args.file}.")
    return 0


def load_connections_file(path: Path) -> dict[str, Connection]:
    """Airflow's connection files: a JSON or YAML mapping of conn_id to a URI or to fields,
    or `.env` lines `conn_id=URI` (or JSON)."""
    if not path.exists():
        raise AirflowException("Missing connections file.")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".env":
        entries: dict[str, Any] = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            conn_id, sep, value = line.partition("=")
            if not sep:
                raise AirflowException(f"Invalid line {number} in {path}: expected CONN_ID=URI")
            entries.setdefault(conn_id.strip(), []).append(value.strip())
    elif suffix in {".yaml", ".yml"}:
        entries = _yaml(text, path)
    elif suffix == ".json":
        try:
            entries = json.loads(text)
        except json.JSONDecodeError as err:
            raise AirflowException(f"Failed to load connections file {path}: {err}") from None
    else:
        raise AirflowException(f"Unsupported file format: {path}. The file must have the extension .env, .json, .yaml or .yml.")
    if not isinstance(entries, dict):
        raise AirflowException(f"Failed to load connections file {path}: the file must map conn_id to a connection")
    return {conn_id: _connection_entry(conn_id, value) for conn_id, value in entries.items()}


def _connection_entry(conn_id: str, value: Any) -> Connection:
    if isinstance(value, list):
        if len(value) != 1:
            raise AirflowException(f"The connection {conn_id} is defined {len(value)} times; one is allowed.")
        value = value[0]
    try:
        if isinstance(value, str):
            return Connection.parse(value, conn_id=conn_id)
        if isinstance(value, dict):
            fields = dict(value)
            if "extra_dejson" in fields:
                if "extra" in fields:
                    raise AirflowException(
                        f"The extra and extra_dejson parameters are mutually exclusive. Please provide only one "
                        f"parameter (connection {conn_id})."
                    )
                fields["extra"] = fields.pop("extra_dejson")
            return Connection.from_fields(fields, conn_id=conn_id)
    except (ValueError, AirflowException) as err:
        raise AirflowException(f"Connection {conn_id} in the file is invalid: {err}") from None
    raise AirflowException(f"Connection {conn_id} in the file must be a URI or an object of fields")


def cmd_import(args: argparse.Namespace) -> int:
    from updraft.store.secrets import CONNECTIONS, SecretStoreError, validate_key

    conns = load_connections_file(Path(args.file))
    store = _store(args)
    with store_errors():
        existing = set(store.list(CONNECTIONS))
    failed = 0
    for conn_id, conn in conns.items():
        try:
            validate_key(CONNECTIONS, conn_id)
        except SecretStoreError as err:
            print(f"Could not import connection. {err}")
            failed += 1
            continue
        if conn_id in existing and not args.overwrite:
            print(f"Could not import connection {conn_id}: connection already exists.")
            continue
        try:
            with store_errors():
                store.put(CONNECTIONS, conn_id, conn.as_json())
        except AirflowException as err:
            print(f"Could not import connection {conn_id}: {err}")
            failed += 1
            continue
        print(f"Imported connection {conn_id}")
    return 1 if failed else 0

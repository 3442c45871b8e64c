"""`updraft variables …`: Airflow 3's verbs for the stack's variables (get, set, delete, list,
import, export), kept in the stack's Parameter Store.

Import and export use Airflow's JSON file format, `{"key": value}` or
`{"key": {"value": value, "description": "…"}}`, where a value that is not text is stored as
JSON, so a team moves its variables from Airflow with `airflow variables export` and
`updraft variables import`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from updraft.cli.output import print_rows
from updraft.exceptions import AirflowException

SENSITIVE_PLACEHOLDER = "***"


def register(sub: Any) -> None:
    variables = sub.add_parser("variables", help="Manage variables").add_subparsers(
        dest="variables_command", metavar="VERB", required=True
    )

    def with_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--stack", help="A deployed stack's name (default: the running local stack)")
        return p

    p = with_stack(variables.add_parser("get", help="Get variable"))
    p.add_argument("key", help="Variable key")
    p.add_argument("-d", "--default", metavar="VAL", default=None, help="Default value returned if variable does not exist")
    p.add_argument("-j", "--json", action="store_true", help="Deserialize JSON variable")
    p.set_defaults(func=cmd_get)

    p = with_stack(variables.add_parser("set", help="Set variable"))
    p.add_argument("key", help="Variable key")
    p.add_argument("value", metavar="VALUE", help="Variable value")
    p.add_argument("--description", default=None, help="Variable description, optional when setting a variable")
    p.add_argument("-j", "--json", action="store_true", help="Serialize JSON variable")
    p.set_defaults(func=cmd_set)

    p = with_stack(variables.add_parser("delete", help="Delete variable"))
    p.add_argument("key", help="Variable key")
    p.set_defaults(func=cmd_delete)

    p = with_stack(variables.add_parser("list", help="List variables"))
    p.add_argument("-o", "--output", choices=["table", "json", "yaml", "plain"], default="table")
    p.add_argument("--show-values", action="store_true",
                   help="Show every value in clear (values of sensitive keys are *** otherwise)")
    p.add_argument("--hide-sensitive", action="store_true", help="Show every value as ***")
    p.set_defaults(func=cmd_list)

    p = with_stack(variables.add_parser("import", help="Import variables from a JSON (or .env, .yaml) file"))
    p.add_argument("file", help="Import variables from a .json, .env, .yaml or .yml file")
    p.add_argument("-a", "--action-on-existing-key", default="overwrite", choices=("overwrite", "fail", "skip"),
                   help="Action to take if we encounter a variable key that already exists.")
    p.set_defaults(func=cmd_import)

    p = with_stack(variables.add_parser("export", help="Export all variables to a JSON file"))
    p.add_argument("file", help="Export all variables to JSON file ('-' for standard output)")
    p.set_defaults(func=cmd_export)


@contextmanager
def store_errors() -> Iterator[None]:
    """Parameter Store's refusals, as the CLI's one-line errors."""
    from updraft.store.secrets import SecretStoreError

    try:
        yield
    except SecretStoreError as err:
        raise AirflowException(str(err)) from None


def _store(args: argparse.Namespace) -> Any:
    from updraft.cli.target import connect

    return connect(args.stack).secrets


def cmd_get(args: argparse.Namespace) -> int:
    from updraft.store.secrets import VARIABLES

    with store_errors():
        value = _store(args).get(VARIABLES, args.key)
    if value is None:
        if args.default is None:
            raise AirflowException(f"Variable {args.key} does not exist")
        value = args.default
    elif args.json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except json.JSONDecodeError as err:
            raise AirflowException(f"Variable {args.key} is not JSON: {err}") from None
    print(value)
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from updraft.store.secrets import VARIABLES

    value = args.value
    if args.json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except json.JSONDecodeError as err:
            raise AirflowException(f"VALUE is not valid JSON: {err}") from None
    with store_errors():
        _store(args).put(VARIABLES, args.key, value, args.description)
    print(f"Variable {args.key} created")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from updraft.store.secrets import VARIABLES

    with store_errors():
        deleted = _store(args).delete(VARIABLES, args.key)
    if not deleted:
        raise AirflowException(f"Variable {args.key} does not exist")
    print(f"Variable {args.key} deleted")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from updraft.execution.masking import should_hide_value_for_key
    from updraft.store.secrets import VARIABLES

    store = _store(args)
    with store_errors():
        values = store.list(VARIABLES)
        descriptions = store.descriptions(VARIABLES) if values else {}

    def shown(key: str, value: str) -> str:
        if args.hide_sensitive or (not args.show_values and should_hide_value_for_key(key)):
            return SENSITIVE_PLACEHOLDER
        return value

    rows = [{"key": key, "val": shown(key, value), "description": descriptions.get(key)} for key, value in values.items()]
    print_rows(rows, args.output)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from updraft.store.secrets import VARIABLES

    variables = load_variables_file(Path(args.file))
    store = _store(args)
    with store_errors():
        existing = set(store.list(VARIABLES)) & set(variables) if args.action_on_existing_key != "overwrite" else set()
    if args.action_on_existing_key == "fail" and existing:
        raise AirflowException(f"Failed. These keys: {sorted(existing)} already exists.")
    succeeded = failed = 0
    skipped = []
    for key, entry in variables.items():
        if key in existing:
            skipped.append(key)
            continue
        value, description = entry, None
        if isinstance(entry, dict) and "value" in entry:
            value, description = entry["value"], entry.get("description")
        text = value if isinstance(value, str) else json.dumps(value, indent=2)
        try:
            with store_errors():
                store.put(VARIABLES, key, text, description)
        except AirflowException as err:
            print(f"Variable import failed: {err}")
            failed += 1
        else:
            succeeded += 1
    print(f"{succeeded} of {len(variables)} variables successfully updated.")
    if failed:
        print(f"{failed} variable(s) failed to be updated.")
    if skipped:
        print(f"The variables with these keys: {sorted(skipped)} were skipped because they already exists")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from updraft.store.secrets import VARIABLES

    store = _store(args)
    with store_errors():
        values = store.list(VARIABLES)
        descriptions = store.descriptions(VARIABLES) if values else {}
    document = {key: _exported(text, descriptions.get(key)) for key, text in values.items()}
    text = json.dumps(document, sort_keys=True, indent=4)
    if args.file == "-":
        sys.stdout.write(text + "\n")
        print(f"\n{len(document)} Variables successfully exported.", file=sys.stderr)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"{len(document)} Variables successfully exported to {args.file}.")
    return 0


def _exported(text: str, description: str | None) -> Any:
    """Airflow's export form: JSON values as JSON, text as text; a dict when described (or
    when the value itself is a dict with a "value" key, which import would unwrap)."""
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError:
        value = text
    else:
        if isinstance(value, str):
            value = text
    if description or (isinstance(value, dict) and "value" in value):
        return {"value": value, "description": description}
    return value


def load_variables_file(path: Path) -> dict[str, Any]:
    """Airflow's variable files: JSON object, `.env` lines (`KEY=value`) or YAML mapping."""
    if not path.exists():
        raise AirflowException("Missing variables file.")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".env":
        return _env_lines(text, path)
    if suffix in {".yaml", ".yml"}:
        document = _yaml(text, path)
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            raise AirflowException(f"Failed to load variables file {path}: {err}") from None
    if not isinstance(document, dict):
        raise AirflowException(f"Failed to load variables file {path}: the file must hold one object of key: value")
    return document


def _env_lines(text: str, path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise AirflowException(f"Invalid line {number} in {path}: expected KEY=VALUE")
        if key.strip() in out:
            raise AirflowException(f"The variable {key.strip()} is set more than once in {path}")
        out[key.strip()] = value.strip()
    return out


def _yaml(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise AirflowException("Reading YAML needs PyYAML (pip install pyyaml), or use a .json file") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise AirflowException(f"Failed to load {path}: {err}") from None

"""`updraft users …`: the people who may use the REST API (and the UI), as Airflow's
`airflow users` verbs: create, list, delete, reset-password.

A user has one of Airflow's simple auth manager roles — viewer, user, op, admin — and a
password, kept as a salted scrypt hash in the stack's table (never the password itself). The
verbs talk to the running local stack, or to a deployed one with --stack NAME."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from updraft.cli.output import print_rows
from updraft.cli.parsing import examples
from updraft.exceptions import AirflowException

ROLES = ("viewer", "user", "op", "admin")
MIN_PASSWORD_LENGTH = 8


def register(sub: Any) -> None:
    users = sub.add_parser(
        "users", help="Manage the users of the REST API",
        description="Create, list and delete the users who may log in to the REST API, each with a role: "
                    "viewer (reads), user (also triggers, clears and pauses), op (also variables and "
                    "connections) or admin (everything).",
    ).add_subparsers(dest="users_command", metavar="VERB", required=True)

    def with_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--stack", help="A deployed stack's name (default: the running local stack)")
        return p

    p = with_stack(users.add_parser(
        "create", help="Create a user",
        epilog=examples(
            "updraft users create --username ana --role op              # asks for the password",
            "updraft users create -u ci --role user --use-random-password",
        ),
    ))
    p.add_argument("-u", "--username", required=True, help="Username of the user")
    p.add_argument("-r", "--role", required=True, type=str.lower, choices=ROLES, help="Role of the user")
    password = p.add_mutually_exclusive_group()
    password.add_argument("-p", "--password", help="Password of the user (asked for when left out)")
    password.add_argument("--use-random-password", action="store_true",
                          help="Make a random password and print it once")
    p.set_defaults(func=cmd_create)

    p = with_stack(users.add_parser("list", help="List users"))
    p.add_argument("-o", "--output", choices=["table", "json", "yaml", "plain"], default="table")
    p.set_defaults(func=cmd_list)

    p = with_stack(users.add_parser("delete", help="Delete a user; their tokens stop working at once"))
    p.add_argument("-u", "--username", required=True, help="Username of the user")
    p.set_defaults(func=cmd_delete)

    p = with_stack(users.add_parser("reset-password", help="Set a user's password"))
    p.add_argument("-u", "--username", required=True, help="Username of the user")
    password = p.add_mutually_exclusive_group()
    password.add_argument("-p", "--password", help="The new password (asked for when left out)")
    password.add_argument("--use-random-password", action="store_true",
                          help="Make a random password and print it once")
    p.set_defaults(func=cmd_reset_password)


def _users(args: argparse.Namespace) -> Any:
    from updraft.cli.target import connect
    from updraft.store.users import UserStore

    return UserStore(connect(args.stack).table)


def cmd_create(args: argparse.Namespace) -> int:
    from updraft.api.passwords import hash_password
    from updraft.store.users import UserExists
    from updraft.timeutil import iso, utcnow

    store = _users(args)
    password, generated = _password(args)
    try:
        store.create(args.username, args.role, hash_password(password), iso(utcnow()) or "")
    except UserExists:
        raise AirflowException(f"User {args.username} already exists") from None
    print(f"User {args.username} created with role {args.role}")
    if generated:
        print(f"Password: {password}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = [{"username": u["username"], "role": u["role"], "created_at": u.get("created_at")}
            for u in _users(args).list()]
    print_rows(rows, args.output)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    if not _users(args).delete(args.username):
        raise AirflowException(f"User {args.username} does not exist")
    print(f"User {args.username} deleted")
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    from updraft.api.passwords import hash_password

    store = _users(args)
    if store.get(args.username) is None:
        raise AirflowException(f"User {args.username} does not exist")
    password, generated = _password(args)
    store.set_password(args.username, hash_password(password))
    print(f"Password of {args.username} changed")
    if generated:
        print(f"Password: {password}")
    return 0


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, whether it was generated): given, random, or asked for twice on a terminal."""
    from updraft.api.passwords import generate_password

    if args.use_random_password:
        return generate_password(), True
    password = args.password
    if password is None:
        if not sys.stdin.isatty():
            raise AirflowException("No password given: pass --password or --use-random-password, or run "
                                   "on a terminal to be asked for one")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat for confirmation: ") != password:
            raise AirflowException("Passwords did not match")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AirflowException(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password, False


def ensure_admin(services: Any, password_file: Any) -> tuple[str, str] | None:
    """The local stack's first user, as `airflow standalone` makes one: `admin`, with a random
    password kept in `password_file` (so it stays the same from one start to the next).
    Returns (username, password), or None when the stack has users already."""
    from updraft.api.passwords import generate_password, hash_password
    from updraft.store.users import UserExists, UserStore
    from updraft.timeutil import iso, utcnow

    store = UserStore(services.table)
    if store.list():
        return None
    password = password_file.read_text().strip() if password_file.exists() else ""
    if not password:
        password = generate_password()
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n")
    try:
        store.create("admin", "admin", hash_password(password), iso(utcnow()) or "")
    except UserExists:
        return None
    return "admin", password

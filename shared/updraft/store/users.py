"""The API's users: one item each in the table, `USER` / `<username>`.

An item holds the user's role (viewer, user, op or admin: Airflow's simple auth manager roles)
and a salted, slow hash of the password (`updraft.api.passwords`), never the password. Access
patterns: `GetItem` on every authenticated request and at login, `Query pk=USER` to list,
a conditional `PutItem` to create (a username is taken once), `DeleteItem`."""

from __future__ import annotations

from typing import Any

from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Condition, Table, Update


class UserExists(Exception):
    """A user with this name exists already."""


class UserStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, username: str) -> dict[str, Any] | None:
        return self.table.get(keys.user_key(username), consistent=True)

    def list(self) -> list[dict[str, Any]]:
        """Every user, by name (the password hash left out)."""
        return [
            {k: v for k, v in item.items() if k not in ("pk", "sk", "password_hash")}
            for item in self.table.query_all(keys.USER_PK, consistent=True)
        ]

    def create(self, username: str, role: str, password_hash: str, created_at: str) -> None:
        """Add the user; UserExists when the name is taken."""
        item = {**keys.user_key(username), "kind": "user", "username": username, "role": role,
                "password_hash": password_hash, "created_at": created_at}
        try:
            self.table.put_new(item)
        except ConditionFailed:
            raise UserExists(f"User {username!r} already exists") from None

    def set_password(self, username: str, password_hash: str) -> bool:
        """False when there is no such user."""
        try:
            self.table.update(keys.user_key(username), Update(set={"password_hash": password_hash}),
                              condition=Condition("attribute_exists(pk)"))
        except ConditionFailed:
            return False
        return True

    def delete(self, username: str) -> bool:
        """False when there was no such user."""
        try:
            self.table.delete(keys.user_key(username), condition=Condition("attribute_exists(pk)"))
        except ConditionFailed:
            return False
        return True

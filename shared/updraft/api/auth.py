"""Who is calling, and whether they may: Airflow 3's simple auth manager, behind API Gateway.

A caller logs in with `POST /auth/token` (username and password) and sends the token it gets
as `Authorization: Bearer <token>` (or the `_token` cookie, as Airflow's UI does). Every
route declares what it touches — `@requires("dag")`, `@requires("variable")`, … — or is
`@public` (health, version, login, the OpenAPI document); `auth_middleware` checks the token,
reads the user's current role from the table (so deleting a user or changing a role applies
to their next request) and lets the route run only if the role may: 401 without a valid
token, 403 for a role that may not.

The roles are Airflow's, each with what the ones below it have: a `viewer` reads DAGs, runs,
task instances, logs and XComs; a `user` also triggers, clears, marks, pauses and deletes
them; an `op` also reads and writes variables and connections; an `admin` may do anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from updraft.api.errors import HTTPError

F = TypeVar("F", bound=Callable[..., Any])

ROLES = ("viewer", "user", "op", "admin")

# The simple auth manager's rule per resource: the least role that may read it (GET), and the
# least role that may do anything else to it.
RULES: dict[str, tuple[str, str]] = {
    "dag": ("viewer", "user"),  # DAGs, runs, task instances, logs, XComs, import errors
    "variable": ("op", "op"),
    "connection": ("op", "op"),
    "configuration": ("viewer", "op"),
    "pool": ("viewer", "op"),
    "asset": ("viewer", "op"),
    "backfill": ("viewer", "op"),
}
# Airflow's name for the UI's token cookie.
TOKEN_COOKIE = "_token"


class Unauthorized(HTTPError):
    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(HTTPError):
    status_code = 403


@dataclass(frozen=True)
class Access:
    """What a route touches; `method` overrides the request's (a POST that only reads is "GET")."""

    resource: str
    method: str | None = None


PUBLIC = Access("public")


@dataclass(frozen=True)
class User:
    name: str
    role: str


def requires(resource: str, method: str | None = None) -> Callable[[F], F]:
    """Mark a route as touching `resource`. The function itself is returned unchanged (the
    event handler reads its signature and globals to validate requests)."""
    if resource not in RULES:
        raise ValueError(f"Unknown resource {resource!r}; known: {', '.join(RULES)}")

    def mark(func: F) -> F:
        func.updraft_access = Access(resource, method)  # type: ignore[attr-defined]
        return func

    return mark


def public(func: F) -> F:
    """Mark a route that answers without a token."""
    func.updraft_access = PUBLIC  # type: ignore[attr-defined]
    return func


def role_allows(role: str, resource: str, method: str) -> bool:
    if role not in ROLES:
        return False
    if role == "admin":
        return True
    read_role, write_role = RULES[resource]
    needed = read_role if method.upper() == "GET" else write_role
    return ROLES.index(role) >= ROLES.index(needed)


def bearer_token(event: Any) -> str | None:
    """The token of an API Gateway HTTP API 2.0 event: the Authorization header's, else the cookie's."""
    header = (event.headers or {}).get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for cookie in event.get("cookies") or []:
        name, _, value = cookie.strip().partition("=")
        if name == TOKEN_COOKIE and value:
            return value
    return None


def authenticate(app: Any) -> User:
    """The caller of the current request; Unauthorized without a valid token of a known user."""
    from updraft.api import tokens
    from updraft.api.request import now, services
    from updraft.store.users import UserStore

    token = bearer_token(app.current_event)
    if token is None:
        raise Unauthorized("Not authenticated")
    svc = services(app)
    try:
        claims = tokens.verify(svc.jwt_signing_key, token, now(app))
    except tokens.InvalidToken:
        raise Unauthorized("Invalid JWT token") from None
    stored = UserStore(svc.table).get(claims["sub"])
    if stored is None:
        raise Unauthorized("Invalid JWT token")  # the user was deleted since
    return User(claims["sub"], stored["role"])


def route_access(app: Any) -> Access:
    """What the matched route touches; a request that matched no route (404) is public."""
    route = app.context.get("_route")
    return getattr(getattr(route, "func", None), "updraft_access", PUBLIC)


def check_access(app: Any) -> User | None:
    """The caller, if the route is not public; Unauthorized or Forbidden when they may not."""
    access = route_access(app)
    if access is PUBLIC:
        return None
    user = authenticate(app)
    method = access.method or app.current_event.http_method
    if not role_allows(user.role, access.resource, method):
        raise Forbidden("Forbidden")
    return user


def auth_middleware(app: Any, next_middleware: Any) -> Any:
    """Powertools middleware: identify the caller and check their role, then run the route."""
    app.append_context(user=check_access(app))
    return next_middleware(app)


def current_user(router: Any) -> User | None:
    return router.context.get("user")

"""Who is calling: the seam where authentication and authorization plug in.

Every request passes through `auth_middleware` before its route runs. Today it lets every
request through as an anonymous user (the API is reachable only through the stack's own
API Gateway). Authentication comes later: `authenticate` will read the bearer token
(Airflow 3's JWT, or an IAM/Cognito identity from the request context) and raise
`Unauthorized`/`Forbidden`, and routes will read the user with `current_user` (it becomes a
DagRun's `triggering_user_name`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from updraft.api.errors import HTTPError


class Unauthorized(HTTPError):
    status_code = 401


class Forbidden(HTTPError):
    status_code = 403


@dataclass(frozen=True)
class User:
    name: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.name is None


ANONYMOUS = User()


def authenticate(event: Any) -> User:
    """The caller of this request (an API Gateway HTTP API 2.0 event); anonymous for now."""
    return ANONYMOUS


def auth_middleware(app: Any, next_middleware: Any) -> Any:
    """Powertools middleware: identify the caller, then run the route."""
    app.append_context(user=authenticate(app.current_event))
    return next_middleware(app)


def current_user(router: Any) -> User:
    return router.context.get("user") or ANONYMOUS

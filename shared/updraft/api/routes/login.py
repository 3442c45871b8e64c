"""POST /auth/token (and /auth/token/cli): log in with a username and a password, get an
access token — Airflow 3's simple auth manager's login, answered with 201
`{"access_token": "<JWT>"}`. The body is JSON or a form (`application/x-www-form-urlencoded`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import Unauthorized, public
from updraft.api.errors import BadRequest
from updraft.api.request import json_body, now, services

router = Router()

FORM = "application/x-www-form-urlencoded"


@router.post("/token", status_code=201)
@public
def create_token() -> dict:
    """Authenticate the user; the token is valid for 24 hours."""
    from updraft.api import tokens

    return {"access_token": login(tokens.EXPIRATION_SECONDS)}


@router.post("/token/cli", status_code=201)
@public
def create_token_cli() -> dict:
    """Authenticate the user for a command line; the token is valid for an hour."""
    from updraft.api import tokens

    return {"access_token": login(tokens.CLI_EXPIRATION_SECONDS)}


def login(expires_in: int) -> str:
    from updraft.api import tokens
    from updraft.api.bodies import LoginBody, validate
    from updraft.api.passwords import check_password
    from updraft.store.users import UserStore

    body = validate(LoginBody, _credentials())
    if not body.username or not body.password:
        raise BadRequest("Username and password must be provided")
    svc = services(router)
    user = UserStore(svc.table).get(body.username)
    if not check_password(body.password, (user or {}).get("password_hash")) or user is None:
        raise Unauthorized("Invalid credentials")
    return tokens.issue(svc.jwt_signing_key, body.username, user["role"], now(router), expires_in)


def _credentials() -> Any:
    event = router.current_event
    if (event.headers.get("content-type") or "").split(";")[0].strip().lower() == FORM:
        return dict(parse_qsl(event.decoded_body or "", keep_blank_values=True))
    return json_body(router)

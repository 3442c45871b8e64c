"""Logging in to the REST API and what each role may do: Airflow 3's simple auth manager, with
tokens signed by a key the stack keeps in Parameter Store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_api import NOW, PASSWORD, add_user, call, dags, svc, token_for  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

# -- passwords and tokens, alone ---------------------------------------------------------


def test_a_password_hash_is_salted_scrypt_and_checks_only_its_password() -> None:
    from updraft.api.passwords import check_password, hash_password

    first, second = hash_password("open sesame"), hash_password("open sesame")

    assert first.startswith("scrypt$131072$8$1$")
    assert first != second  # salted
    assert "open sesame" not in first
    assert check_password("open sesame", first)
    assert not check_password("open sesame!", first)
    assert not check_password("open sesame", None)  # an unknown user
    assert not check_password("open sesame", "md5$abc")


def test_a_token_round_trips_and_carries_airflows_claims() -> None:
    from updraft.api.tokens import AUDIENCE, issue, verify

    token = issue(b"k" * 64, "ana", "op", NOW)

    claims = verify(b"k" * 64, token, NOW + timedelta(hours=1))
    assert (claims["sub"], claims["role"], claims["aud"]) == ("ana", "op", AUDIENCE)
    assert claims["exp"] - claims["iat"] == 24 * 3600


def _b64(data: dict[str, Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("make", "why"),
    [
        pytest.param(lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "bad signature", id="tampered"),
        pytest.param(lambda t: _b64({"alg": "none", "typ": "JWT"}) + "." + t.split(".")[1] + ".",
                     "unexpected algorithm", id="alg-none"),
        pytest.param(lambda t: "not-a-token", "not a JWT", id="garbage"),
    ],
)
def test_a_forged_token_is_refused(make: Any, why: str) -> None:
    from updraft.api.tokens import InvalidToken, issue, verify

    with pytest.raises(InvalidToken, match=why):
        verify(b"k" * 64, make(issue(b"k" * 64, "ana", "admin", NOW)), NOW)


def test_a_token_signed_with_another_key_or_expired_is_refused() -> None:
    from updraft.api.tokens import InvalidToken, issue, verify

    with pytest.raises(InvalidToken, match="bad signature"):
        verify(b"k" * 64, issue(b"x" * 64, "ana", "admin", NOW), NOW)
    with pytest.raises(InvalidToken, match="expired"):
        verify(b"k" * 64, issue(b"k" * 64, "ana", "admin", NOW), NOW + timedelta(hours=25))


# -- logging in --------------------------------------------------------------------------
def test_login_returns_a_token_that_opens_the_api(dags: Any) -> None:
    add_user(dags, "ana", "viewer")

    status, body = call("POST", "/auth/token", body={"username": "ana", "password": PASSWORD}, as_user=None)

    assert status == 201
    assert set(body) == {"access_token"}
    headers = {"authorization": f"Bearer {body['access_token']}"}
    assert call("GET", "/api/v2/dags", headers=headers, as_user=None)[0] == 200


def test_login_with_a_form_body(dags: Any) -> None:
    add_user(dags, "ana", "viewer")

    status, body = call("POST", "/auth/token", body=f"username=ana&password={PASSWORD.replace(' ', '+')}",
                        headers={"content-type": "application/x-www-form-urlencoded"}, as_user=None)

    assert status == 201, body


@pytest.mark.parametrize(
    ("credentials", "status", "detail"),
    [
        pytest.param({"username": "ana", "password": "wrong"}, 401, "Invalid credentials", id="wrong-password"),
        pytest.param({"username": "nobody", "password": PASSWORD}, 401, "Invalid credentials", id="unknown-user"),
        pytest.param({"username": "", "password": ""}, 400, "Username and password must be provided", id="empty"),
    ],
)
def test_login_refused(dags: Any, credentials: dict[str, str], status: int, detail: str) -> None:
    add_user(dags, "ana", "viewer")

    assert call("POST", "/auth/token", body=credentials, as_user=None) == (status, {"detail": detail})


def test_login_without_a_password_is_a_422(dags: Any) -> None:
    status, body = call("POST", "/auth/token", body={"username": "ana"}, as_user=None)

    assert status == 422
    assert body["detail"][0]["loc"] == ["body", "password"]


# -- tokens on requests --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/api/v2/dags", id="list-dags"),
        pytest.param("PATCH", "/api/v2/dags/etl", id="pause"),
        pytest.param("GET", "/api/v2/variables", id="variables"),
        pytest.param("POST", "/api/v2/dags/etl/clearTaskInstances", id="clear"),
    ],
)
def test_a_request_without_a_token_is_a_401(dags: Any, method: str, path: str) -> None:
    assert call(method, path, body={"is_paused": True}, as_user=None) == (401, {"detail": "Not authenticated"})


def test_health_version_and_the_openapi_document_need_no_token(dags: Any) -> None:
    assert call("GET", "/api/v2/monitor/health", as_user=None)[0] == 200
    assert call("GET", "/api/v2/version", as_user=None)[0] == 200
    assert call("GET", "/openapi.json", as_user=None)[0] == 200


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param("Basic YWRtaW46YWRtaW4=", id="basic"),
    ],
)
def test_a_bad_token_is_a_401(dags: Any, authorization: str) -> None:
    status, body = call("GET", "/api/v2/dags", headers={"authorization": authorization}, as_user=None)

    assert status == 401


def test_a_deleted_users_token_stops_working(dags: Any) -> None:
    from updraft.store.users import UserStore

    token = token_for("ana", "op")
    UserStore(dags.table).delete("ana")

    assert call("GET", "/api/v2/dags", headers={"authorization": f"Bearer {token}"}, as_user=None) == (
        401, {"detail": "Invalid JWT token"})


def test_a_role_change_applies_to_the_next_request(dags: Any) -> None:
    from updraft.store.keys import user_key
    from updraft.store.table import Update

    token = token_for("ana", "op")
    dags.table.update(user_key("ana"), Update(set={"role": "viewer"}))

    assert call("GET", "/api/v2/variables", headers={"authorization": f"Bearer {token}"}, as_user=None)[0] == 403


def test_the_ui_cookie_carries_a_token_too(dags: Any) -> None:
    cookie = f"_token={token_for('ana', 'viewer')}"

    assert call("GET", "/api/v2/dags", cookies=[cookie], as_user=None)[0] == 200


def test_a_bad_body_from_a_caller_without_a_token_is_a_401_not_a_422(dags: Any) -> None:
    assert call("POST", "/api/v2/variables", body={"nonsense": 1}, as_user=None)[0] == 401
    assert call("POST", "/api/v2/variables", body={"nonsense": 1}, as_user="viewer")[0] == 403
    assert call("POST", "/api/v2/variables", body={"nonsense": 1}, as_user="op")[0] == 422


# -- what each role may do -------------------------------------------------------------------
READ_DAGS = ("GET", "/api/v2/dags", None)
PAUSE = ("PATCH", "/api/v2/dags/etl", {"is_paused": False})
TRIGGER = ("POST", "/api/v2/dags/report/dagRuns", {"logical_date": None})
CLEAR = ("POST", "/api/v2/dags/etl/clearTaskInstances", {"dry_run": True})
READ_VARIABLES = ("GET", "/api/v2/variables", None)
WRITE_VARIABLE = ("POST", "/api/v2/variables", {"key": "k", "value": "v"})
READ_CONNECTIONS = ("GET", "/api/v2/connections", None)
DELETE_DAG = ("DELETE", "/api/v2/dags/report", None)


@pytest.mark.parametrize(
    ("role", "request_", "allowed"),
    [
        pytest.param("viewer", READ_DAGS, True, id="viewer-reads-dags"),
        pytest.param("viewer", PAUSE, False, id="viewer-cannot-pause"),
        pytest.param("viewer", TRIGGER, False, id="viewer-cannot-trigger"),
        pytest.param("viewer", CLEAR, False, id="viewer-cannot-clear"),
        pytest.param("viewer", READ_VARIABLES, False, id="viewer-cannot-read-variables"),
        pytest.param("user", PAUSE, True, id="user-pauses"),
        pytest.param("user", TRIGGER, True, id="user-triggers"),
        pytest.param("user", CLEAR, True, id="user-clears"),
        pytest.param("user", DELETE_DAG, True, id="user-deletes-dags"),
        pytest.param("user", READ_VARIABLES, False, id="user-cannot-read-variables"),
        pytest.param("user", READ_CONNECTIONS, False, id="user-cannot-read-connections"),
        pytest.param("op", READ_VARIABLES, True, id="op-reads-variables"),
        pytest.param("op", WRITE_VARIABLE, True, id="op-writes-variables"),
        pytest.param("op", READ_CONNECTIONS, True, id="op-reads-connections"),
        pytest.param("admin", WRITE_VARIABLE, True, id="admin-writes-variables"),
        pytest.param("admin", DELETE_DAG, True, id="admin-deletes-dags"),
    ],
)
def test_permissions_by_role(dags: Any, role: str, request_: tuple[str, str, Any], allowed: bool) -> None:
    method, path, body = request_

    status, found = call(method, path, body=body, as_user=role)

    if allowed:
        assert status < 400, found
    else:
        assert (status, found) == (403, {"detail": "Forbidden"})


def test_every_route_says_what_it_touches() -> None:
    from updraft.api.app import app
    from updraft.api.auth import Access

    unmarked = [f"{r.method} {r.path}" for r in app._static_routes + app._dynamic_routes
                if not isinstance(getattr(r.func, "updraft_access", None), Access)]
    assert unmarked == []


# -- the signing key ---------------------------------------------------------------------
def test_the_signing_key_is_made_once_in_parameter_store(dags: Any) -> None:
    import boto3

    from updraft.services import Services

    token_for("ana", "viewer")
    ssm = boto3.client("ssm")
    parameter = ssm.get_parameter(Name="/updraft/default/api/jwt_secret", WithDecryption=True)["Parameter"]

    assert parameter["Type"] == "SecureString"
    assert len(parameter["Value"]) >= 64
    other = Services.from_settings(dags.settings)  # another container of the function
    assert other.jwt_signing_key == dags.jwt_signing_key
    assert "jwt_secret" not in dags.secrets.list("variables")


# -- the OpenAPI document and a cheap import ---------------------------------------------------
def test_openapi_document_describes_the_routes_and_their_bodies(dags: Any) -> None:
    status, document = call("GET", "/openapi.json", as_user=None)

    assert status == 200
    paths = document["paths"]
    assert "/api/v2/variables" in paths and "/api/v2/dags/{dag_id}/clearTaskInstances" in paths
    assert paths["/api/v2/variables"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VariableBody"}
    assert "ClearTaskInstancesBody" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert paths["/api/v2/monitor/health"]["get"]["security"] == []
    assert "security" not in paths["/api/v2/dags"]["get"]  # the document's default: a bearer token


def test_importing_the_api_loads_neither_pydantic_nor_boto3() -> None:
    code = "import sys, updraft.api.app; print(sorted(m for m in ('pydantic', 'boto3') if m in sys.modules))"

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)

    assert done.stdout.strip() == "[]"

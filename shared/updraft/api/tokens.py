"""The API's access tokens: JSON Web Tokens signed with HS256, as Airflow 3's auth manager issues.

Made with the standard library (hmac, hashlib, base64): a token is
`base64url(header).base64url(claims).base64url(HMAC-SHA256(key, header.claims))`. The claims
are Airflow's — `sub` (the username), `role`, `iat`, `nbf`, `exp`, `jti` and `aud` — and a
token is accepted only with exactly this header's algorithm, a valid signature (compared in
constant time), the audience, and `nbf <= now < exp`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

ALGORITHM = "HS256"
AUDIENCE = "apache-airflow"
# Airflow's `[api_auth] jwt_expiration_time` and `jwt_cli_expiration_time` defaults.
EXPIRATION_SECONDS = 24 * 60 * 60
CLI_EXPIRATION_SECONDS = 60 * 60
# Clocks of two Lambdas may differ a little.
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not yet valid; the message says which."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None


def _sign(key: bytes, signing_input: bytes) -> bytes:
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def issue(key: bytes, username: str, role: str, now: datetime, expires_in: int = EXPIRATION_SECONDS) -> str:
    moment = int(now.timestamp())
    header = {"alg": ALGORITHM, "typ": "JWT"}
    claims = {"sub": username, "role": role, "aud": AUDIENCE, "iat": moment, "nbf": moment,
              "exp": moment + expires_in, "jti": secrets.token_hex(16)}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims))
    return f"{signing_input}.{_b64(_sign(key, signing_input.encode()))}"


def verify(key: bytes, token: str, now: datetime) -> dict[str, Any]:
    """The token's claims; InvalidToken unless it is one of ours and valid at `now`."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a JWT")
    header_b64, claims_b64, signature_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(claims_b64))
    except ValueError:
        raise InvalidToken("not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM or not isinstance(claims, dict):
        raise InvalidToken("unexpected algorithm")
    expected = _sign(key, f"{header_b64}.{claims_b64}".encode())
    if not hmac.compare_digest(expected, _unb64(signature_b64)):
        raise InvalidToken("bad signature")
    moment = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, (int, float)) or moment >= exp + LEEWAY_SECONDS:
        raise InvalidToken("expired")
    if isinstance(nbf, (int, float)) and moment < nbf - LEEWAY_SECONDS:
        raise InvalidToken("not valid yet")
    if claims.get("aud") != AUDIENCE or not isinstance(claims.get("sub"), str):
        raise InvalidToken("wrong audience or subject")
    return claims

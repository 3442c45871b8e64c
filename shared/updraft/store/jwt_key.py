"""The key that signs the API's tokens: a SecureString parameter at
`<UPDRAFT_SECRETS_PREFIX>/api/jwt_secret`, made on first use.

It is never in the code or the template: the first API request that needs it creates it
with 64 random bytes (`PutParameter` without `Overwrite`, so two cold starts at once agree on
one), and every later one reads it (`GetParameter`, once per container). Deleting the
parameter signs everyone out: a new key is made on the next request."""

from __future__ import annotations

import base64
import secrets

from botocore.exceptions import ClientError

from updraft.store.secrets import SecretAccessDenied, SecretStore, SecretStoreError

PARAMETER = "api/jwt_secret"
KEY_BYTES = 64


def parameter_name(store: SecretStore) -> str:
    return f"{store.prefix}/{PARAMETER}"


def signing_key(store: SecretStore) -> bytes:
    """The stack's token signing key, created if there is none yet."""
    name = parameter_name(store)
    for _ in range(2):
        found = _get(store, name)
        if found is not None:
            return base64.b64decode(found)
        value = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
        if _create(store, name, value):
            return base64.b64decode(value)
    raise SecretStoreError(f"The API's signing key at {name} could neither be read nor created")


def _get(store: SecretStore, name: str) -> str | None:
    try:
        return store.client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code == "ParameterNotFound":
            return None
        raise _error("read", name, err) from None


def _create(store: SecretStore, name: str, value: str) -> bool:
    """False when another request created it first."""
    try:
        store.client.put_parameter(
            Name=name, Value=value, Type="SecureString", Overwrite=False,
            Description="Signs the Updraft API's access tokens (HS256). Delete it to sign everyone out.",
        )
    except ClientError as err:
        if err.response.get("Error", {}).get("Code", "") == "ParameterAlreadyExists":
            return False
        raise _error("create", name, err) from None
    return True


def _error(verb: str, name: str, err: ClientError) -> SecretStoreError:
    code = err.response.get("Error", {}).get("Code", "")
    message = err.response.get("Error", {}).get("Message", str(err))
    kind = SecretAccessDenied if code in {"AccessDeniedException", "AccessDenied"} else SecretStoreError
    return kind(f"Parameter Store could not {verb} the API's signing key {name}: {code}: {message}")

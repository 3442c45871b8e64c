"""Variables and connections in AWS Systems Manager Parameter Store, never in DynamoDB.

Each is one SecureString parameter (encrypted with the account's AWS managed key
`alias/aws/ssm`) under the stack's path, `UPDRAFT_SECRETS_PREFIX`:

    <prefix>/variables/<key>         the variable's value as text; its description in the
                                     parameter's Description
    <prefix>/connections/<conn_id>   the connection as Airflow's JSON (`Connection.as_json()`)

This is the layout Airflow's own SystemsManagerParameterStoreBackend reads (with
`variables_prefix` and `connections_prefix` set to those paths), so an Airflow deployment
can share them. Access patterns: one `GetParameter` per lookup, `GetParametersByPath` (pages of
10) to list, `DescribeParameters` (pages of 50) for descriptions, `PutParameter` with
`Overwrite`, `DeleteParameter`. The client is passed in; botocore's errors stop here.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from updraft.store.errors import StoreError

VARIABLES = "variables"
CONNECTIONS = "connections"
_KINDS = {VARIABLES: "variable key", CONNECTIONS: "conn_id"}

# Airflow's keys are `[\w.-]{1,250}`; Parameter Store names allow ASCII letters, digits and
# `_.-/` only, and a `/` would start a level of the hierarchy.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,250}")
# Parameter Store's limit on a parameter's description.
MAX_DESCRIPTION = 1024


class SecretStoreError(StoreError):
    """A variable or connection could not be read or written; the message says why."""


class SecretAccessDenied(SecretStoreError):
    """This function's (or this person's) role may not make the request."""


def validate_key(kind: str, key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise SecretStoreError(
            f"Invalid {_KINDS[kind]} {key!r}: use letters, digits, '_', '.' and '-' "
            "(at most 250 characters), as Airflow does"
        )
    return key


class SecretStore:
    """The stack's variables and connections: one path of Parameter Store."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = "/" + prefix.strip("/")

    def path(self, kind: str) -> str:
        return f"{self.prefix}/{kind}"

    def name(self, kind: str, key: str) -> str:
        return f"{self.path(kind)}/{validate_key(kind, key)}"

    def get(self, kind: str, key: str) -> str | None:
        """The decrypted value, or None when there is no such parameter."""
        name = self.name(kind, key)
        try:
            return self._call("get_parameter", name, Name=name, WithDecryption=True)["Parameter"]["Value"]
        except _NotFound:
            return None

    def put(self, kind: str, key: str, value: str, description: str | None = None) -> None:
        """Create or replace; Intelligent-Tiering keeps values up to 4 KB in the free standard
        tier and moves larger ones (up to 8 KB) to the advanced tier."""
        name = self.name(kind, key)
        if value == "":
            raise SecretStoreError(f"Parameter Store cannot hold an empty value ({_KINDS[kind]} {key!r})")
        kwargs: dict[str, Any] = {
            "Name": name, "Value": value, "Type": "SecureString", "Overwrite": True,
            "Tier": "Intelligent-Tiering",
        }
        if description:
            if len(description) > MAX_DESCRIPTION:
                raise SecretStoreError(
                    f"The description of {_KINDS[kind]} {key!r} is longer than Parameter Store's "
                    f"{MAX_DESCRIPTION} characters"
                )
            kwargs["Description"] = description
        self._call("put_parameter", name, **kwargs)

    def delete(self, kind: str, key: str) -> bool:
        """Delete; False when there was nothing to delete."""
        name = self.name(kind, key)
        try:
            self._call("delete_parameter", name, Name=name)
        except _NotFound:
            return False
        return True

    def list(self, kind: str) -> dict[str, str]:
        """Every key under the kind's path with its decrypted value, in key order."""
        path = self.path(kind)
        out: dict[str, str] = {}
        kwargs: dict[str, Any] = {"Path": path, "Recursive": False, "WithDecryption": True}
        while True:
            page = self._call("get_parameters_by_path", path, **kwargs)
            for parameter in page.get("Parameters", []):
                out[parameter["Name"][len(path) + 1:]] = parameter["Value"]
            if not page.get("NextToken"):
                return dict(sorted(out.items()))
            kwargs["NextToken"] = page["NextToken"]

    def descriptions(self, kind: str) -> dict[str, str]:
        """The descriptions of the kind's parameters that have one (a separate request:
        GetParametersByPath does not return them)."""
        path = self.path(kind)
        out: dict[str, str] = {}
        kwargs: dict[str, Any] = {
            "ParameterFilters": [{"Key": "Path", "Option": "OneLevel", "Values": [path]}],
            "MaxResults": 50,
        }
        while True:
            page = self._call("describe_parameters", path, **kwargs)
            for parameter in page.get("Parameters", []):
                if parameter.get("Description"):
                    out[parameter["Name"][len(path) + 1:]] = parameter["Description"]
            if not page.get("NextToken"):
                return out
            kwargs["NextToken"] = page["NextToken"]

    def description(self, kind: str, key: str) -> str | None:
        """One parameter's description (None when it has none or does not exist)."""
        name = self.name(kind, key)
        page = self._call("describe_parameters", name,
                          ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
        found = page.get("Parameters") or []
        return found[0].get("Description") or None if found else None

    def _call(self, operation: str, name: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code == "ParameterNotFound":
                raise _NotFound() from None
            message = err.response.get("Error", {}).get("Message", str(err))
            if code in {"AccessDeniedException", "AccessDenied"}:
                raise SecretAccessDenied(
                    f"Parameter Store {operation} of {name} was denied: {message}"
                ) from None
            raise SecretStoreError(f"Parameter Store {operation} of {name} failed: {code}: {message}") from None


class _NotFound(Exception):
    """ParameterNotFound, caught inside this module."""

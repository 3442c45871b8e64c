"""SSHHook: an SSH client (paramiko) from a connection (`apache-airflow-providers-ssh`); the
base of SFTPHook.

The connection gives host, port (22), login and password; its extra may give `key_file` (a
path), `private_key` (the key's text, with `private_key_passphrase`), `conn_timeout`,
`compress`, `no_host_key_check` (default true, as in Airflow), `host_key` (then checked),
`allow_host_key_change`, `look_for_keys`, `disabled_algorithms` and `ciphers`.

Connecting is tried three times when the host cannot be reached (as Airflow does), but a
refused login is not retried: a wrong password does not get better, and repeating it can lock
the account."""

from __future__ import annotations

import os
import random
import time
from base64 import decodebytes
from getpass import getuser
from io import StringIO
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.base import BaseHook
from updraft.hooks.optional import require

SSH_PORT = 22
TIMEOUT_DEFAULT = 10


def _paramiko() -> Any:
    return require("paramiko", "SSHHook")


class SSHHook(BaseHook):
    """Run SSH sessions with paramiko.

    :param ssh_conn_id: the connection id; arguments given here win over its fields
    :param remote_host: the host to connect to
    :param username: the user (default: the connection's login, else the local user)
    :param password: the password
    :param key_file: a private key file
    :param port: the port (default 22)
    :param conn_timeout: seconds to wait for the connection (default 10)
    :param keepalive_interval: seconds between keep-alive packets (0: none)
    :param banner_timeout: seconds to wait for the server's banner
    """

    conn_name_attr = "ssh_conn_id"
    default_conn_name = "ssh_default"
    conn_type = "ssh"
    hook_name = "SSH"
    # Reaching the host: attempts, and the seconds between them (plus up to `jitter` more).
    connect_attempts = 3
    connect_retry_wait = 3.0
    connect_retry_jitter = 2.0

    def __init__(
        self,
        ssh_conn_id: str | None = None,
        remote_host: str = "",
        username: str | None = None,
        password: str | None = None,
        key_file: str | None = None,
        port: int | None = None,
        conn_timeout: int | None = None,
        keepalive_interval: int = 30,
        banner_timeout: float = 30.0,
        disabled_algorithms: dict[str, Any] | None = None,
        ciphers: list[str] | None = None,
        host_proxy_cmd: str | None = None,
    ) -> None:
        super().__init__()
        self.ssh_conn_id = ssh_conn_id
        self.remote_host = remote_host
        self.username = username
        self.password = password
        self.key_file = key_file
        self.pkey: Any = None
        self.port = port
        self.conn_timeout = conn_timeout
        self.keepalive_interval = keepalive_interval
        self.banner_timeout = banner_timeout
        self.disabled_algorithms = disabled_algorithms
        self.ciphers = ciphers
        self.host_proxy_cmd = host_proxy_cmd
        # Defaults the connection may change.
        self.compress = True
        self.no_host_key_check = True
        self.allow_host_key_change = False
        self.host_key: Any = None
        self.look_for_keys = True
        self.client: Any = None

        if self.ssh_conn_id is not None:
            self._read_connection(self.ssh_conn_id)
        if self.conn_timeout is None:
            self.conn_timeout = TIMEOUT_DEFAULT
        if self.pkey and self.key_file:
            raise AirflowException("Params key_file and private_key both provided.  Must provide no more than one.")
        if not self.remote_host:
            raise AirflowException("Missing required param: remote_host")
        if not self.username:
            self.username = getuser()
        self.port = self.port or SSH_PORT

    def _read_connection(self, conn_id: str) -> None:
        conn = self.get_connection(conn_id)
        if self.username is None:
            self.username = conn.login
        if self.password is None:
            self.password = conn.password
        if not self.remote_host:
            self.remote_host = conn.host or ""
        if self.port is None:
            self.port = conn.port
        if not conn.extra:
            return
        extra = conn.extra_dejson
        if "key_file" in extra and self.key_file is None:
            self.key_file = extra.get("key_file")
        private_key = extra.get("private_key")
        if private_key:
            self.pkey = self._pkey_from_private_key(private_key, passphrase=extra.get("private_key_passphrase"))
        if "conn_timeout" in extra and self.conn_timeout is None:
            self.conn_timeout = int(extra["conn_timeout"])
        if str(extra.get("compress", "")).lower() == "false":
            self.compress = False
        host_key = extra.get("host_key")
        no_host_key_check = extra.get("no_host_key_check")
        if no_host_key_check is not None:
            no_host_key_check = str(no_host_key_check).lower() == "true"
            if host_key is not None and no_host_key_check:
                raise ValueError("Must check host key when provided")
            self.no_host_key_check = no_host_key_check
        if str(extra.get("allow_host_key_change", "")).lower() == "true":
            self.allow_host_key_change = True
        if str(extra.get("look_for_keys", "")).lower() == "false":
            self.look_for_keys = False
        if "disabled_algorithms" in extra:
            self.disabled_algorithms = extra.get("disabled_algorithms")
        if "ciphers" in extra:
            self.ciphers = extra.get("ciphers")
        if host_key is not None:
            self.host_key = self._host_key_from_text(host_key)
            self.no_host_key_check = False

    # -------------------------------------------------------------- keys
    @staticmethod
    def _pkey_loaders() -> list[Any]:
        paramiko = _paramiko()
        names = ("RSAKey", "ECDSAKey", "Ed25519Key", "DSSKey")  # DSS is gone from paramiko 4
        return [getattr(paramiko, name) for name in names if hasattr(paramiko, name)]

    def _pkey_from_private_key(self, private_key: str, passphrase: str | None = None) -> Any:
        """The key object for a private key's text (RSA, ECDSA, Ed25519 or DSS)."""
        paramiko = _paramiko()
        if len(private_key.splitlines()) < 2:
            raise AirflowException("Key must have BEGIN and END header/footer on separate lines.")
        for pkey_class in self._pkey_loaders():
            try:
                key = pkey_class.from_private_key(StringIO(private_key), password=passphrase)
                # A key of one type may load as another and fail only when used: try it.
                key.sign_ssh_data(b"")
                return key
            except (paramiko.ssh_exception.SSHException, ValueError):
                continue
        raise AirflowException(
            "Private key provided cannot be read by paramiko. Ensure key provided is valid for one of the "
            "following key formats: RSA, DSS, ECDSA, or Ed25519"
        )

    @staticmethod
    def _host_key_from_text(host_key: str) -> Any:
        paramiko = _paramiko()
        mappings = {"rsa": "RSAKey", "dss": "DSSKey", "ecdsa": "ECDSAKey", "ed25519": "Ed25519Key"}
        if host_key.startswith(("ssh-", "ecdsa-")):
            key_type, host_key = host_key.split(None)[:2]
            kind = "ecdsa" if key_type.startswith("ecdsa") else key_type[4:]
            key_constructor = getattr(paramiko, mappings[kind])
        else:
            key_constructor = paramiko.RSAKey
        return key_constructor(data=decodebytes(host_key.encode("utf-8")))

    # -------------------------------------------------------------- connecting
    def get_conn(self) -> Any:
        """A connected paramiko SSHClient."""
        paramiko = _paramiko()
        self.log.debug("Creating SSH client for conn_id: %s", self.ssh_conn_id)
        client = paramiko.SSHClient()
        if self.allow_host_key_change:
            self.log.warning(
                "Remote Identification Change is not verified. This won't protect against Man-In-The-Middle attacks"
            )
            client.set_missing_host_key_policy(paramiko.MissingHostKeyPolicy)
        else:
            client.load_system_host_keys()
        if self.no_host_key_check:
            self.log.warning("No Host Key Verification. This won't protect against Man-In-The-Middle attacks")
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            known_hosts = os.path.expanduser("~/.ssh/known_hosts")
            if not self.allow_host_key_change and os.path.isfile(known_hosts):
                client.load_host_keys(known_hosts)
        elif self.host_key is not None:
            name = self.remote_host if self.port == SSH_PORT else f"[{self.remote_host}]:{self.port}"
            client.get_host_keys().add(name, self.host_key.get_name(), self.host_key)

        connect_kwargs: dict[str, Any] = dict(
            hostname=self.remote_host,
            username=self.username,
            timeout=self.conn_timeout,
            compress=self.compress,
            port=self.port,
            sock=paramiko.ProxyCommand(self.host_proxy_cmd) if self.host_proxy_cmd else None,
            look_for_keys=self.look_for_keys,
            banner_timeout=self.banner_timeout,
        )
        if self.password:
            connect_kwargs["password"] = self.password.strip()
        if self.pkey:
            connect_kwargs["pkey"] = self.pkey
        if self.key_file:
            connect_kwargs["key_filename"] = self.key_file
        if self.disabled_algorithms:
            connect_kwargs["disabled_algorithms"] = self.disabled_algorithms
        self._connect(client, connect_kwargs)
        transport = client.get_transport()
        if self.keepalive_interval and transport is not None:
            transport.set_keepalive(self.keepalive_interval)
        if self.ciphers and transport is not None:
            transport.get_security_options().ciphers = self.ciphers
        self.client = client
        return client

    def _connect(self, client: Any, connect_kwargs: dict[str, Any]) -> None:
        """client.connect, tried again while the host cannot be reached (not on a refused login)."""
        for attempt in range(1, self.connect_attempts + 1):
            try:
                client.connect(**connect_kwargs)
                return
            except (OSError, EOFError):
                if attempt >= self.connect_attempts:
                    raise
                self.log.info("Failed to connect. Sleeping before retry attempt %d", attempt + 1)
                time.sleep(self.connect_retry_wait + random.uniform(0, self.connect_retry_jitter))

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def test_connection(self) -> tuple[bool, str]:
        try:
            client = self.get_conn()
            client.exec_command("pwd")
            client.close()
            return True, "Connection successfully tested"
        except Exception as err:  # noqa: BLE001 - the message is the answer
            return False, str(err)

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {"hidden_fields": ["schema"], "relabeling": {"login": "Username"}}

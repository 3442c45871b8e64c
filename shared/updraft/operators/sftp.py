"""SFTPOperator: copy files between the worker and an SFTP server
(`apache-airflow-providers-sftp`).

On a Lambda worker the local side is the function's own disk: `/tmp` is the only writable
place, and it is not kept between invocations, so a file fetched with `get` is for the same
task to use (or to hand on to S3)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException
from updraft.hooks.sftp import SFTPHook


class SFTPOperation:
    """The operations SFTPOperator performs."""

    PUT = "put"
    GET = "get"
    DELETE = "delete"


class SFTPOperator(BaseOperator):
    """Put local files on the server, get remote files, or delete remote files.

    :param ssh_conn_id: the SSH/SFTP connection
    :param sftp_hook: an SFTPHook to use instead of `ssh_conn_id`
    :param remote_host: a host to use instead of the connection's (templated)
    :param local_filepath: a local path or a list of them (templated)
    :param remote_filepath: a remote path or a list of them, one per local path (templated)
    :param operation: `put` (default), `get` or `delete`
    :param confirm: check the size of a put file on the server
    :param create_intermediate_dirs: create missing parent directories on the receiving side
    :param prefetch: prefetch when getting (faster)
    """

    template_fields: Sequence[str] = ("local_filepath", "remote_filepath", "remote_host")
    ui_color = "#eeeeee"
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        ssh_conn_id: str | None = None,
        sftp_hook: SFTPHook | None = None,
        remote_host: str | None = None,
        local_filepath: str | list[str] | None = None,
        remote_filepath: str | list[str],
        operation: str = SFTPOperation.PUT,
        confirm: bool = True,
        create_intermediate_dirs: bool = False,
        prefetch: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sftp_hook = sftp_hook
        self.ssh_conn_id = ssh_conn_id
        self.remote_host = remote_host
        self.operation = operation
        self.confirm = confirm
        self.create_intermediate_dirs = create_intermediate_dirs
        self.local_filepath = local_filepath
        self.remote_filepath = remote_filepath
        self.prefetch = prefetch
        if operation.lower() not in (SFTPOperation.GET, SFTPOperation.PUT, SFTPOperation.DELETE):
            raise TypeError(
                f"Unsupported operation value {operation}, expected {SFTPOperation.GET!r}, "
                f"{SFTPOperation.PUT!r}, or {SFTPOperation.DELETE!r}."
            )

    def _paths(self) -> tuple[list[str], list[str]]:
        if self.local_filepath is None:
            local = []
        elif isinstance(self.local_filepath, str):
            local = [self.local_filepath]
        else:
            local = list(self.local_filepath)
        remote = [self.remote_filepath] if isinstance(self.remote_filepath, str) else list(self.remote_filepath)
        operation = self.operation.lower()
        if operation in (SFTPOperation.GET, SFTPOperation.PUT) and len(local) != len(remote):
            raise ValueError(f"{len(local)} paths in local_filepath != {len(remote)} paths in remote_filepath")
        if operation == SFTPOperation.DELETE and local:
            raise ValueError("local_filepath should not be provided for delete operation")
        return local, remote

    def _hook(self) -> SFTPHook:
        if self.remote_host is not None:
            self.log.info(
                "remote_host is provided explicitly. It will replace the remote_host which was defined "
                "in sftp_hook or predefined in connection of ssh_conn_id."
            )
        if self.ssh_conn_id and not isinstance(self.sftp_hook, SFTPHook):
            self.log.info("sftp_hook not provided or invalid. Trying ssh_conn_id to create SFTPHook.")
            return SFTPHook(ssh_conn_id=self.ssh_conn_id, remote_host=self.remote_host or "")
        if self.ssh_conn_id:
            self.log.info("ssh_conn_id is ignored when sftp_hook is provided.")
        if not self.sftp_hook:
            raise AirflowException("Cannot operate without sftp_hook or ssh_conn_id.")
        if self.remote_host is not None:
            self.sftp_hook.remote_host = self.remote_host
        return self.sftp_hook

    def execute(self, context: Any) -> str | list[str] | None:
        local, remote = self._paths()
        operation = self.operation.lower()
        hook = self._hook()
        try:
            with hook.get_managed_conn():
                for index, remote_path in enumerate(remote):
                    local_path = local[index] if local else ""
                    self._transfer(hook, operation, local_path, remote_path)
        except Exception as err:
            raise AirflowException(f"Error while processing {operation.upper()} operation, error: {err}") from err
        return self.local_filepath

    def _transfer(self, hook: SFTPHook, operation: str, local_path: str, remote_path: str) -> None:
        if operation == SFTPOperation.GET:
            if self.create_intermediate_dirs:
                Path(os.path.dirname(local_path) or ".").mkdir(parents=True, exist_ok=True)
            self.log.info("Starting to transfer from %s to %s", remote_path, local_path)
            hook.retrieve_file(remote_path, local_path, prefetch=self.prefetch)
        elif operation == SFTPOperation.PUT:
            remote_folder = os.path.dirname(remote_path)
            if self.create_intermediate_dirs and remote_folder:
                hook.create_directory(remote_folder)
            self.log.info("Starting to transfer file from %s to %s", local_path, remote_path)
            hook.store_file(remote_path, local_path, confirm=self.confirm)
        else:
            self.log.info("Starting to delete %s", remote_path)
            hook.delete_file(remote_path)


__all__ = ["SFTPOperation", "SFTPOperator"]

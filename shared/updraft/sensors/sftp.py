"""SFTPSensor: wait for a file on an SFTP server (`apache-airflow-providers-sftp`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.sftp import SFTPHook
from updraft.sensors.base import BaseSensorOperator, PokeReturnValue

SFTP_NO_SUCH_FILE = 2  # paramiko.sftp.SFTP_NO_SUCH_FILE, the errno of a missing file


def _as_utc(value: datetime | str) -> datetime:
    """A datetime (or its text) in UTC; a naive one is taken as UTC, as Airflow does."""
    if isinstance(value, str):
        import pendulum

        parsed = pendulum.parse(value)
        if not isinstance(parsed, datetime):
            raise AirflowException(f"newer_than must be a date and time, got {value!r}")
        value = parsed
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class SFTPSensor(BaseSensorOperator):
    """Wait for a file (or files matching a pattern in a directory) on the server.

    :param path: the remote file, or the directory to look in with `file_pattern` (templated)
    :param file_pattern: an fnmatch pattern for names in `path` (templated)
    :param newer_than: only files modified at or after this moment count (templated)
    :param sftp_conn_id: the connection (default `sftp_default`)
    :param python_callable: called (with `op_args`, `op_kwargs` and `files_found`) once files
        are found; its result goes to XCom with the files
    """

    template_fields: Sequence[str] = ("path", "file_pattern", "newer_than")
    log = logging.getLogger("updraft.task")

    def __init__(
        self,
        *,
        path: str,
        file_pattern: str = "",
        newer_than: datetime | str | None = None,
        sftp_conn_id: str = "sftp_default",
        python_callable: Callable[..., Any] | None = None,
        op_args: list[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        use_managed_conn: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.file_pattern = file_pattern
        self.hook: SFTPHook | None = None
        self.sftp_conn_id = sftp_conn_id
        self.newer_than = newer_than
        self.use_managed_conn = use_managed_conn
        self.python_callable = python_callable
        self.op_args = op_args or []
        self.op_kwargs = op_kwargs or {}

    def _get_files(self, hook: SFTPHook) -> list[str]:
        if self.file_pattern:
            matched = hook.get_files_by_pattern(self.path, self.file_pattern)
            if not matched:
                return []
            present = [os.path.join(self.path, name) for name in matched]
        else:
            try:
                present = [self.path] if hook.isfile(self.path) else []
            except Exception as err:
                raise AirflowException(f"Could not look for {self.path}: {err}") from err
        if not self.newer_than:
            return present
        newer_than = _as_utc(self.newer_than)
        found = []
        for path in present:
            try:
                mod_time = hook.get_mod_time(path)
                self.log.info("Found File %s last modified: %s", path, mod_time)
            except OSError as err:
                if err.errno != SFTP_NO_SUCH_FILE:
                    raise AirflowException(f"Could not read the modification time of {path}: {err}") from err
                continue
            modified = datetime.strptime(mod_time, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
            if newer_than <= modified:
                found.append(path)
                self.log.info("File %s has modification time: '%s', which is newer than: '%s'",
                              path, modified, newer_than)
            else:
                self.log.info("File %s has modification time: '%s', which is older than: '%s'",
                              path, modified, newer_than)
        return found

    def poke(self, context: Any) -> PokeReturnValue | bool:
        self.hook = SFTPHook(self.sftp_conn_id)
        self.log.info("Poking for %s, with pattern %s", self.path, self.file_pattern)
        with self.hook.get_managed_conn():  # one connection for the whole poke
            files_found = self._get_files(self.hook)
        if not files_found:
            return False
        if self.python_callable is not None:
            if self.op_kwargs:
                self.op_kwargs["files_found"] = files_found
            result = self.python_callable(*self.op_args, **self.op_kwargs)
            return PokeReturnValue(is_done=True, xcom_value={"files_found": files_found,
                                                             "decorator_return_value": result})
        return True


__all__ = ["SFTPSensor"]

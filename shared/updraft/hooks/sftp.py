"""SFTPHook: files on an SFTP server (`apache-airflow-providers-sftp`), over SSHHook's client.

Each method opens the SSH connection and closes it when done, unless it runs inside
`with hook.get_managed_conn():`, which keeps one connection for everything in the block (a
worker runs many tasks in one process: nothing is left open between them)."""

from __future__ import annotations

import datetime
import functools
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatch
from typing import Any, TypeVar

from updraft.exceptions import AirflowException
from updraft.hooks.ssh import SSHHook

F = TypeVar("F", bound=Callable[..., Any])


def _with_connection(func: F) -> F:
    """Run the method with an open SFTP client in `self.conn`."""

    @functools.wraps(func)
    def wrapper(self: "SFTPHook", *args: Any, **kwargs: Any) -> Any:
        if not self.managed_conn:
            if self.conn is None:
                self.get_conn()
            return func(self, *args, **kwargs)
        with self.get_managed_conn() as conn:
            self.conn = conn
            return func(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _mtime(value: float | None) -> str:
    """A modification time as Airflow's `%Y%m%d%H%M%S`, in UTC (a worker's local time)."""
    moment = datetime.datetime.fromtimestamp(value or 0, tz=datetime.timezone.utc)
    return moment.strftime("%Y%m%d%H%M%S")


class SFTPHook(SSHHook):
    """Interact with SFTP. Takes SSHHook's arguments; `ssh_conn_id` is the connection.

    :param managed_conn: open and close the connection around each call (default True);
        with False, `get_conn()` opens one that stays open until `close_conn()`
    """

    conn_name_attr = "ssh_conn_id"
    default_conn_name = "sftp_default"
    conn_type = "sftp"
    hook_name = "SFTP"

    def __init__(self, ssh_conn_id: str | None = "sftp_default", host_proxy_cmd: str | None = None,
                 managed_conn: bool = True, *args: Any, **kwargs: Any) -> None:
        self.conn: Any = None
        self.managed_conn = managed_conn
        ftp_conn_id = kwargs.pop("ftp_conn_id", None)
        if ftp_conn_id:
            ssh_conn_id = ftp_conn_id
        kwargs.pop("use_managed_conn", None)
        self._ssh_conn: Any = None
        self._sftp_conn: Any = None
        self._conn_count = 0
        super().__init__(ssh_conn_id, *args, host_proxy_cmd=host_proxy_cmd, **kwargs)

    # -------------------------------------------------------------- the connection
    def get_conn(self) -> Any:  # type: ignore[override]
        """An SFTP client that stays open until `close_conn()`."""
        if self.conn is None:
            self.conn = super().get_conn().open_sftp()
        return self.conn

    def close_conn(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.close()

    @contextmanager
    def get_managed_conn(self) -> Iterator[Any]:
        """An SFTP client for the block; the connection closes when the outermost block ends."""
        if self._sftp_conn is None:
            ssh = SSHHook.get_conn(self)
            self._ssh_conn = ssh
            self._sftp_conn = ssh.open_sftp()
        self._conn_count += 1
        try:
            yield self._sftp_conn
        finally:
            self._conn_count -= 1
            if self._conn_count == 0 and self._ssh_conn is not None:
                self._sftp_conn.close()
                self._sftp_conn = None
                self._ssh_conn.close()
                self._ssh_conn = None
                self.conn = None

    def get_conn_count(self) -> int:
        return self._conn_count

    # -------------------------------------------------------------- directories
    @_with_connection
    def describe_directory(self, path: str) -> dict[str, dict[str, str | int | None]]:
        """`{name: {"size", "type" (file or dir), "modify" (%Y%m%d%H%M%S)}}` for a directory."""
        return {
            f.filename: {
                "size": f.st_size,
                "type": "dir" if stat.S_ISDIR(f.st_mode or 0) else "file",
                "modify": _mtime(f.st_mtime),
            }
            for f in sorted(self.conn.listdir_attr(path), key=lambda f: f.filename)
        }

    @_with_connection
    def list_directory(self, path: str) -> list[str]:
        """The names in a remote directory, sorted."""
        return sorted(self.conn.listdir(path))

    @_with_connection
    def list_directory_with_attr(self, path: str) -> list[Any]:
        """The entries of a remote directory with their SFTPAttributes."""
        return list(self.conn.listdir_attr(path))

    @_with_connection
    def mkdir(self, path: str, mode: int = 0o777) -> None:
        self.conn.mkdir(path, mode)

    @_with_connection
    def isdir(self, path: str) -> bool:
        try:
            return stat.S_ISDIR(self.conn.stat(path).st_mode or 0)
        except OSError:
            return False

    @_with_connection
    def isfile(self, path: str) -> bool:
        try:
            return stat.S_ISREG(self.conn.stat(path).st_mode or 0)
        except OSError:
            return False

    @_with_connection
    def create_directory(self, path: str, mode: int = 0o777) -> None:
        """Create a remote directory and its missing parents; nothing if it exists."""
        if self.isdir(path):
            self.log.info("%s already exists", path)
            return
        if self.isfile(path):
            raise AirflowException(f"{path} already exists and is a file")
        dirname, basename = os.path.split(path.rstrip("/"))
        if dirname and not self.isdir(dirname):
            self.create_directory(dirname, mode)
        if basename:
            self.log.info("Creating %s", path)
            self.conn.mkdir(path, mode=mode)

    @_with_connection
    def delete_directory(self, path: str, include_files: bool = False) -> None:
        """Remove a remote directory (with everything in it, with `include_files`)."""
        files: list[str] = []
        dirs: list[str] = []
        if include_files:
            files, dirs, _ = self.get_tree_map(path)
            dirs = dirs[::-1]
        for file_path in files:
            self.conn.remove(file_path)
        for dir_path in dirs:
            self.conn.rmdir(dir_path)
        self.conn.rmdir(path)

    # -------------------------------------------------------------- files
    @_with_connection
    def retrieve_file(self, remote_full_path: str, local_full_path: Any, prefetch: bool = True) -> None:
        """Download a remote file to a local path (or into a writable file object)."""
        if hasattr(local_full_path, "write"):
            self.conn.getfo(remote_full_path, local_full_path, prefetch=prefetch)
        else:
            self.conn.get(remote_full_path, local_full_path, prefetch=prefetch)

    @_with_connection
    def store_file(self, remote_full_path: str, local_full_path: Any, confirm: bool = True) -> None:
        """Upload a local file (or a readable file object) to a remote path."""
        if hasattr(local_full_path, "read"):
            self.conn.putfo(local_full_path, remote_full_path, confirm=confirm)
        else:
            self.conn.put(local_full_path, remote_full_path, confirm=confirm)

    @_with_connection
    def delete_file(self, path: str) -> None:
        self.conn.remove(path)

    @_with_connection
    def get_mod_time(self, path: str) -> str:
        """A remote entry's modification time, `%Y%m%d%H%M%S` in UTC."""
        return _mtime(self.conn.stat(path).st_mtime)

    @_with_connection
    def path_exists(self, path: str) -> bool:
        """Whether a remote file or directory exists."""
        try:
            self.conn.stat(path)
        except OSError:
            return False
        return True

    # -------------------------------------------------------------- walking
    @staticmethod
    def _is_path_match(path: str, prefix: str | None = None, delimiter: str | None = None) -> bool:
        if prefix is not None and not path.startswith(prefix):
            return False
        if delimiter is not None and not path.endswith(delimiter):
            return False
        return True

    def walktree(self, path: str, fcallback: Callable[[str], Any], dcallback: Callable[[str], Any],
                 ucallback: Callable[[str], Any], recurse: bool = True) -> None:
        """Depth first: `fcallback` for each file, `dcallback` for each directory, `ucallback`
        for anything else."""
        for entry in self.list_directory_with_attr(path):
            pathname = os.path.join(path, entry.filename)
            mode = entry.st_mode or 0
            if stat.S_ISDIR(mode):
                dcallback(pathname)
                if recurse:
                    self.walktree(pathname, fcallback, dcallback, ucallback)
            elif stat.S_ISREG(mode):
                fcallback(pathname)
            else:
                ucallback(pathname)

    def get_tree_map(self, path: str, prefix: str | None = None,
                     delimiter: str | None = None) -> tuple[list[str], list[str], list[str]]:
        """Every file, directory and other entry under `path` (filtered by prefix/suffix)."""
        files: list[str] = []
        dirs: list[str] = []
        unknowns: list[str] = []

        def collect(into: list[str]) -> Callable[[str], None]:
            return lambda item: into.append(item) if self._is_path_match(item, prefix, delimiter) else None

        with self.get_managed_conn():
            self.walktree(path, collect(files), collect(dirs), collect(unknowns), recurse=True)
        return files, dirs, unknowns

    def get_file_by_pattern(self, path: str, fnmatch_pattern: str) -> str:
        """The first name in `path` matching the pattern, or ''."""
        for file in self.list_directory(path):
            if fnmatch(file, fnmatch_pattern):
                return file
        return ""

    def get_files_by_pattern(self, path: str, fnmatch_pattern: str) -> list[str]:
        """Every name in `path` matching the pattern."""
        return [f.filename for f in self.list_directory_with_attr(path) if fnmatch(f.filename, fnmatch_pattern)]

    def test_connection(self) -> tuple[bool, str]:
        try:
            with self.get_managed_conn() as conn:
                conn.normalize(".")
            return True, "Connection successfully tested"
        except Exception as err:  # noqa: BLE001 - the message is the answer
            return False, str(err)

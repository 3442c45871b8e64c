"""SubprocessHook: runs a command, its output in the task log and its last line kept.

Airflow's hook, which BashOperator runs its command with. Without a `cwd` the command runs in
a temporary directory removed afterwards, which in a worker Lambda is under /tmp, the only
place it may write."""

from __future__ import annotations

import contextlib
import os
import signal
from collections import namedtuple
from collections.abc import Iterator
from subprocess import PIPE, STDOUT, Popen
from tempfile import TemporaryDirectory, gettempdir

from updraft.hooks.base import BaseHook

SubprocessResult = namedtuple("SubprocessResult", ["exit_code", "output"])


@contextlib.contextmanager
def working_directory(cwd: str | None = None) -> Iterator[str]:
    """`cwd` when given, else a new temporary directory (removed on the way out)."""
    with contextlib.ExitStack() as stack:
        if cwd is None:
            cwd = stack.enter_context(TemporaryDirectory(prefix="airflowtmp"))
        yield cwd


class SubprocessHook(BaseHook):
    """Hook for running processes with the ``subprocess`` module."""

    def __init__(self, **kwargs: object) -> None:
        self.sub_process: Popen[bytes] | None = None
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def run_command(
        self,
        command: list[str],
        env: dict[str, str] | None = None,
        output_encoding: str = "utf-8",
        cwd: str | None = None,
    ) -> SubprocessResult:
        """Run `command` (in its own process group) and wait for it; returns its exit code and
        the last line it wrote to stdout or stderr, trailing whitespace removed."""
        self.log.info("Tmp dir root location: %s", gettempdir())
        with working_directory(cwd=cwd) as cwd:
            self.log.info("Running command: %s", command)
            self.sub_process = Popen(
                command,
                stdout=PIPE,
                stderr=STDOUT,
                cwd=cwd,
                env=env if env or env == {} else os.environ,
                start_new_session=True,
                restore_signals=True,
            )
            self.log.info("Output:")
            line = ""
            # As Airflow: stdout is not closed on a timeout (a BaseException), so that
            # on_kill() can still signal a child that writes while it stops.
            try:
                if self.sub_process.stdout is not None:
                    for raw_line in iter(self.sub_process.stdout.readline, b""):
                        line = raw_line.decode(output_encoding, errors="backslashreplace").rstrip()
                        self.log.info("%s", line)
                self.sub_process.wait()
            except Exception:
                self._close_stdout()
                raise
            else:
                self._close_stdout()
            self.log.info("Command exited with return code %s", self.sub_process.returncode)
            return_code: int = self.sub_process.returncode
        return SubprocessResult(exit_code=return_code, output=line)

    def _close_stdout(self) -> None:
        if self.sub_process is not None and self.sub_process.stdout is not None:
            self.sub_process.stdout.close()

    def send_sigterm(self) -> None:
        """SIGTERM to the command's whole process group."""
        self.log.info("Sending SIGTERM signal to process group")
        if self.sub_process and hasattr(self.sub_process, "pid"):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(self.sub_process.pid), signal.SIGTERM)

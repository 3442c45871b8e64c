"""BashOperator: runs a bash command; a non-zero exit fails the task, exit 99 skips it."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Sequence
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException, AirflowSkipException

log = logging.getLogger("updraft.task")


class BashOperator(BaseOperator):
    """`bash -c bash_command`, its output in the task log and its last line as the XCom."""

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Sequence[int] | None = 99,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if skip_on_exit_code is None:
            self.skip_on_exit_code: tuple[int, ...] = ()
        elif isinstance(skip_on_exit_code, int):
            self.skip_on_exit_code = (skip_on_exit_code,)
        else:
            self.skip_on_exit_code = tuple(skip_on_exit_code)
        self.cwd = cwd

    def _environment(self) -> dict[str, str]:
        if self.env is None:
            return dict(os.environ)
        if self.append_env:
            return {**os.environ, **self.env}
        return dict(self.env)

    def execute(self, context: Any) -> str | None:
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"Can not find the cwd: {self.cwd}")
        log.info("Running command: %s", ["bash", "-c", self.bash_command])
        proc = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self._environment(),
            cwd=self.cwd,
            start_new_session=True,
        )
        last_line = ""
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
            last_line = line
            log.info("%s", line)
        returncode = proc.wait()
        log.info("Command exited with return code %s", returncode)
        if returncode in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {returncode}. Skipping.")
        if returncode != 0:
            raise AirflowException(
                f"Bash command failed. The command returned a non-zero exit code {returncode}."
            )
        return last_line

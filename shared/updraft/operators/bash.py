"""BashOperator: runs a bash command; a non-zero exit fails the task, exit 99 skips it.

As Airflow's: the command sees Airflow's `AIRFLOW_CTX_*` variables whatever `env` says, runs in
a temporary directory of its own unless `cwd` names one (a worker Lambda's code directory is
read-only), and its last line, through `output_processor`, is the XCom."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Container, Sequence
from functools import cached_property
from typing import Any, cast

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException, AirflowSkipException
from updraft.execution.airflow_vars import context_to_airflow_vars, environ_copy
from updraft.hooks.subprocess import SubprocessHook, SubprocessResult, working_directory

log = logging.getLogger("updraft.task")


def _same(result: str) -> Any:
    return result


class BashOperator(BaseOperator):
    """`bash -c bash_command`, its output in the task log and its last line as the XCom."""

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_fields_renderers = {"bash_command": "bash", "env": "json"}
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: Any,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        output_processor: Callable[[str], Any] = _same,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = (
            skip_on_exit_code if isinstance(skip_on_exit_code, Container)
            else [skip_on_exit_code] if skip_on_exit_code is not None
            else []
        )
        self.cwd = cwd
        self.append_env = append_env
        self.output_processor = output_processor
        self._is_inline_cmd: bool | None = None

    @cached_property
    def subprocess_hook(self) -> SubprocessHook:
        """Returns hook for running the bash command."""
        return SubprocessHook()

    def get_env(self, context: Any) -> dict[str, str]:
        """The command's environment: the worker's (`env` None), `env` alone, or the worker's
        updated with `env` (`append_env`); Airflow's context variables over any of them."""
        system_env = environ_copy()
        if self.env is None:
            env = system_env
        elif self.append_env:
            system_env.update(self.env)
            env = system_env
        else:
            env = dict(self.env)
        airflow_context_vars = context_to_airflow_vars(context, in_env_var_format=True)
        log.debug("Exporting env vars: %s", " ".join(f"{k}={v!r}" for k, v in airflow_context_vars.items()))
        env.update(airflow_context_vars)
        return env

    def execute(self, context: Any) -> Any:
        bash_path: str = shutil.which("bash") or "bash"
        if self.cwd is not None:
            if not os.path.exists(self.cwd):
                raise AirflowException(f"Can not find the cwd: {self.cwd}")
            if not os.path.isdir(self.cwd):
                raise AirflowException(f"The cwd {self.cwd} must be a directory")
        env = self.get_env(context)
        self._is_inline_cmd = self._is_inline_command(bash_command=cast(str, self.bash_command))
        if self._is_inline_cmd:
            result = self._run_inline_command(bash_path=bash_path, env=env)
        else:
            result = self._run_rendered_script_file(bash_path=bash_path, env=env)
        if result.exit_code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {result.exit_code}. Skipping.")
        if result.exit_code != 0:
            raise AirflowException(
                f"Bash command failed. The command returned a non-zero exit code {result.exit_code}."
            )
        return self.output_processor(result.output)

    def _run_inline_command(self, bash_path: str, env: dict[str, str]) -> SubprocessResult:
        """Pass the bash command as string directly in the subprocess."""
        return self.subprocess_hook.run_command(
            command=[bash_path, "-c", self.bash_command],
            env=env,
            output_encoding=self.output_encoding,
            cwd=self.cwd,
        )

    def _run_rendered_script_file(self, bash_path: str, env: dict[str, str]) -> SubprocessResult:
        """A command that still ends in .sh/.bash once rendered is written to a script file in
        the working directory and run from there (no "Argument list too long")."""
        with working_directory(cwd=self.cwd) as cwd:
            with tempfile.NamedTemporaryFile(mode="w", dir=cwd, suffix=".sh") as file:
                file.write(cast(str, self.bash_command))
                file.flush()
                bash_script = os.path.basename(file.name)
                return self.subprocess_hook.run_command(
                    command=[bash_path, bash_script],
                    env=env,
                    output_encoding=self.output_encoding,
                    cwd=cwd,
                )

    @classmethod
    def _is_inline_command(cls, bash_command: str) -> bool:
        """Return True if the bash command is an inline string. False if it's a bash script file."""
        return not bash_command.endswith(tuple(cls.template_ext))

    def on_kill(self) -> None:
        """The command's process group is sent SIGTERM (a timed-out try)."""
        self.subprocess_hook.send_sigterm()

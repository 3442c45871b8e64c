"""BashSensor: poke by running a bash script; exit 0 means done (Airflow's
providers/standard/sensors/bash.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from subprocess import PIPE, STDOUT, Popen
from tempfile import NamedTemporaryFile, TemporaryDirectory, gettempdir
from typing import Any

from updraft.exceptions import AirflowFailException
from updraft.sensors.base import BaseSensorOperator

log = logging.getLogger("updraft.task")


class BashSensor(BaseSensorOperator):
    """Runs `bash_command` as a script in a fresh temporary directory at each poke: exit code
    0 is done. With `retry_exit_code`, that code means "not yet" and any other non-zero
    code fails the task without retries; without it, every non-zero code means "not yet".
    `env`, when given, replaces the worker's environment (templated, like the command)."""

    template_fields: Sequence[str] = ("bash_command", "env")

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        output_encoding: str = "utf-8",
        retry_exit_code: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.output_encoding = output_encoding
        self.retry_exit_code = retry_exit_code

    def poke(self, context: Any) -> bool:
        """Execute the bash command in a temporary directory."""
        bash_command = self.bash_command
        log.info("Tmp dir root location: %s", gettempdir())
        with (
            TemporaryDirectory(prefix="airflowtmp") as tmp_dir,
            NamedTemporaryFile(dir=tmp_dir, prefix=self.task_id) as f,
        ):
            f.write(bytes(bash_command, "utf_8"))
            f.flush()
            fname = f.name
            log.info("Temporary script location: %s", tmp_dir + "/" + fname)
            log.info("Running command: %s", bash_command)
            with Popen(
                ["bash", fname], stdout=PIPE, stderr=STDOUT, close_fds=True, cwd=tmp_dir,
                env=self.env, start_new_session=True,
            ) as resp:
                if resp.stdout:
                    log.info("Output:")
                    for line in iter(resp.stdout.readline, b""):
                        log.info(line.decode(self.output_encoding).strip())
                resp.wait()
                log.info("Command exited with return code %s", resp.returncode)
                if resp.returncode == 0:
                    return True
                if self.retry_exit_code is not None:
                    if resp.returncode == self.retry_exit_code:
                        log.info("Return code matches retry code, will retry later")
                        return False
                    raise AirflowFailException(f"Command exited with return code {resp.returncode}")
                log.info("Non-zero return code and no retry code set, will retry later")
                return False

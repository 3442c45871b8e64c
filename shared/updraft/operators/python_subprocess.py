"""Running a Python callable's source in another interpreter, as Airflow's virtualenv operators
do, with its arguments and its result passed as JSON where Airflow pickles them.

JSON because Updraft never unpickles (unpickling runs code) and because the result becomes an
XCom, which is JSON anyway. Datetimes (the context's `logical_date` and kin) travel tagged and
come back as pendulum DateTimes when the other interpreter has pendulum, else as datetimes."""

from __future__ import annotations

import ast
import inspect
import json
import logging
import os
import shlex
import signal
import subprocess
import textwrap
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from updraft.exceptions import AirflowException

log = logging.getLogger("updraft.task")

DATETIME_TAG = "__updraft_datetime__"

# The program the other interpreter runs: argv is the arguments file, the result file, the
# string args file and the termination log (Airflow's order).
SCRIPT = '''\
import json
import os
import sys

os.environ["PYTHON_OPERATORS_VIRTUAL_ENV_MODE"] = "1"


def _updraft_decode(obj):
    if set(obj) == {{"{tag}"}}:
        from datetime import datetime
        try:
            import pendulum
        except ImportError:
            return datetime.fromisoformat(obj["{tag}"])
        return pendulum.parse(obj["{tag}"])
    return obj


# Script
{source}

{load_args}

# Read string args
with open(sys.argv[3], "r") as file:
    virtualenv_string_args = list(map(lambda x: x.strip(), list(file)))

try:
    res = {name}(*arg_dict["args"], **arg_dict["kwargs"])
except Exception as e:
    with open(sys.argv[4], "w") as file:
        file.write(str(e))
    raise

# Write output
if res is not None:
    try:
        text = json.dumps(res)
    except (TypeError, ValueError) as e:
        with open(sys.argv[4], "w") as file:
            file.write(f"The callable's return value must be JSON-serializable (Updraft passes it back as JSON): {{e}}")
        raise
    with open(sys.argv[2], "w") as file:
        file.write(text)
'''

LOAD_ARGS = '''\
with open(sys.argv[1], "r") as file:
    arg_dict = json.load(file, object_hook=_updraft_decode)'''

NO_ARGS = 'arg_dict = {"args": [], "kwargs": {}}'


def write_script(path: str, source: str, callable_name: str, has_args: bool) -> None:
    with open(path, "w") as fh:
        fh.write(SCRIPT.format(tag=DATETIME_TAG, source=source, name=callable_name,
                               load_args=LOAD_ARGS if has_args else NO_ARGS))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {DATETIME_TAG: value.isoformat()}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_args(op_args: Any, op_kwargs: dict[str, Any], operator_name: str) -> str:
    """The callable's arguments as JSON; an argument that is not JSON fails with the names of
    the keyword arguments at fault (Airflow's error, for JSON rather than pickle)."""
    try:
        return json.dumps({"args": list(op_args), "kwargs": op_kwargs}, default=_encode)
    except (TypeError, ValueError) as err:
        bad_keys = [key for key, value in op_kwargs.items() if not _is_json(value)]
        where = (f"op_kwargs. The following keys contain objects that cannot be serialized: {bad_keys}"
                 if bad_keys else f"op_args: {err}")
        raise AirflowException(
            f"Failed to serialize {where}. {operator_name} passes the callable's arguments to the "
            "other interpreter as JSON (Updraft never pickles): use strings, numbers, booleans, "
            "None, lists, dicts and datetimes."
        ) from None


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, default=_encode)
    except (TypeError, ValueError):
        return False
    return True


def loads_result(text: str) -> Any:
    return json.loads(text)


def python_source(function: Callable[..., Any], decorator_name: str | None = None) -> str:
    """The callable's source, dedented; for a TaskFlow task without its own decorators
    (`@task.external_python(...)`, `@task.run_if(...)`, `@task.skip_if(...)`, `@setup`,
    `@teardown`) and comment lines, as Airflow's DecoratedOperator.get_python_source."""
    raw = inspect.getsource(function)
    if decorator_name is None:
        return textwrap.dedent(raw)
    lines = [line for line in raw.splitlines() if not line.strip().startswith("#")]
    return remove_task_decorator(textwrap.dedent("\n".join(lines)) + "\n", decorator_name)


def remove_task_decorator(source: str, decorator_name: str) -> str:
    """The source with the task decorators of its function removed (others stay)."""
    names = {"setup", "teardown", "task.skip_if", "task.run_if", decorator_name.strip("@")}
    tree = ast.parse(source)
    drop: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if _decorator_name(decorator) in names:
                    drop.update(range(decorator.lineno, (decorator.end_lineno or decorator.lineno) + 1))
    lines = source.splitlines(keepends=True)
    return "".join(line for number, line in enumerate(lines, start=1) if number not in drop)


def _decorator_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        return _decorator_name(node.func)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


class PythonVersionInfo(NamedTuple):
    """The interface of ``sys.version_info``, for another interpreter."""

    major: int
    minor: int
    micro: int
    releaselevel: str
    serial: int

    @classmethod
    def from_executable(cls, executable: str) -> "PythonVersionInfo":
        cmd = [executable, "-c", 'import sys; print(".".join(map(str, sys.version_info)))']
        try:
            result = subprocess.check_output(cmd, text=True)
        except Exception as e:  # noqa: BLE001 - Airflow's message, whatever went wrong
            raise ValueError(f"Error while executing command {cmd}: {e}") from None
        return cls(*_parse_version_info(result.strip()))


@cache
def _parse_version_info(text: str) -> tuple[int, int, int, str, int]:
    parts = text.strip().split(".")
    if len(parts) != 5:
        raise ValueError(f"Invalid Python version info, expected 5 components separated by '.', but got {text!r}.")
    try:
        return int(parts[0]), int(parts[1]), int(parts[2]), parts[3], int(parts[4])
    except ValueError:
        raise ValueError(f"Unable to convert parts {parts} parsed from {text!r} to (int, int, int, str, int).") from None


def run_logged(cmd: list[str], env: dict[str, str], started: Callable[[subprocess.Popen[bytes]], None]) -> None:
    """Run `cmd`, its output line by line in the task log; CalledProcessError on a non-zero exit."""
    log.info("Executing cmd: %s", " ".join(shlex.quote(c) for c in cmd))
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0,
                          close_fds=False, env=env, start_new_session=True) as proc:
        started(proc)
        try:
            log.info("Output:")
            if proc.stdout:
                with proc.stdout:
                    for line in iter(proc.stdout.readline, b""):
                        log.info("%s", line.decode().rstrip())
            exit_code = proc.wait()
        except BaseException:
            # A time limit (or any error) ends the other interpreter first: leaving the block
            # waits for it, and in a Lambda it would otherwise outlive the try.
            terminate(proc)
            raise
    if exit_code != 0:
        raise subprocess.CalledProcessError(exit_code, cmd)


def terminate(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM to the process group, SIGKILL after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue

"""Airflow's virtualenv operators, as far as a worker Lambda can run them.

ExternalPythonOperator runs the callable's source in another interpreter (`python=`: a virtual
environment shipped with the worker, in a layer or its container image), as Airflow does.

PythonVirtualenvOperator builds a virtual environment with pip on every run. A worker Lambda
cannot be relied on for that (no package index as a rule, a read-only code directory, /tmp
only, 15 minutes in all), so it runs only when the worker already has every requirement: the
callable then runs in a subprocess of the worker's interpreter. Otherwise the try fails, at run
time (the DAG file still imports, its other tasks run), naming what is missing and what to use
instead."""

from __future__ import annotations

import inspect
import logging
import os
import re
import subprocess
import sys
import types
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from updraft.exceptions import AirflowException, AirflowSkipException
from updraft.execution.airflow_vars import environ_copy
from updraft.operators import python_subprocess as sub
from updraft.operators.branch import BaseBranchOperator
from updraft.operators.python import PythonOperator

log = logging.getLogger("updraft.task")

_SERIALIZERS = ("pickle", "dill", "cloudpickle")
DOCS = "docs/differences.md#python-virtual-environments"


class _BasePythonVirtualenvOperator(PythonOperator):
    """What the virtualenv operators share: the callable's source run in another interpreter,
    given the context values that can cross (Airflow's lists)."""

    BASE_SERIALIZABLE_CONTEXT_KEYS = {
        "ds", "ds_nodash", "expanded_ti_count", "inlets", "outlets", "run_id",
        "task_instance_key_str", "test_mode", "ts", "ts_nodash", "ts_nodash_with_tz",
        "next_ds", "next_ds_nodash", "prev_ds", "prev_ds_nodash", "tomorrow_ds",
        "tomorrow_ds_nodash", "yesterday_ds", "yesterday_ds_nodash", "task_reschedule_count",
        "partition_key",
    }
    PENDULUM_SERIALIZABLE_CONTEXT_KEYS = {
        "data_interval_end", "data_interval_start", "logical_date",
        "prev_data_interval_end_success", "prev_data_interval_start_success",
        "prev_start_date_success", "prev_end_date_success", "execution_date",
        "next_execution_date", "prev_execution_date", "prev_execution_date_success",
        "partition_date",
    }

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        serializer: str | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        string_args: Iterable[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        skip_on_exit_code: int | Container[int] | None = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        **kwargs: Any,
    ) -> None:
        if (
            not isinstance(python_callable, types.FunctionType)
            or isinstance(python_callable, types.LambdaType) and python_callable.__name__ == "<lambda>"
        ):
            raise ValueError(f"{type(self).__name__} only supports functions for python_callable arg")
        if inspect.isgeneratorfunction(python_callable):
            raise ValueError(f"{type(self).__name__} does not support using 'yield' in python_callable")
        super().__init__(python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs,  # type: ignore[arg-type]
                         templates_dict=templates_dict, templates_exts=templates_exts, **kwargs)
        self.string_args = string_args or []
        serializer = serializer or "pickle"
        if serializer not in _SERIALIZERS:
            raise AirflowException(
                f"Unsupported serializer {serializer!r}. Expected one of {', '.join(map(repr, _SERIALIZERS))}"
            )
        self.serializer = serializer  # accepted as in Airflow; arguments cross as JSON whatever it says
        self.expect_airflow = expect_airflow
        self.skip_on_exit_code = (
            skip_on_exit_code if isinstance(skip_on_exit_code, Container)
            else [skip_on_exit_code] if skip_on_exit_code is not None
            else []
        )
        self.env_vars = env_vars
        self.inherit_env = inherit_env
        self._process: subprocess.Popen[bytes] | None = None

    def execute(self, context: Any) -> Any:
        keys = set(self._iter_serializable_context_keys())
        return super().execute({k: v for k, v in context.items() if k in keys})

    def _call(self, context: Any) -> Any:
        # Airflow's PythonOperator.execute: the context (only what can cross) merged with
        # op_kwargs, cut down to what the callable takes, becomes op_kwargs.
        self.op_kwargs = {**self.determine_kwargs(context), **self.op_kwargs}
        return self.execute_callable()

    def execute_callable(self) -> Any:
        raise NotImplementedError

    def _iter_serializable_context_keys(self) -> Iterable[str]:
        """The context values the callable may get. Airflow's own objects (dag, task, macros,
        …) never cross: the other interpreter has no Updraft or Airflow runtime to make them
        from. Dates cross when it has pendulum, as in Airflow."""
        yield from self.BASE_SERIALIZABLE_CONTEXT_KEYS
        if self._wants_any(self.PENDULUM_SERIALIZABLE_CONTEXT_KEYS) and self._has_pendulum():
            yield from self.PENDULUM_SERIALIZABLE_CONTEXT_KEYS

    def _wants_any(self, keys: set[str]) -> bool:
        params = inspect.signature(self.python_callable).parameters.values()
        return any(p.kind is p.VAR_KEYWORD or p.name in keys for p in params)

    def _has_pendulum(self) -> bool:
        return True

    def get_python_source(self) -> str:
        return sub.python_source(self.python_callable, getattr(self, "custom_operator_name", None))

    def _execute_python_callable_in_subprocess(self, python_path: Path, pythonpath: Iterable[str] = ()) -> Any:
        with TemporaryDirectory(prefix="venv-call") as tmp:
            tmp_dir = Path(tmp)
            input_path = tmp_dir / "script.in"
            output_path = tmp_dir / "script.out"
            string_args_path = tmp_dir / "string_args.txt"
            script_path = tmp_dir / "script.py"
            termination_log_path = tmp_dir / "termination.log"
            has_args = bool(self.op_args or self.op_kwargs)
            if has_args:
                input_path.write_text(sub.dumps_args(self.op_args, self.op_kwargs, type(self).__name__))
            string_args_path.write_text("\n".join(map(str, self.string_args)))
            sub.write_script(os.fspath(script_path), self.get_python_source(), self.python_callable.__name__, has_args)
            cmd = [os.fspath(python_path), os.fspath(script_path), os.fspath(input_path),
                   os.fspath(output_path), os.fspath(string_args_path), os.fspath(termination_log_path)]
            try:
                sub.run_logged(cmd, self._environment(pythonpath), self._started)
            except subprocess.CalledProcessError as e:
                if e.returncode in self.skip_on_exit_code:
                    raise AirflowSkipException(f"Process exited with code {e.returncode}. Skipping.") from None
                if termination_log_path.exists() and termination_log_path.stat().st_size > 0:
                    error_msg = f"Process returned non-zero exit status {e.returncode}.\n"
                    error_msg += termination_log_path.read_text()
                    raise AirflowException(error_msg) from None
                raise
            finally:
                self._process = None
            if 0 in self.skip_on_exit_code:
                raise AirflowSkipException("Process exited with code 0. Skipping.")
            if not output_path.exists() or output_path.stat().st_size == 0:
                return None
            return sub.loads_result(output_path.read_text())

    def _environment(self, pythonpath: Iterable[str]) -> dict[str, str]:
        """The worker's environment (inherit_env) with env_vars; the DAG's folder (and
        `pythonpath`) on PYTHONPATH, so the callable imports the modules beside the DAG file."""
        env = environ_copy() if self.inherit_env else {}
        if self.env_vars:
            env.update(self.env_vars)
        folder = os.path.dirname(self.dag.fileloc) if self.dag is not None and self.dag.fileloc else None
        extra = [*pythonpath, *([folder] if folder and os.path.isdir(folder) else [])]
        if extra:
            env["PYTHONPATH"] = os.pathsep.join([p for p in [env.get("PYTHONPATH", "")] if p] + extra)
        return env

    def _started(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    def on_kill(self) -> None:
        """The other interpreter is ended (run_logged does so itself when a time limit
        interrupts it)."""
        if self._process is not None and self._process.poll() is None:
            sub.terminate(self._process)


class PythonVirtualenvOperator(_BasePythonVirtualenvOperator):
    """Airflow's PythonVirtualenvOperator: runs when the worker already has every requirement
    (and the Python asked for), else fails saying what to use instead (module docstring)."""

    template_fields: Sequence[str] = (
        "requirements", "index_urls", "index_urls_from_connection_ids", "venv_cache_path",
        "templates_dict", "op_args", "op_kwargs",
    )
    template_ext: Sequence[str] = (".txt",)

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        requirements: None | Iterable[str] | str = None,
        python_version: str | None = None,
        serializer: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: list[str] | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        string_args: Iterable[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        skip_on_exit_code: int | Container[int] | None = None,
        index_urls: None | Collection[str] | str = None,
        index_urls_from_connection_ids: None | Collection[str] | str = None,
        venv_cache_path: None | os.PathLike[str] = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        **kwargs: Any,
    ) -> None:
        if python_version and str(python_version)[0] != str(sys.version_info.major) and (op_args or op_kwargs):
            raise AirflowException(
                "Passing op_args or op_kwargs is not supported across different Python "
                "major versions for PythonVirtualenvOperator. Please use string_args."
                f"Sys version: {sys.version_info}. Virtual environment version: {python_version}"
            )
        if python_version is not None and not isinstance(python_version, str):
            raise AirflowException("Passing non-string types (e.g. int or float) as python_version not supported")
        if not requirements:
            self.requirements: list[str] = []
        elif isinstance(requirements, str):
            self.requirements = [requirements]
        else:
            self.requirements = list(requirements)
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = pip_install_options
        self.index_urls = [index_urls] if isinstance(index_urls, str) else list(index_urls) if index_urls else None
        self.index_urls_from_connection_ids = (
            [index_urls_from_connection_ids] if isinstance(index_urls_from_connection_ids, str)
            else list(index_urls_from_connection_ids) if index_urls_from_connection_ids else None
        )
        self.venv_cache_path = venv_cache_path
        super().__init__(
            python_callable=python_callable, serializer=serializer, op_args=op_args, op_kwargs=op_kwargs,
            string_args=string_args, templates_dict=templates_dict, templates_exts=templates_exts,
            expect_airflow=expect_airflow, skip_on_exit_code=skip_on_exit_code, env_vars=env_vars,
            inherit_env=inherit_env, **kwargs,
        )

    def execute_callable(self) -> Any:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        if self.python_version and str(self.python_version) not in (running, str(sys.version_info.major)):
            raise AirflowException(
                f"{type(self).__name__} cannot build a virtual environment for Python "
                f"{self.python_version}: the worker Lambda runs Python {running} and installs nothing at "
                "run time. Ship an interpreter of that version with the worker (a Lambda layer or the "
                "worker's container image) and run the callable with ExternalPythonOperator(python=...) "
                f"or @task.external_python. See {DOCS}."
            )
        missing = unmet_requirements(self.requirements)
        if missing:
            raise AirflowException(
                f"{type(self).__name__} cannot install {', '.join(missing)}: Updraft's worker Lambda does "
                "not build virtual environments at run time (pip needs a package index, the code "
                "directory is read-only, /tmp is the only place to write, and a try has 15 minutes "
                "in all). Install the packages ahead of time: into the worker (its Lambda layer or "
                "container image), where this operator and @task find them; or into a virtual "
                "environment shipped with the worker, run with ExternalPythonOperator(python=...) or "
                f"@task.external_python. See {DOCS}."
            )
        log.info("Every requirement is installed in the worker: running the callable with the "
                 "worker's Python (%s), as the virtual environment would", sys.executable)
        return self._execute_python_callable_in_subprocess(
            Path(sys.executable), [p for p in sys.path if p and os.path.isdir(p)])


def unmet_requirements(requirements: Iterable[str]) -> list[str]:
    """The requirement lines (a requirements file's text included) the worker's environment
    does not satisfy; pip options and lines that are not requirements count as unmet."""
    from importlib.metadata import PackageNotFoundError, version

    lines = [re.sub(r"#.*$", "", raw).strip() for raw in chain.from_iterable(r.splitlines() for r in requirements)]
    lines = [line for line in lines if line]
    if not lines:
        return []
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # nothing to check versions with: none counts as met
        return lines
    unmet = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            unmet.append(line)
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            installed = version(req.name)
        except PackageNotFoundError:
            unmet.append(line)
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            unmet.append(f"{line} (the worker has {installed})")
    return unmet


class BranchPythonVirtualenvOperator(BaseBranchOperator, PythonVirtualenvOperator):
    """PythonVirtualenvOperator whose callable returns the branch to follow."""

    def choose_branch(self, context: Any) -> Any:
        return PythonVirtualenvOperator.execute(self, context)


class ExternalPythonOperator(_BasePythonVirtualenvOperator):
    """Runs the callable in the interpreter `python` (an absolute path), its arguments and its
    result passed as JSON. The function must be defined with def and import what it uses."""

    template_fields: Sequence[str] = ("python", "templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python: str,
        python_callable: Callable[..., Any],
        serializer: str | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        string_args: Iterable[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        expect_pendulum: bool = False,
        skip_on_exit_code: int | Container[int] | None = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        **kwargs: Any,
    ) -> None:
        if not python:
            raise ValueError("Python Path must be defined in ExternalPythonOperator")
        self.python = python
        self.expect_pendulum = expect_pendulum
        super().__init__(
            python_callable=python_callable, serializer=serializer, op_args=op_args, op_kwargs=op_kwargs,
            string_args=string_args, templates_dict=templates_dict, templates_exts=templates_exts,
            expect_airflow=expect_airflow, skip_on_exit_code=skip_on_exit_code, env_vars=env_vars,
            inherit_env=inherit_env, **kwargs,
        )

    def execute_callable(self) -> Any:
        python_path = Path(self.python)
        if not python_path.exists():
            raise ValueError(f"Python Path '{python_path}' must exists")
        if not python_path.is_file():
            raise ValueError(f"Python Path '{python_path}' must be a file")
        if not python_path.is_absolute():
            raise ValueError(f"Python Path '{python_path}' must be an absolute path.")
        python_version = sub.PythonVersionInfo.from_executable(self.python)
        if python_version.major != sys.version_info.major and (self.op_args or self.op_kwargs):
            raise AirflowException(
                "Passing op_args or op_kwargs is not supported across different Python "
                "major versions for ExternalPythonOperator. Please use string_args."
                f"Sys version: {sys.version_info}. "
                f"Virtual environment version: {python_version}"
            )
        return self._execute_python_callable_in_subprocess(python_path)

    def _has_pendulum(self) -> bool:
        try:
            subprocess.check_call([self.python, "-c", "import pendulum"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except Exception as e:  # noqa: BLE001 - Airflow's warning, whatever went wrong
            if self.expect_pendulum:
                log.warning("When checking for Pendulum installed in virtual environment got %s", e)
                log.warning(
                    "Pendulum is not properly installed in the virtual environment "
                    "Pendulum context keys will not be available. "
                    "Please Install Pendulum or Airflow in your virtual environment to access them."
                )
            return False


class BranchExternalPythonOperator(BaseBranchOperator, ExternalPythonOperator):
    """ExternalPythonOperator whose callable returns the branch to follow."""

    def choose_branch(self, context: Any) -> Any:
        return ExternalPythonOperator.execute(self, context)

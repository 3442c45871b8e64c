"""Importing one DAG file in isolation, and saying clearly what is wrong with a broken one."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from updraft import compat
from updraft.authoring import context
from updraft.authoring.setup_teardown_marks import validate_setup_teardown
from updraft.exceptions import AirflowException

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG

IMPORT_TIMEOUT_SECONDS = 30


@dataclass
class LoadedFile:
    """The DAGs a file defines, or the error that stopped it (file and line in the text)."""

    path: str
    display_name: str
    dags: list["DAG"] = field(default_factory=list)
    error: str | None = None
    # The top-level module whose absence made the import fail, if that was the reason: the
    # file is parsed again when a file of that name arrives, and not for every other file.
    missing_module: str | None = None


class DagImportTimeout(AirflowException):
    pass


# One import at a time per process: the DAGs a file defines are collected through module-level
# state, and the local stack runs several workers in one process.
_import_lock = threading.RLock()


def load_dag_file(path: str, display_name: str | None = None) -> LoadedFile:
    """Import `path` under a module name of its own and collect the DAGs it defines.

    `display_name` is how errors name the file (its key in the DAG bucket, say)."""
    compat.install()
    with _import_lock:
        return _load(path, display_name)


def _load(path: str, display_name: str | None) -> LoadedFile:
    display = display_name or path
    result = LoadedFile(path=path, display_name=display)
    module_name = "updraft_dag_" + hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:12]
    folder = os.path.dirname(os.path.abspath(path))
    context.start_collecting()
    modules_before = set(sys.modules)
    added_path = folder not in sys.path
    if added_path:
        sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            result.error = f"{display}: not a Python file"
            return result
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        with _timeout(IMPORT_TIMEOUT_SECONDS, display):
            spec.loader.exec_module(module)
        found = context.collected() + [v for v in vars(module).values() if _is_dag(v)]
        seen: dict[str, DAG] = {}
        for dag in found:
            if dag.dag_id in seen and seen[dag.dag_id] is not dag:
                raise AirflowException(
                    f"Ignoring DAG {dag.dag_id} from {display} - also found in {display}"
                )
            seen[dag.dag_id] = dag
        for dag in seen.values():
            validate_setup_teardown(dag)  # Airflow's DAG.validate(), before it bags the DAG
            dag.check_cycle()
        result.dags = list(seen.values())
    except BaseException as err:  # noqa: BLE001 - any failure of user code is an import error
        if isinstance(err, KeyboardInterrupt):
            raise
        result.error = format_import_error(err, path, display)
        result.missing_module = _missing_module(err)
    finally:
        context.stop_collecting()
        sys.modules.pop(module_name, None)
        _forget_modules_from(folder, modules_before)
        if added_path:
            sys.path.remove(folder)
    return result


def _forget_modules_from(folder: str, before: set[str]) -> None:
    """Drop the helper modules this import loaded from the DAG folder: the next file, or the
    next version of the folder, imports its own (the DAG keeps the ones it holds)."""
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path and os.path.abspath(path).startswith(folder + os.sep):
            sys.modules.pop(name, None)


def might_contain_dag(path: str) -> bool:
    """Airflow's safe-mode heuristic (`dag_discovery_safe_mode`): only a file that mentions
    both "dag" and "airflow" (or "updraft") is imported; helper modules are left alone."""
    try:
        with open(path, "rb") as handle:
            content = handle.read().lower()
    except OSError:
        return True  # let the import say what is wrong
    return b"dag" in content and (b"airflow" in content or b"updraft" in content)


def _missing_module(err: BaseException) -> str | None:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ModuleNotFoundError) and seen.name and not seen.name.startswith("airflow"):
            return seen.name.split(".")[0]
        seen = seen.__cause__ or seen.__context__
    return None


def _is_dag(value: object) -> bool:
    from updraft.authoring.dag import DAG

    return isinstance(value, DAG)


def format_import_error(err: BaseException, path: str, display: str) -> str:
    """The error as Airflow shows import errors: where in the user's file, then the reason."""
    if isinstance(err, SyntaxError) and err.filename and _same(err.filename, path):
        code = (err.text or "").strip()
        return f"{display}:{err.lineno}: SyntaxError: {err.msg}" + (f"\n    {code}" if code else "")
    frames = [f for f in traceback.extract_tb(err.__traceback__) if _same(f.filename, path)]
    where = f"{display}:{frames[-1].lineno}: " if frames else f"{display}: "
    lines = [f"{where}{type(err).__name__}: {err}{compat.hint(err)}", "Traceback (most recent call last):"]
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.startswith(os.path.dirname(__file__)) or "importlib" in frame.filename:
            continue
        shown = display if _same(frame.filename, path) else frame.filename
        lines.append(f'  File "{shown}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line}")
    lines.append(f"{type(err).__name__}: {err}")
    return _without_bundle_root("\n".join(lines), path, display)


def _without_bundle_root(text: str, path: str, display: str) -> str:
    """Files of the DAG folder named by their key (`dags/helpers.py`), not by where this
    machine unpacked the folder (`/tmp/updraft-bundles/<digest>/dags/helpers.py`)."""
    full = os.path.abspath(path)
    if display != path and full.endswith(os.sep + display):
        root = full[: -len(display)]
        return text.replace(root, "")
    return text


def _same(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


@contextmanager
def _timeout(seconds: int, display: str) -> Iterator[None]:
    """Stop an import that hangs (only where signals work: the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise DagImportTimeout(f"Importing {display} took longer than {seconds} seconds")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

"""The import finder behind `airflow.*`: synthetic modules whose names load on first use."""

from __future__ import annotations

import importlib
import importlib.abc
import re
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

from updraft.compat import modules as table

PREFIX = "airflow"


class AirflowModule(types.ModuleType):
    """One of Airflow's modules, answering with Updraft's objects, each imported when first read."""

    __updraft_names__: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        target = self.__updraft_names__.get(name)
        if target is None:
            raise AttributeError(table.missing_name_message(self.__name__, name))
        if target.startswith("="):  # the module itself (`from airflow.sdk import timezone`)
            value = importlib.import_module(target[1:])
        else:
            module_name, _, attr = target.partition(":")
            value = getattr(importlib.import_module(module_name), attr or name)
        setattr(self, name, value)  # resolved once
        return value

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.__updraft_names__})


class AirflowFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `airflow` and its submodules when nothing earlier on `sys.meta_path` does."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != PREFIX and not fullname.startswith(PREFIX + "."):
            return None
        parent = fullname.rpartition(".")[0]
        if parent and not isinstance(sys.modules.get(parent), AirflowModule):
            return None  # a submodule of a real Airflow: not ours to answer
        if fullname not in table.MODULES and not table.is_package(fullname):
            raise ModuleNotFoundError(table.missing_module_message(fullname), name=fullname)
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=table.is_package(fullname))
        spec.origin = "updraft"
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = AirflowModule(spec.name)
        module.__updraft_names__ = dict(table.MODULES.get(spec.name, {}))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        names = table.MODULES.get(module.__name__, {})
        module.__all__ = sorted(n for n in names if not n.startswith("_"))  # type: ignore[attr-defined]
        if table.is_package(module.__name__):
            module.__path__ = []  # type: ignore[attr-defined]


_finder = AirflowFinder()


def install() -> None:
    """Make `airflow.*` importable for DAG files (idempotent; after every other finder)."""
    if _finder not in sys.meta_path:
        sys.meta_path.append(_finder)


def uninstall() -> None:
    """Take the finder away and forget the modules it made (tests use this)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name, module in list(sys.modules.items()):
        if isinstance(module, AirflowModule):
            del sys.modules[name]


_CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)' from '(airflow[\w.]*)'")


def hint(err: BaseException) -> str:
    """What to say after an import error of a name Updraft's `airflow.*` lacks ("" otherwise):
    Python's own message for `from airflow.sdk import X` does not say what to use instead."""
    if not isinstance(err, ImportError) or isinstance(err, ModuleNotFoundError):
        return ""
    found = _CANNOT_IMPORT.search(str(err))
    if found is None or not isinstance(sys.modules.get(found.group(2)), AirflowModule):
        return ""
    return " - " + table.missing_name_message(found.group(2), found.group(1))

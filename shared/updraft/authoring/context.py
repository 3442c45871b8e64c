"""The DAG that `with DAG(...)` or `@dag` is defining, so operators created inside join it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG

_stack: list["DAG"] = []


def push(dag: "DAG") -> None:
    _stack.append(dag)


def pop() -> "DAG":
    return _stack.pop()


def current() -> "DAG | None":
    return _stack[-1] if _stack else None


# DAGs defined (entered as a context manager) while a file is being imported: a DAG made in a
# `with` block belongs to the file even when no module-level name holds it (Airflow's
# auto-registration).
_collecting: list["DAG"] | None = None


def start_collecting() -> None:
    global _collecting
    _collecting = []


def stop_collecting() -> None:
    global _collecting
    _collecting = None


def collected() -> list["DAG"]:
    return list(_collecting or [])


def register(dag: "DAG") -> None:
    if _collecting is not None and dag not in _collecting:
        _collecting.append(dag)


def is_collecting() -> bool:
    """Whether a DAG file is being imported by Updraft (the dag processor, a worker, the CLI)."""
    return _collecting is not None

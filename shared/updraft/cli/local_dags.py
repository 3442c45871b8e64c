"""DAGs read from a folder on this machine (`--dags-folder`), for the verbs that parse DAG
files themselves: `dags next-execution`, `tasks test`, `tasks render`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from updraft.cli.errors import CliError, dag_not_found

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG


@dataclass
class LocalDag:
    dag: "DAG"
    path: Path  # the file that defines it
    folder: Path  # the DAG folder it was found in
    key: str  # the file's key in a DAG bucket: dags/<path in the folder>


def dags_folder(given: Path | None) -> Path:
    """The folder a command reads: --dags-folder, else the one `dags test` uses."""
    from updraft.cli.dags import default_dags_folder

    folder = given or default_dags_folder()
    if not folder.exists():
        raise CliError(f"argument --dags-folder: {folder} does not exist")
    return folder


def find_local_dag(folder: Path, dag_id: str) -> LocalDag:
    """Import the folder's files until one defines `dag_id` (files naming it first)."""
    from updraft.processing.dagfile import load_dag_file
    from updraft.store.bucket import DAGS_PREFIX

    root = folder if folder.is_dir() else folder.parent
    known: list[str] = []
    broken: list[str] = []
    for path in _candidates(folder, dag_id):
        key = DAGS_PREFIX + path.relative_to(root).as_posix()
        loaded = load_dag_file(str(path), display_name=key)
        if loaded.error:
            broken.append(loaded.error.splitlines()[0])
            continue
        for dag in loaded.dags:
            if dag.dag_id == dag_id:
                return LocalDag(dag=dag, path=path, folder=root, key=key)
            known.append(dag.dag_id)
    error = dag_not_found(dag_id, known, where=f" in {folder}")
    if broken:
        error = type(error)(f"{error} Files that failed to import: {'; '.join(broken)}")
    raise error


def _candidates(folder: Path, dag_id: str) -> list[Path]:
    if folder.is_file():
        return [folder]
    from updraft.processing.dagfile import might_contain_dag
    from updraft.processing.ignore import is_ignored

    files = sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts
                   and not is_ignored(str(folder), p.relative_to(folder).as_posix()) and might_contain_dag(str(p)))

    def names_it(path: Path) -> bool:
        try:
            return dag_id in path.read_text(errors="replace")
        except OSError:
            return False

    return sorted(files, key=lambda p: not names_it(p))

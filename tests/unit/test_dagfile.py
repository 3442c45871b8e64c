"""Importing DAG files: the DAGs a file defines, or an error that says where and why."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from updraft.processing.dagfile import load_dag_file


def _write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def test_dags_in_with_blocks_and_module_names_are_collected(tmp_path: Path) -> None:
    path = _write(tmp_path, "two.py", """
        from updraft import DAG
        from updraft.operators import EmptyOperator
        with DAG("first", schedule=None):
            EmptyOperator(task_id="a")
        second = DAG("second", schedule=None)
        EmptyOperator(task_id="b", dag=second)
    """)
    loaded = load_dag_file(str(path), "dags/two.py")
    assert loaded.error is None
    assert sorted(d.dag_id for d in loaded.dags) == ["first", "second"]


@pytest.mark.parametrize(
    "source, starts_with",
    [
        pytest.param("x = (\n", "dags/bad.py:1: SyntaxError: '(' was never closed", id="syntax"),
        pytest.param("import no_such_module_here\n",
                     "dags/bad.py:1: ModuleNotFoundError: No module named 'no_such_module_here'", id="import"),
        pytest.param("def f():\n    raise ValueError('boom')\nf()\n", "dags/bad.py:2: ValueError: boom", id="raise"),
    ],
)
def test_broken_files_name_file_and_line(tmp_path: Path, source: str, starts_with: str) -> None:
    loaded = load_dag_file(str(_write(tmp_path, "bad.py", source)), "dags/bad.py")
    assert loaded.dags == []
    assert loaded.error is not None
    assert loaded.error.startswith(starts_with), loaded.error


def test_cycle_in_a_dag_outside_a_with_block_is_an_import_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "cyc.py", """
        from updraft import DAG
        from updraft.operators import EmptyOperator
        d = DAG("loop", schedule=None)
        a = EmptyOperator(task_id="a", dag=d)
        b = EmptyOperator(task_id="b", dag=d)
        a >> b >> a
    """)
    loaded = load_dag_file(str(path), "dags/cyc.py")
    assert loaded.error is not None
    assert "Cycle detected in DAG 'loop'" in loaded.error

"""`.airflowignore` in Airflow 3's glob syntax: the files a pattern excludes are never parsed.
The expected lists are what Airflow 3.3.2's find_path_from_directory gives for the same folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from updraft.processing.ignore import is_ignored

FILES = ["a.py", "b_test.py", "lib/util.py", "tests/t.py", "sub/x.py", "sub/deep/y.py", "keep/z.py",
         "sub/deep/keepme.py"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# dag airflow\n")
    (tmp_path / ".airflowignore").write_text(
        "lib/\n*_test.py\ntests\n# a comment\n/sub/deep/*.py\n!sub/deep/keepme.py\n")
    (tmp_path / "sub" / ".airflowignore").write_text("x.py\n")
    return tmp_path


def test_ignored_files_are_those_airflow_leaves_out(folder: Path) -> None:
    kept = sorted(name for name in FILES if not is_ignored(str(folder), name))

    assert kept == ["a.py", "keep/z.py", "sub/deep/keepme.py"]


def test_no_ignore_file_ignores_nothing(tmp_path: Path) -> None:
    (tmp_path / "dag.py").write_text("")

    assert not is_ignored(str(tmp_path), "dag.py")

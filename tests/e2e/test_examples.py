"""The example DAGs, run by `updraft dags test` on the local stack as a user runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "dags"


def updraft(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the `updraft` command as a user would, in a process of its own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPDRAFT_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "updraft.cli.main", *args],
        capture_output=True, text=True, env=environment, cwd=cwd, timeout=300,
    )


def run_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    done = updraft("dags", "test", *args, "-o", "json", env=env)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def by_task(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ti["task_id"]: ti for ti in document["task_instances"]}


def test_etl_example_loads_rows_into_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "orders.sqlite"
    code, document = run_json("example_etl", "2024-03-01", env={"ORDERS_DB": str(db)})
    assert code == 0
    assert document["state"] == "success"
    tis = by_task(document)
    assert {t: ti["state"] for t, ti in tis.items()} == dict.fromkeys(
        ["extract", "transform", "load", "report"], "success"
    )
    assert tis["load"]["xcom_return_value"] == 5
    assert tis["report"]["xcom_return_value"] == "loaded 5 orders for 2024-03-01"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT order_id, amount_eur, loaded_for FROM orders ORDER BY order_id").fetchall()
    assert rows == [
        (1001, 120.5, "2024-03-01"),
        (1002, 69.0, "2024-03-01"),
        (1003, 19.99, "2024-03-01"),
        (1004, 285.2, "2024-03-01"),
        (1006, 49.14, "2024-03-01"),
    ]


def test_fan_out_fan_in_example() -> None:
    code, document = run_json("example_fan_out_fan_in")
    assert code == 0
    summary = by_task(document)["summarize"]
    assert summary["xcom_return_value"] == {"eu": 200, "us": 200, "apac": 400, "latam": 500}


def test_retry_example_succeeds_on_its_second_try() -> None:
    done = updraft("dags", "test", "example_retry")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[example_retry] fetch try 1: up_for_retry" in out
    assert "ConnectionError: the source is not answering yet (try 1)" in out
    assert "[example_retry] fetch try 2: success" in out
    assert "the source answered on try 2" in out
    assert out.rstrip().endswith("finished: success")


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "dags"
    folder.mkdir()
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source))
    return folder


FAILING = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator
    with DAG("failing", schedule=None, start_date=datetime(2024, 1, 1)):
        BashOperator(task_id="bad", bash_command="exit 2") >> BashOperator(task_id="after", bash_command="echo")
"""


def test_failed_run_exits_non_zero(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"failing.py": FAILING})
    done = updraft("dags", "test", "failing", "--dags-folder", str(folder), "-o", "json")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["state"] == "failed"
    assert {t: ti["state"] for t, ti in by_task(document).items()} == {"bad": "failed", "after": "upstream_failed"}


def test_broken_file_leaves_other_dags_runnable(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {
        "broken.py": "from updraft import DAG\nwith DAG('broken', schedule=None:\n    pass\n",
        "failing.py": FAILING.replace("exit 2", "echo ok"),
    })
    done = updraft("dags", "test", "failing", "--dags-folder", str(folder), "-o", "json")
    assert done.returncode == 0, done.stderr
    missing = updraft("dags", "test", "broken", "--dags-folder", str(folder))
    assert missing.returncode == 1
    assert "Dag id broken not found" in missing.stderr
    assert "dags/broken.py:2: SyntaxError" in missing.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["dags", "test", "example_etl", "--conf", "{nope"], "--conf is not valid JSON", id="bad-conf"),
        pytest.param(["dags", "test", "no_such_dag"], "Dag id no_such_dag not found", id="unknown-dag"),
    ],
)
def test_bad_input_is_one_clear_error(args: list[str], message: str) -> None:
    done = updraft(*args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr

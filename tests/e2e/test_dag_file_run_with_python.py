"""`python my_dag.py` with `dag.test()` at the bottom, as Airflow's docs write it: the file's
Airflow imports resolve (the `updraft_airflow.pth` the package installs) and one DagRun runs on
a throwaway local stack."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

DAG_FILE = """
    from datetime import datetime

    from airflow.sdk import DAG, task

    with DAG("run_with_python", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
        @task
        def hello():
            return "hi"

        hello()

    if __name__ == "__main__":
        run = dag.test()
        print("RESULT", run["state"], run["task_instances"][0]["xcom_return_value"])
"""


def test_a_dag_file_run_with_python_runs_its_dag(tmp_path: Path) -> None:
    path = tmp_path / "run_with_python.py"
    path.write_text(textwrap.dedent(DAG_FILE))

    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "RESULT success hi" in proc.stdout
    assert "hello try 1: success" in proc.stdout

"""Airflow's own example DAGs (or any folder of Airflow DAG files), unchanged, run by Airflow
3.3.2's `dag.test()` and by `updraft dags test`, side by side: for each DAG, whether the run's
state and every task instance's state, try number and return value are the same.

    python bench/airflow_examples.py                      # the examples inside apache-airflow 3.3.2
    python bench/airflow_examples.py --folder my_dags/    # your own DAG files
    python bench/airflow_examples.py -k branch -v         # only files matching, with the differences

Airflow's answers are kept in bench/results/airflow_examples_oracle.json, keyed by each file's
hash, so a second run only runs Updraft. The table goes to bench/results/airflow_examples.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import RESULTS, ROOT, bench_python, ensure_bench_venv, write_result

LOGICAL_DATE = "2024-03-05T00:00:00"
UPDRAFT_TIMEOUT = 180  # seconds; Airflow's own examples that finish do so within a minute
AIRFLOW_TIMEOUT = 600  # a sensor waiting on another DAG's run waits forever in dag.test()
ORACLE = RESULTS / "airflow_examples_oracle.json"
RECORDER = Path(__file__).parent / "compat" / "airflow_record.py"


def example_files() -> list[Path]:
    """The example DAG files shipped in the apache-airflow package and its standard provider."""
    site = next((ROOT / "bench" / ".airflow-venv" / "lib").glob("python3*/site-packages"))
    folders = [site / "airflow" / "example_dags", site / "airflow" / "providers" / "standard" / "example_dags"]
    return sorted(p for folder in folders for p in folder.glob("*.py") if p.name != "__init__.py")


def staged(path: Path, into: Path) -> Path:
    """A DAG folder of its own for `path`: the file and its folder's subfolders of data (SQL
    files, scripts), as the DAG finds them beside it."""
    folder = into / path.stem
    folder.mkdir(parents=True)
    shutil.copy(path, folder / path.name)
    for sub in path.parent.iterdir():
        if sub.is_dir() and sub.name != "__pycache__" and not any(sub.rglob("*.py")):
            shutil.copytree(sub, folder / sub.name, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def airflow_home(into: Path) -> dict[str, str]:
    home = into / "airflow-home"
    home.mkdir()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__UNIT_TEST_MODE": "False"}
    subprocess.run([str(ROOT / "bench" / ".airflow-venv" / "bin" / "airflow"), "db", "migrate"],
                   env=env, check=True, capture_output=True)
    return env


def run_airflow(folder: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    try:
        proc = subprocess.run(
            [str(bench_python()), str(RECORDER), LOGICAL_DATE, str(folder)],
            env={**env, "AIRFLOW__CORE__DAGS_FOLDER": str(folder)}, capture_output=True, text=True,
            timeout=AIRFLOW_TIMEOUT, cwd=folder,
        )
    except subprocess.TimeoutExpired:
        return [{"error": f"Airflow's dag.test() had not finished after {AIRFLOW_TIMEOUT} s"}]
    found = [json.loads(line[len("RESULT "):]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if not found:
        return [{"error": "Airflow recorded nothing: " + proc.stderr.strip()[-500:]}]
    return found


def run_updraft(folder: Path, dag_id: str) -> dict[str, Any]:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "updraft.cli.main", "dags", "test", dag_id, LOGICAL_DATE,
             "--dags-folder", str(folder), "-o", "json"],
            capture_output=True, text=True, timeout=UPDRAFT_TIMEOUT, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "shared")},
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no result after {UPDRAFT_TIMEOUT} s (the run never finished)",
                "seconds": UPDRAFT_TIMEOUT}
    seconds = time.monotonic() - started
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": (proc.stderr.strip() or proc.stdout.strip())[-800:], "seconds": seconds}
    tis = {}
    for ti in doc.get("task_instances", []):
        key = ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]"
        tis[key] = {"state": ti["state"] or "none", "try_number": ti["try_number"], "xcom": ti.get("xcom_return_value")}
    return {"run": doc.get("state"), "tis": tis, "seconds": seconds}


def differences(airflow: dict[str, Any], updraft: dict[str, Any]) -> list[str]:
    if "error" in updraft:
        return [f"updraft: {updraft['error']}"]
    out = []
    if airflow.get("run") != updraft.get("run"):
        out.append(f"run: airflow {airflow.get('run')} / updraft {updraft.get('run')}")
    a_tis, u_tis = airflow.get("tis", {}), updraft.get("tis", {})
    for key in sorted(set(a_tis) | set(u_tis)):
        a, u = a_tis.get(key), u_tis.get(key)
        if a is None or u is None:
            out.append(f"{key}: {'only in updraft' if a is None else 'only in airflow'}")
            continue
        for field in ("state", "try_number", "xcom"):
            if a[field] != u[field]:
                out.append(f"{key}.{field}: airflow {a[field]!r} / updraft {u[field]!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, help="a folder of Airflow DAG files (default: Airflow's examples)")
    parser.add_argument("-k", default="", help="only files whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every difference")
    args = parser.parse_args()
    ensure_bench_venv()
    files = sorted(args.folder.glob("*.py")) if args.folder else example_files()
    files = [f for f in files if args.k in f.name]
    oracle = json.loads(ORACLE.read_text()) if ORACLE.exists() else {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = None
        for path in files:
            folder = staged(path, work)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            key = f"{path.name}:{digest}"
            if key not in oracle:
                env = env or airflow_home(work)
                oracle[key] = run_airflow(folder, env)
                RESULTS.mkdir(exist_ok=True)
                ORACLE.write_text(json.dumps(oracle, indent=1, sort_keys=True))
            for recorded in oracle[key]:
                if "dag_id" not in recorded:
                    rows.append({"file": path.name, "dag_id": "-", "verdict": "airflow-error",
                                 "notes": [recorded.get("import_error") or recorded.get("error", "")]})
                    continue
                if "error" in recorded:
                    rows.append({"file": path.name, "dag_id": recorded["dag_id"], "verdict": "airflow-error",
                                 "notes": [recorded["error"]]})
                    continue
                updraft = run_updraft(folder, recorded["dag_id"])
                diff = differences(recorded, updraft)
                verdict = "same" if not diff else ("updraft-error" if "error" in updraft else "differs")
                rows.append({"file": path.name, "dag_id": recorded["dag_id"], "verdict": verdict, "notes": diff})
                mark = {"same": "ok  ", "differs": "DIFF", "updraft-error": "FAIL"}[verdict]
                print(f"{mark} {path.name:55} {recorded['dag_id']}", flush=True)
                if args.verbose:
                    for note in diff[:12]:
                        print(f"       {note[:300]}")
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("same", "differs", "updraft-error", "airflow-error")}
    comparable = counts["same"] + counts["differs"] + counts["updraft-error"]
    print(f"\n{len(files)} files, {comparable} DAGs that Airflow runs: {counts['same']} behave the same, "
          f"{counts['differs']} differ, {counts['updraft-error']} fail under Updraft "
          f"({counts['airflow-error']} that Airflow itself cannot run here were left out)")
    write_result("airflow_examples", {"rows": rows, "counts": counts})


if __name__ == "__main__":
    main()

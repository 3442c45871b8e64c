"""`dags test`: the whole command's wall time, `updraft dags test` against `airflow dags test`,
on the same 10-task chain of no-op Python tasks (one template; `from updraft import ...` vs
`from airflow.sdk import ...`).

Each command runs as a user runs it, in its own process from start to exit: Updraft's starts
its throwaway local stack, parses the folder, runs the DagRun through the real handlers and
stops; Airflow's parses the file and runs the tasks against its metadata database (SQLite in
its own AIRFLOW_HOME, migrated once beforehand, not timed). One untimed warm-up each, then
A B A B; both may write bytecode caches, as they do on a developer's machine.

    python bench/dags_test.py                 # 10 tasks, 3 timed runs each
    python bench/dags_test.py --rounds 5
Writes bench/results/dags_test.json beside the table."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    AIRFLOW_VERSION,
    ROOT,
    airflow_bin,
    airflow_environment,
    chain_dag,
    ensure_bench_venv,
    median,
    write_result,
)

DAG_ID = "bench_chain10"


def updraft_command() -> list[str]:
    script = Path(sys.executable).parent / "updraft"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from updraft.cli.main import main; sys.exit(main())"]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()
    ensure_bench_venv()
    base = Path(tempfile.mkdtemp(prefix="bench-dags-test-"))
    try:
        folders = {}
        for system in ("updraft", "airflow"):
            folders[system] = base / system / "dags"
            folders[system].mkdir(parents=True)
            (folders[system] / f"{DAG_ID}.py").write_text(chain_dag(system, DAG_ID, args.tasks))
        clean = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        updraft_env = {k: v for k, v in clean.items() if not k.startswith(("AWS_", "UPDRAFT_"))}
        airflow_env = {k: v for k, v in airflow_environment(base / "airflow" / "home", folders["airflow"], None).items()
                       if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([str(airflow_bin()), "db", "migrate"], env=airflow_env, check=True, capture_output=True)
        commands = {
            "updraft": ([*updraft_command(), "dags", "test", DAG_ID, "--dags-folder", str(folders["updraft"])],
                        updraft_env, base / "updraft"),
            "airflow": ([str(airflow_bin()), "dags", "test", DAG_ID], airflow_env, base / "airflow"),
        }
        for system, (argv, env, cwd) in commands.items():
            print(f"warm-up: {system} dags test", flush=True)
            timed(argv, env, cwd)
        seconds: dict[str, list[float]] = {"updraft": [], "airflow": []}
        for n in range(args.rounds):
            for system, (argv, env, cwd) in commands.items():
                seconds[system].append(timed(argv, env, cwd))
            print(f"round {n + 1}/{args.rounds}: updraft {seconds['updraft'][-1]:.2f} s, "
                  f"airflow {seconds['airflow'][-1]:.2f} s", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    result = {
        "tasks": args.tasks, "rounds": args.rounds, "airflow_version": AIRFLOW_VERSION,
        "updraft_seconds": [round(s, 3) for s in seconds["updraft"]],
        "airflow_seconds": [round(s, 3) for s in seconds["airflow"]],
        "updraft_median": round(median(seconds["updraft"]), 3),
        "airflow_median": round(median(seconds["airflow"]), 3),
    }
    result["ratio"] = round(result["airflow_median"] / result["updraft_median"], 1)
    print(f"\n`dags test` of a {args.tasks}-task chain of no-op Python tasks, whole command, "
          f"{args.rounds} runs each (A B A B)")
    print(f"{'command':34} {'median s':>9} {'runs':>30}")
    print(f"{'updraft dags test':34} {result['updraft_median']:>9.2f} "
          f"{' '.join(f'{s:.2f}' for s in seconds['updraft']):>30}")
    print(f"{'airflow dags test (' + AIRFLOW_VERSION + ', SQLite)':34} {result['airflow_median']:>9.2f} "
          f"{' '.join(f'{s:.2f}' for s in seconds['airflow']):>30}")
    print(f"Updraft is {result['ratio']}x faster (target: 5x)")
    path = write_result("dags_test", result)
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

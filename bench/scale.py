"""Scale on the local stack: a 1,000-task DAG, and 100 DagRuns of a small DAG started at once,
with the worker's SQS event source running several invocations side by side
(`LocalStack(..., sqs_concurrency=N)`), the stack served in background threads.

Every task appends one line to a file of its own (run id, task id): after the runs, each
task instance's file must hold exactly one line — no task ran twice, none was skipped — and
every task instance must have succeeded on its first try. Tasks per second count task
instances from the first one's start to the last one's end (the TI items' own times).

    python bench/scale.py                      # 1,000-task DAG, 100 runs of 5 tasks, 4 at once
    python bench/scale.py --concurrency 8 --tasks 500 --runs 50
Writes bench/results/scale.json beside the table."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import ROOT, quiet_stack_logs, write_result  # noqa: E402

MARK = '''
import os


def mark(ti, run_id):
    """The task's side effect: one line in a file of its own, per execution."""
    folder = os.path.join({marks!r}, run_id)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ti.task_id), "a") as fh:
        fh.write("ran\\n")
'''

WIDE = '''
from datetime import datetime
from updraft import DAG
from updraft.operators import PythonOperator
{mark}

with DAG("bench_wide", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    start = PythonOperator(task_id="start", python_callable=mark)
    end = PythonOperator(task_id="end", python_callable=mark)
    for i in range({middle}):
        start >> PythonOperator(task_id=f"work_{{i:04d}}", python_callable=mark) >> end
'''

SMALL = '''
from datetime import datetime
from updraft import DAG
from updraft.operators import PythonOperator
{mark}

with DAG("bench_small", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
         max_active_runs={runs}):
    a, e = (PythonOperator(task_id=t, python_callable=mark) for t in ("extract", "report"))
    for t in ("clean", "score", "load"):
        a >> PythonOperator(task_id=t, python_callable=mark) >> e
'''
SMALL_TASKS = 5


def trigger(services: Any, dag: dict[str, Any], run_ids: list[str]) -> None:
    from updraft.models.dagrun import create_dag_run, start_dag_run
    from updraft.models.states import DagRunType
    from updraft.timeutil import utcnow

    for run_id in run_ids:
        now = utcnow()
        run = create_dag_run(services, dag, run_id=run_id, run_type=DagRunType.MANUAL,
                             logical_date=now, data_interval=(now, now), run_after=now, now=now)
        start_dag_run(services, run, now)


def wait(services: Any, dag_id: str, run_ids: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pending = set(run_ids)
    while pending and time.monotonic() < deadline:
        pending = {r for r in pending
                   if str(services.runs.get(dag_id, r, consistent=True).state) not in ("success", "failed")}
        time.sleep(1)
    return not pending


def check(services: Any, dag_id: str, run_ids: list[str], marks: Path, expected_tis: int) -> dict[str, Any]:
    tis = [ti for r in run_ids for ti in services.tis.list(dag_id, r)]
    starts = [datetime.fromisoformat(t.start_date).timestamp() for t in tis if t.start_date]
    ends = [datetime.fromisoformat(t.end_date).timestamp() for t in tis if t.end_date]
    executions = {}
    for ti in tis:
        path = marks / ti.run_id / ti.task_id
        executions[(ti.run_id, ti.task_id)] = len(path.read_text().splitlines()) if path.exists() else 0
    span = max(ends) - min(starts) if starts and ends else float("nan")
    runs_ok = sum(1 for r in run_ids if str(services.runs.get(dag_id, r, consistent=True).state) == "success")
    return {
        "dag_id": dag_id, "runs": len(run_ids), "runs_succeeded": runs_ok,
        "task_instances": len(tis), "expected_task_instances": expected_tis,
        "succeeded": sum(1 for t in tis if str(t.state) == "success"),
        "retried": sum(1 for t in tis if t.try_number > 1),
        "ran_twice": sum(1 for n in executions.values() if n > 1),
        "never_ran": sum(1 for n in executions.values() if n == 0),
        "seconds": round(span, 2),
        "tasks_per_second": round(len(tis) / span, 1) if span == span and span > 0 else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4, help="worker invocations at once (default 4)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks in the wide DAG (default 1000)")
    parser.add_argument("--runs", type=int, default=100, help="DagRuns of the small DAG started at once (default 100)")
    args = parser.parse_args()
    quiet_stack_logs()

    from updraft.cli.dag_test import upload_folder
    from updraft.config import Settings
    from updraft.local.stack import LocalStack
    from updraft.services import Services

    base = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    marks, folder = base / "marks", base / "dags"
    folder.mkdir()
    mark = MARK.format(marks=str(marks))
    (folder / "bench_wide.py").write_text(WIDE.format(mark=mark, middle=args.tasks - 2))
    (folder / "bench_small.py").write_text(SMALL.format(mark=mark, runs=args.runs))
    stack = LocalStack(ROOT, env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"},
                       sqs_concurrency=args.concurrency)
    stack.start()
    results = []
    try:
        stack.serve(http_port=0)
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        upload_folder(services.bucket, folder)
        deadline = time.monotonic() + 120
        while not (services.dags.get("bench_wide") and services.dags.get("bench_small")):
            if time.monotonic() > deadline:
                raise SystemExit("the bench DAGs were not parsed within 120 s")
            time.sleep(0.2)
        for dag_id, run_ids, per_run, label in (
            ("bench_wide", ["wide_0"], args.tasks, f"one DAG of {args.tasks} tasks"),
            ("bench_small", [f"small_{n:03d}" for n in range(args.runs)], SMALL_TASKS,
             f"{args.runs} runs of a {SMALL_TASKS}-task DAG at once"),
        ):
            print(f"running {label} ({args.concurrency} worker invocations at once)", flush=True)
            dag = services.dags.get(dag_id, consistent=True)
            trigger(services, dag, run_ids)
            finished = wait(services, dag_id, run_ids, timeout=1800)
            result = {"scenario": label, "finished": finished, "concurrency": args.concurrency,
                      **check(services, dag_id, run_ids, marks, per_run * len(run_ids))}
            results.append(result)
    finally:
        stack.stop()

    print(f"\n{'scenario':34} {'TIs':>5} {'ok':>5} {'twice':>6} {'never':>6} {'retried':>8} {'seconds':>8} {'tasks/s':>8}")
    for r in results:
        print(f"{r['scenario']:34} {r['task_instances']:>5} {r['succeeded']:>5} {r['ran_twice']:>6} "
              f"{r['never_ran']:>6} {r['retried']:>8} {r['seconds']:>8} {r['tasks_per_second']:>8}")
    path = write_result("scale", {"results": results})
    print(f"wrote {path.relative_to(ROOT)}")
    good = all(r["finished"] and r["ran_twice"] == 0 and r["never_ran"] == 0
               and r["succeeded"] == r["expected_task_instances"] == r["task_instances"] for r in results)
    print("no task ran twice, every task instance ran once and succeeded" if good else "FAILED: see the table")
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(main())

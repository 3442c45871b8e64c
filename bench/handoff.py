"""Task hand-off latency: from an upstream task's end to its downstream's start, over a chain
of no-op tasks, Updraft on the local stack against Airflow 3 with its LocalExecutor.

Updraft: the local stack served in background threads (a moto server on loopback, the real
handlers, the emulated SQS event source), times read from the task instance items'
start_date/end_date. Airflow: PostgreSQL (a throwaway cluster), `airflow api-server`,
`airflow scheduler` (LocalExecutor) and `airflow dag-processor`, times read from its
task_instance table. Both run the same DAG file (one template, two import lines), in turns:
A B A B, the other system paused meanwhile.

    python bench/handoff.py                       # 20 tasks, 2 rounds each
    python bench/handoff.py --rounds 3 --update-docs
Writes bench/results/handoff.json and handoff.png (with --update-docs also docs/img/handoff-latency.png)."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    ROOT,
    RESULTS,
    airflow_bin,
    airflow_environment,
    chain_dag,
    ensure_bench_venv,
    free_port,
    median,
    percentile,
    postgres_cluster,
    quiet_stack_logs,
    write_result,
)

DAG_ID = "bench_chain"
RUN_TIMEOUT = 300


def gaps_ms(rows: list[tuple[str, float, float]]) -> list[float]:
    """Hand-offs of a chain: each task's start minus its upstream's end, in task order."""
    ordered = sorted(rows)
    return [(b[1] - a[2]) * 1000 for a, b in zip(ordered, ordered[1:])]


# ------------------------------------------------------------------ Updraft
class UpdraftSide:
    def __init__(self, tasks: int) -> None:
        from updraft.cli.dag_test import upload_folder
        from updraft.config import Settings
        from updraft.local.stack import LocalStack
        from updraft.services import Services

        folder = Path(tempfile.mkdtemp(prefix="bench-updraft-")) / "dags"
        folder.mkdir()
        (folder / f"{DAG_ID}.py").write_text(chain_dag("updraft", DAG_ID, tasks))
        self.stack = LocalStack(ROOT, env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
        self.stack.start()
        self.stack.serve(http_port=0)
        self.services = Services.from_settings(Settings.from_env(), session=self.stack.session)
        upload_folder(self.services.bucket, folder)
        deadline = time.monotonic() + 60
        while self.services.dags.get(DAG_ID) is None:
            if time.monotonic() > deadline:
                raise SystemExit("Updraft did not parse the bench DAG within 60 s")
            time.sleep(0.1)
        self.dag = self.services.dags.get(DAG_ID, consistent=True)

    def pause(self) -> None:
        for source in self.stack.sources.values():
            source.stop()

    def resume(self) -> None:
        for source in self.stack.sources.values():
            source.start()

    def run(self, n: int) -> list[float]:
        from updraft.models.dagrun import create_dag_run, start_dag_run
        from updraft.models.states import DagRunType
        from updraft.timeutil import utcnow

        run_id = f"bench_{n}"
        now = utcnow()
        run = create_dag_run(self.services, self.dag, run_id=run_id, run_type=DagRunType.MANUAL,
                             logical_date=now, data_interval=(now, now), run_after=now, now=now)
        start_dag_run(self.services, run, now)
        deadline = time.monotonic() + RUN_TIMEOUT
        while str(self.services.runs.get(DAG_ID, run_id, consistent=True).state) not in ("success", "failed"):
            if time.monotonic() > deadline:
                raise SystemExit(f"Updraft's run {run_id} did not finish in {RUN_TIMEOUT} s")
            time.sleep(0.5)
        rows = [(ti.task_id, datetime.fromisoformat(ti.start_date).timestamp(),
                 datetime.fromisoformat(ti.end_date).timestamp())
                for ti in self.services.tis.list(DAG_ID, run_id)]
        return gaps_ms(rows)

    def close(self) -> None:
        self.stack.stop()


# ------------------------------------------------------------------ Airflow
class AirflowSide:
    """Airflow 3's components as a deployment runs them, on one machine."""

    def __init__(self, tasks: int, database_url: str) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="bench-airflow-"))
        dags = self.base / "dags"
        dags.mkdir()
        (dags / f"{DAG_ID}.py").write_text(chain_dag("airflow", DAG_ID, tasks))
        self.database_url = database_url
        port = free_port()
        self.env = airflow_environment(
            self.base / "home", dags, database_url,
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        )
        subprocess.run([str(airflow_bin()), "db", "migrate"], env=self.env, check=True, capture_output=True)
        self.processes: list[subprocess.Popen[bytes]] = []
        for name, argv in (("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port)]),
                           ("scheduler", ["scheduler"]), ("dag-processor", ["dag-processor"])):
            log = open(self.base / f"{name}.log", "wb")
            self.processes.append(subprocess.Popen([str(airflow_bin()), *argv], env=self.env, stdout=log,
                                                   stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 180
        while self.sql(f"SELECT count(*) FROM dag WHERE dag_id = '{DAG_ID}' AND NOT is_paused") != [["1"]]:
            if time.monotonic() > deadline:
                raise SystemExit(f"Airflow did not parse the bench DAG within 180 s; logs in {self.base}")
            time.sleep(1)

    def sql(self, query: str) -> list[list[str]]:
        url = self.database_url.split("//", 1)[1]  # postgres@127.0.0.1:PORT/airflow
        user, rest = url.split("@", 1)
        hostport, database = rest.split("/", 1)
        host, port = hostport.split(":")
        psql = shutil.which("psql") or "psql"
        out = subprocess.run([psql, "-h", host, "-p", port, "-U", user, "-d", database, "-At", "-F", "\t", "-c", query],
                             capture_output=True, text=True)
        if out.returncode != 0:
            return []
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def signal(self, sig: int) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass

    def pause(self) -> None:
        self.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.signal(signal.SIGCONT)

    def run(self, n: int) -> list[float]:
        run_id = f"bench_{n}"
        subprocess.run([str(airflow_bin()), "dags", "trigger", DAG_ID, "--run-id", run_id], env=self.env,
                       check=True, capture_output=True)
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            state = self.sql(f"SELECT state FROM dag_run WHERE dag_id = '{DAG_ID}' AND run_id = '{run_id}'")
            if state and state[0][0] in ("success", "failed"):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"Airflow's run {run_id} did not finish in {RUN_TIMEOUT} s; logs in {self.base}")
            time.sleep(0.5)
        rows = self.sql(
            "SELECT task_id, extract(epoch FROM start_date), extract(epoch FROM end_date) FROM task_instance "
            f"WHERE dag_id = '{DAG_ID}' AND run_id = '{run_id}'"
        )
        return gaps_ms([(task, float(start), float(end)) for task, start, end in rows])

    def close(self) -> None:
        self.resume()
        self.signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)


# ------------------------------------------------------------------ the plot
PLOT = '''
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = json.load(open(sys.argv[1]))
fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
colors = {"Updraft": "#1f77b4", "Airflow": "#d62728"}
for x, name in enumerate(["Updraft", "Airflow"]):
    values = data[name.lower()]["handoffs_ms"]
    xs = [x + 0.25 * ((i % 9) / 8 - 0.5) for i in range(len(values))]
    ax.scatter(xs, values, s=12, alpha=0.6, color=colors[name])
    m, p = data[name.lower()]["median_ms"], data[name.lower()]["p95_ms"]
    ax.hlines(m, x - 0.3, x + 0.3, color="black", linewidth=2)
    ax.hlines(p, x - 0.3, x + 0.3, color="black", linewidth=1, linestyles="dashed")
    ax.annotate(f"median {m:.0f} ms", (x + 0.33, m), va="top", fontsize=9)
    ax.annotate(f"p95 {p:.0f} ms", (x + 0.33, p), va="bottom", fontsize=9)
ax.set_xticks([0, 1])
ax.set_xticklabels([f"Updraft\\n(local stack, {data['tasks']}-task chain)",
                    "Airflow " + data["airflow_version"] + "\\n(LocalExecutor, PostgreSQL)"])
ax.set_xlim(-0.5, 1.9)
ax.set_yscale("log")
ax.set_ylabel("hand-off: upstream end to downstream start (ms)")
ax.set_title(f"Task hand-off latency, {data['rounds']} runs each (A B A B): {data['ratio_median']:.0f}x faster")
ax.grid(axis="y", which="both", alpha=0.3)
fig.tight_layout()
fig.savefig(sys.argv[2])
'''


def plot(result_path: Path, png: Path) -> None:
    python = ensure_bench_venv()
    subprocess.run([str(python), "-c", PLOT, str(result_path), str(png)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20, help="tasks in the chain (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each system, alternating (default 2)")
    parser.add_argument("--update-docs", action="store_true", help="also write docs/img/handoff-latency.png")
    args = parser.parse_args()
    ensure_bench_venv()
    quiet_stack_logs()
    from _support import AIRFLOW_VERSION

    with postgres_cluster() as database_url:
        print("starting Airflow (PostgreSQL, api-server, scheduler with LocalExecutor, dag-processor)", flush=True)
        airflow = AirflowSide(args.tasks, database_url)
        updraft = None
        try:
            airflow.pause()
            print("starting Updraft's local stack", flush=True)
            updraft = UpdraftSide(args.tasks)
            results: dict[str, list[float]] = {"updraft": [], "airflow": []}
            for n in range(args.rounds):
                updraft.resume()
                results["updraft"] += updraft.run(n)
                updraft.pause()
                airflow.resume()
                results["airflow"] += airflow.run(n)
                airflow.pause()
                print(f"round {n + 1}/{args.rounds}: Updraft median {median(results['updraft']):.1f} ms, "
                      f"Airflow median {median(results['airflow']):.1f} ms", flush=True)
        finally:
            airflow.close()
            if updraft is not None:
                updraft.close()

    summary: dict[str, Any] = {"tasks": args.tasks, "rounds": args.rounds, "airflow_version": AIRFLOW_VERSION}
    for name, values in results.items():
        summary[name] = {"handoffs_ms": [round(v, 1) for v in values], "median_ms": round(median(values), 1),
                         "p95_ms": round(percentile(values, 95), 1), "max_ms": round(max(values), 1)}
    summary["ratio_median"] = round(summary["airflow"]["median_ms"] / summary["updraft"]["median_ms"], 1)
    summary["ratio_p95"] = round(summary["airflow"]["p95_ms"] / summary["updraft"]["p95_ms"], 1)
    print(f"\nhand-off latency, {args.tasks}-task chain of no-op tasks, {args.rounds} runs each (A B A B)")
    print(f"{'system':34} {'hand-offs':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for label, name in (("Updraft (local stack)", "updraft"), (f"Airflow {AIRFLOW_VERSION} (LocalExecutor)", "airflow")):
        s = summary[name]
        print(f"{label:34} {len(s['handoffs_ms']):>9} {s['median_ms']:>10} {s['p95_ms']:>8} {s['max_ms']:>8}")
    print(f"Updraft is {summary['ratio_median']}x faster at the median, {summary['ratio_p95']}x at p95 "
          "(target: 20x)")
    path = write_result("handoff", summary)
    png = RESULTS / "handoff.png"
    plot(path, png)
    if args.update_docs:
        (ROOT / "docs" / "img").mkdir(exist_ok=True)
        shutil.copyfile(png, ROOT / "docs" / "img" / "handoff-latency.png")
    print(f"wrote {path.relative_to(ROOT)} and {png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

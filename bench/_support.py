"""What the benchmark scripts share: the bench's own virtual environment (Apache Airflow 3,
matplotlib, the profilers; never Updraft's), a throwaway PostgreSQL cluster, one DAG template
for both systems, statistics, and the results folder.

Airflow lives only in bench/.airflow-venv (git-ignored); Updraft's dependencies never include it.
"""

from __future__ import annotations

import json
import os
import platform
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
BENCH_VENV = BENCH / ".airflow-venv"
AIRFLOW_VERSION = "3.3.2"
# What the bench's own environment holds; none of it is Updraft's.
BENCH_PACKAGES = [f"apache-airflow[postgres]=={AIRFLOW_VERSION}", "matplotlib", "py-spy", "pyinstrument"]

if str(ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "shared"))

# One DAG file for both systems: only the import line differs.
CHAIN_TEMPLATE = '''\
from datetime import datetime

{import_line}

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    @task
    def noop() -> None:
        return None

    chain(*[noop.override(task_id=f"t{{i:02d}}")() for i in range({tasks})])
'''
IMPORT_LINES = {
    "updraft": "from updraft import DAG, chain, task",
    "airflow": "from airflow.sdk import DAG, chain, task",
}


def chain_dag(system: str, dag_id: str, tasks: int) -> str:
    """A chain of `tasks` no-op Python tasks, written for `system` ("updraft" or "airflow")."""
    return CHAIN_TEMPLATE.format(import_line=IMPORT_LINES[system], dag_id=dag_id, tasks=tasks)


# ------------------------------------------------------------------ the bench's environment
def bench_python() -> Path:
    return BENCH_VENV / "bin" / "python"


def airflow_bin() -> Path:
    return BENCH_VENV / "bin" / "airflow"


def ensure_bench_venv() -> Path:
    """Create bench/.airflow-venv with Airflow 3, matplotlib and the profilers, once (about a
    minute); later runs find it ready. Returns its python."""
    marker = BENCH_VENV / ".bench-packages"
    wanted = "\n".join(BENCH_PACKAGES)
    if marker.exists() and marker.read_text() == wanted and airflow_bin().exists():
        return bench_python()
    print(f"setting up {BENCH_VENV.relative_to(ROOT)} (Apache Airflow {AIRFLOW_VERSION}, matplotlib, "
          "py-spy, pyinstrument): about a minute, once", flush=True)
    base = shutil.which("python3.11") or shutil.which("python3.12") or sys.executable
    if not bench_python().exists():
        subprocess.run([base, "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run([str(bench_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *BENCH_PACKAGES], check=True, stderr=subprocess.DEVNULL)
    marker.write_text(wanted)
    return bench_python()


# ------------------------------------------------------------------ PostgreSQL for Airflow
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bindir() -> str:
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[4]))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql "
                         "(Airflow's LocalExecutor needs a real database)")
    return str(found[-1].parent)


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", "postgres", "--", *argv]


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway cluster in a temporary folder on a free loopback port (trust auth, fsync off
    as for any disposable test database); yields the SQLAlchemy URL of its `airflow` database."""
    bindir = _postgres_bindir()
    base = tempfile.mkdtemp(prefix="bench-pg-")
    data, log = os.path.join(base, "data"), os.path.join(base, "server.log")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(base, entry.pw_uid, entry.pw_gid)
    port = free_port()
    pg_ctl = os.path.join(bindir, "pg_ctl")
    subprocess.run(_as_postgres([os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                                 "--no-sync", "-E", "UTF8"]), check=True, capture_output=True, cwd=base)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_postgres([pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"]),
                   check=True, capture_output=True, cwd=base)
    try:
        subprocess.run([os.path.join(bindir, "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "-c", "CREATE DATABASE airflow"], check=True, capture_output=True)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "stop"]), capture_output=True, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def airflow_environment(home: Path, dags: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """Environment variables for the Airflow commands: its own home and DAG folder, no
    examples, and the given database (SQLite in the home when None)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_", "UPDRAFT_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # The components started separately must sign and check task tokens with one key.
        "AIRFLOW__API_AUTH__JWT_SECRET": "bench-only-secret-bench-only-secret",
        "AIRFLOW__API__SECRET_KEY": "bench-only-secret",
        "PATH": f"{BENCH_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if database_url:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url
    env.update(extra)
    return env


# ------------------------------------------------------------------ numbers
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), by linear interpolation between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "free_h": free,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**data, "machine": machine()}, indent=2, default=str))
    return path


@dataclass
class Stopwatch:
    started: float = 0.0

    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


def quiet_stack_logs() -> None:
    """The stack's own INFO lines would bury the table."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # task logs set their own loggers' levels
    for name in ("updraft", "werkzeug", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)

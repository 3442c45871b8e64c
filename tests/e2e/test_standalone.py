"""`updraft standalone` as a user runs it: the API on localhost (logged in as a user made with
`updraft users create`), the CLI against it, the scheduler ticking, uploads picked up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Standalone:
    USER, PASSWORD = "e2e-admin", "e2e-admin-password"

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPDRAFT_"))}
        self.env["UPDRAFT_HOME"] = str(home)
        self.token: str | None = None

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A request to /api/v2 as an admin (logged in on first use; health needs no login)."""
        if self.token is None and path != "/monitor/health":
            self.token = self.login()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.request(method, f"/api/v2{path}", body, headers)

    def login(self) -> str:
        """A user of our own, made with the CLI, and its token from POST /auth/token."""
        done = self.cli("users", "create", "--username", self.USER, "--role", "admin", "--password", self.PASSWORD)
        assert done.returncode == 0 or "already exists" in done.stderr, done.stderr
        status, body = self.request("POST", "/auth/token", {"username": self.USER, "password": self.PASSWORD})
        assert status == 201, body
        return str(body["access_token"])

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "updraft.cli.main", *args], capture_output=True,
                              text=True, env=self.env, cwd=ROOT, timeout=120)


@contextmanager
def running(home: Path, *args: str) -> Iterator[Standalone]:
    """`updraft standalone --tick 1 ARGS` in a process of its own, once its API answers and
    the DAG files are parsed; its log is printed when it stops."""
    node = Standalone(home, _free_port())
    node.env["ORDERS_DB"] = str(home / "orders.sqlite")
    log = open(home / "standalone.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "updraft.cli.main", "standalone", "--port", str(node.port), "--tick", "1", *args],
        stdout=log, stderr=subprocess.STDOUT, env=node.env, cwd=ROOT,
    )
    try:
        _wait(lambda: proc.poll() is None and node.api("GET", "/monitor/health")[0] == 200, 60, "the API")
        _wait(lambda: len(node.api("GET", "/dags")[1]["dags"]) >= 3, 60, "the example DAGs")
        yield node
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        print((home / "standalone.log").read_text()[-5000:])


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    with running(tmp_path_factory.mktemp("home")) as node:
        yield node


def test_cli_lists_the_example_dags(standalone: Standalone) -> None:
    done = standalone.cli("dags", "list", "-o", "json")
    assert done.returncode == 0, done.stderr
    dags = {d["dag_id"]: d for d in json.loads(done.stdout)}
    assert {"example_etl", "example_fan_out_fan_in", "example_retry"} <= set(dags)
    assert dags["example_fan_out_fan_in"]["schedule"] == "0 6 * * MON-FRI"
    assert dags["example_retry"]["is_paused"] is True


def test_trigger_of_a_paused_dag_waits_until_it_is_unpaused(standalone: Standalone) -> None:
    done = standalone.cli("dags", "trigger", "example_etl")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[3]
    time.sleep(2)
    assert standalone.api("GET", f"/dags/example_etl/dagRuns/{run_id}")[1]["state"] == "queued"
    assert standalone.cli("dags", "unpause", "example_etl").returncode == 0
    _wait(lambda: standalone.api("GET", f"/dags/example_etl/dagRuns/{run_id}")[1]["state"] == "success",
          60, "the run to start and finish once unpaused")


def test_cli_trigger_runs_to_success(standalone: Standalone) -> None:
    assert standalone.cli("dags", "unpause", "example_fan_out_fan_in").returncode == 0
    done = standalone.cli("dags", "trigger", "example_fan_out_fan_in", "--conf", '{"who": "cli"}')
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[3]
    status, run = _wait(
        lambda: (lambda r: r if r[1].get("state") in ("success", "failed") else None)(
            standalone.api("GET", f"/dags/example_fan_out_fan_in/dagRuns/{run_id}")),
        60, "the run to finish",
    )
    assert run["state"] == "success"
    assert run["conf"] == {"who": "cli"}


def test_api_trigger_then_logs(standalone: Standalone) -> None:
    assert standalone.api("PATCH", "/dags/example_retry", {"is_paused": False})[0] == 200
    status, run = standalone.api("POST", "/dags/example_retry/dagRuns", {"logical_date": None, "conf": {}})
    assert status == 200, run
    run_id = run["dag_run_id"]
    _wait(lambda: standalone.api("GET", f"/dags/example_retry/dagRuns/{run_id}")[1]["state"] == "success",
          60, "the retry run")
    status, tis = standalone.api("GET", f"/dags/example_retry/dagRuns/{run_id}/taskInstances")
    assert {t["task_id"]: (t["state"], t["try_number"]) for t in tis["task_instances"]} == {
        "fetch": ("success", 2), "after": ("success", 1),
    }
    status, log = standalone.api("GET", f"/dags/example_retry/dagRuns/{run_id}/taskInstances/fetch/logs/1")
    assert status == 200
    assert "not answering yet" in json.dumps(log)


def test_unknown_dag_is_a_clear_error(standalone: Standalone) -> None:
    status, body = standalone.api("POST", "/dags/nope/dagRuns", {"conf": {}})
    assert status == 404
    assert "nope" in body["detail"]
    done = standalone.cli("dags", "trigger", "nope")
    assert done.returncode == 1
    assert "nope" in done.stderr and "Traceback" not in done.stderr


EVERY_MINUTE = """
from datetime import datetime
from updraft import DAG
from updraft.operators import BashOperator

with DAG("every_minute", schedule="* * * * *", start_date=datetime(2024, 1, 1), is_paused_upon_creation=False):
    BashOperator(task_id="tick", bash_command="echo tick {{ ts }}")
"""


def test_uploaded_dag_is_scheduled_by_the_ticking_scheduler(standalone: Standalone, tmp_path: Path) -> None:
    path = tmp_path / "every_minute.py"
    path.write_text(EVERY_MINUTE)
    done = standalone.cli("dags", "upload", str(path))
    assert done.returncode == 0, done.stderr
    _wait(lambda: standalone.api("GET", "/dags/every_minute")[0] == 200, 30, "the uploaded DAG")
    runs = _wait(
        lambda: [r for r in standalone.api("GET", "/dags/every_minute/dagRuns")[1]["dag_runs"]
                 if r["state"] == "success"],
        90, "a scheduled run",
    )
    assert runs[0]["run_type"] == "scheduled"
    assert runs[0]["dag_run_id"].startswith("scheduled__")


def test_the_api_asks_for_a_token_and_standalone_prints_how_to_log_in(standalone: Standalone) -> None:
    import re

    assert standalone.request("GET", "/api/v2/dags")[0] == 401
    printed = re.search(r"Login with username: admin  password: (\S+)", (standalone.home / "standalone.log").read_text())
    assert printed, "standalone printed no login"
    status, body = standalone.request("POST", "/auth/token", {"username": "admin", "password": printed[1]})
    assert status == 201
    assert standalone.request("GET", "/api/v2/dags", headers={"Authorization": f"Bearer {body['access_token']}"})[0] == 200
    assert (standalone.home / "standalone_admin_password").read_text().strip() == printed[1]
    assert f"UI on http://127.0.0.1:{standalone.port}/" in (standalone.home / "standalone.log").read_text()

"""The `updraft` command line as a user runs it: each verb in a process of its own, against
one `updraft standalone` (a moto server, the real handlers, the scheduler ticking every
second), and the verbs that need no stack (`tasks test`, `tasks render`, `completion`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_standalone import ROOT, Standalone, _free_port, _wait

FAILING = """
from datetime import datetime
from updraft import DAG
from updraft.operators import BashOperator

with DAG("cli_failing", schedule=None, start_date=datetime(2024, 1, 1), is_paused_upon_creation=False):
    BashOperator(task_id="boom", bash_command="echo about to fail; exit 3") >> BashOperator(
        task_id="after", bash_command="echo never"
    )
"""

BROKEN = "from updraft import DAG\nwith DAG('cli_broken', schedule=None:\n    pass\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    home = tmp_path_factory.mktemp("cli_home")
    node = Standalone(home, _free_port())
    log = open(home / "standalone.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "updraft.cli.main", "standalone", "--port", str(node.port), "--tick", "1"],
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


def updraft(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`updraft …` with no stack reachable (UPDRAFT_HOME empty), unless `env` says otherwise."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPDRAFT_"))}
    environment.setdefault("UPDRAFT_HOME", str(ROOT / ".no-such-updraft-home"))
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "updraft.cli.main", *args], capture_output=True, text=True,
                          env=environment, cwd=ROOT, timeout=120, input=stdin)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_error_line(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert done.returncode == code, done.stdout
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr.strip()


# -- DAGs and their runs -----------------------------------------------------------------------
def test_trigger_wait_then_the_run_and_its_task_instances(stack: Standalone) -> None:
    assert ok(stack.cli("dags", "unpause", "example_retry")).strip() == "Dag: example_retry, paused: False"
    done = stack.cli("dags", "trigger", "example_retry", "-l", "2024-03-01", "--conf", '{"who": "cli"}', "--wait")
    out = ok(done)
    run_id = out.split()[3]
    assert "[example_retry] fetch try 1: up_for_retry" in out
    assert "[example_retry] after try 1: success" in out
    assert out.rstrip().endswith(f"DagRun {run_id} finished: success")

    runs = json.loads(ok(stack.cli("dags", "list-runs", "example_retry", "--state", "success", "-o", "json")))
    assert [(r["run_id"], r["logical_date"]) for r in runs] == [(run_id, "2024-03-01T00:00:00+00:00")]
    assert ok(stack.cli("dags", "list-runs", "example_retry", "-s", "2024-03-02", "-o", "yaml")) == "[]\n"
    assert ok(stack.cli("dags", "state", "example_retry", "2024-03-01")).strip() == 'success, {"who": "cli"}'
    assert ok(stack.cli("tasks", "state", "example_retry", "fetch", run_id)).strip() == "success"

    states = ok(stack.cli("tasks", "states-for-dag-run", "example_retry", run_id, "-o", "plain"))
    assert [line.split()[2:4] for line in states.splitlines()] == [
        ["task_id", "state"], ["fetch", "success"], ["after", "success"]]

    deps = ok(stack.cli("tasks", "failed-deps", "example_retry", "after", "2024-03-01"))
    assert deps.splitlines() == [
        "Task instance dependencies not met:",
        "Dagrun Running: Task instance's dagrun was not in the 'running' state but in the state 'success'.",
        "Task Instance State: Task is in the 'success' state which is not a valid state for execution. "
        "The task must be cleared in order to be run.",
    ]

    clear = stack.cli("tasks", "clear", "example_retry", "-t", "^fetch$", "-d", "-s", "2024-03-01", "-e", "2024-03-01", "-y")
    assert ok(clear).splitlines() == ["Cleared 2 task instance(s)"]
    path = f"/dags/example_retry/dagRuns/{run_id}"
    _wait(lambda: stack.api("GET", path)[1]["state"] == "success"
          and stack.api("GET", f"{path}/taskInstances/after")[1]["try_number"] == 2, 30, "the cleared tasks to run again")


def test_a_failed_run_fails_the_waiting_trigger_and_broken_files_are_listed(stack: Standalone, tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "cli_failing.py").write_text(FAILING)
    (folder / "cli_broken.py").write_text(BROKEN)
    out = ok(stack.cli("dags", "upload", str(folder)))
    assert out.count("uploaded s3://") == 2
    _wait(lambda: stack.api("GET", "/dags/cli_failing")[0] == 200, 30, "the uploaded DAG")

    done = stack.cli("dags", "trigger", "cli_failing", "--wait", "-o", "json")
    assert done.returncode == 1
    assert json.loads(done.stdout)[0]["state"] == "failed"
    assert "[cli_failing] boom try 1: failed" in done.stderr
    assert "[cli_failing] after try 0: upstream_failed" in done.stderr

    errors = stack.cli("dags", "list-import-errors", "-o", "json")
    assert errors.returncode == 1
    assert [(e["filepath"], e["error"].splitlines()[0]) for e in json.loads(errors.stdout)] == [
        ("dags/cli_broken.py", "dags/cli_broken.py:2: SyntaxError: invalid syntax")
    ]


def test_next_execution_from_the_stack_and_from_a_folder(stack: Standalone) -> None:
    done = stack.cli("dags", "next-execution", "example_fan_out_fan_in", "-n", "3", "-o", "json")
    infos = json.loads(ok(done))
    assert "PAUSED" in done.stderr
    assert len(infos) == 3
    assert all(i["logical_date"].endswith("T06:00:00+00:00") for i in infos)
    assert infos[0]["logical_date"] < infos[1]["logical_date"] < infos[2]["logical_date"]
    lines = ok(stack.cli("dags", "next-execution", "example_fan_out_fan_in", "-n", "2")).split()
    assert lines == [i["logical_date"] for i in infos[:2]]

    local = ok(updraft("dags", "next-execution", "example_etl", "--dags-folder", "examples/dags", "--field", "run_after"))
    assert local.strip().endswith("T00:00:00+00:00")


def test_tasks_list_and_tree(stack: Standalone) -> None:
    assert ok(stack.cli("tasks", "list", "example_etl")).split() == ["extract", "load", "report", "transform"]
    tree = ok(stack.cli("tasks", "list", "example_fan_out_fan_in", "--tree")).splitlines()
    assert tree[0] == "<Task(EmptyOperator): start>"
    assert tree[1].startswith("    <Task(") and tree[1].endswith(": count_apac>")
    assert tree[2].startswith("        <Task(") and tree[2].endswith(": summarize>")


def test_delete_asks_then_removes_every_record_of_the_dag(stack: Standalone, tmp_path: Path) -> None:
    (tmp_path / "cli_doomed.py").write_text(FAILING.replace("cli_failing", "cli_doomed").replace("exit 3", "true"))
    ok(stack.cli("dags", "upload", str(tmp_path / "cli_doomed.py")))
    _wait(lambda: stack.api("GET", "/dags/cli_doomed")[0] == 200, 30, "the uploaded DAG")
    run_id = ok(stack.cli("dags", "trigger", "cli_doomed", "--wait")).split()[3]

    cancelled = subprocess.run([sys.executable, "-m", "updraft.cli.main", "dags", "delete", "cli_doomed"],
                               input="n\n", capture_output=True, text=True, env=stack.env, cwd=ROOT, timeout=60)
    assert "Proceed? (y/n)" in cancelled.stdout and cancelled.stdout.rstrip().endswith("Cancelled")
    out = ok(stack.cli("dags", "delete", "cli_doomed", "-y"))
    assert out.strip() == "Removed 7 record(s)"  # summary, version, run, 2 task instances, 2 XComs
    assert stack.api("GET", "/dags/cli_doomed")[0] == 404
    assert stack.api("GET", f"/dags/cli_doomed/dagRuns/{run_id}")[0] == 404
    assert stack.api("GET", f"/dags/cli_doomed/dagRuns/{run_id}/taskInstances")[1].get("task_instances") in (None, [])


def test_info_names_the_stack_and_its_endpoint(stack: Standalone) -> None:
    info = json.loads(ok(stack.cli("info", "-o", "json")))
    assert info["Stack info"]["api_url"] == f"http://127.0.0.1:{stack.port}/api/v2"
    assert info["Stack info"]["endpoint"].startswith("http://127.0.0.1:")
    assert info["Stack info"]["table"] and info["Stack info"]["bucket"]
    assert info["Updraft info"]["updraft"] == ok(stack.cli("version")).strip()


# -- mistakes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["dags", "trigger", "exmaple_etl"], "DAG 'exmaple_etl' not found. Did you mean 'example_etl'?",
                     id="unknown-dag"),
        pytest.param(["dags", "trigger", "example_etl", "--conf", "{nope"], "--conf is not valid JSON", id="bad-conf"),
    ],
)
def test_mistakes_against_the_stack_are_one_line(stack: Standalone, args: list[str], message: str) -> None:
    line = one_error_line(stack.cli(*args))
    assert line.startswith("updraft: error: ")
    assert message in line


def test_unknown_task_is_named_with_the_closest(stack: Standalone) -> None:
    line = one_error_line(stack.cli("tasks", "state", "example_etl", "lod", "2024-04-01"))
    assert line == "updraft: error: Task 'lod' not found in DAG 'example_etl'. Did you mean 'load'?"


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["dags", "list-runs", "example_etl", "-s", "2024-13-01"],
                     "updraft dags list-runs: error: argument -s/--start-date: '2024-13-01' is not a date; "
                     "expected YYYY-MM-DD", id="bad-date"),
        pytest.param(["tasks", "render", "example_etl", "report", "yesterdayish"],
                     "argument LOGICAL_DATE: 'yesterdayish' is not a date", id="bad-positional-date"),
        pytest.param(["dags", "lsit"], "invalid choice: 'lsit'. Did you mean 'list'?", id="unknown-verb"),
    ],
)
def test_malformed_arguments_are_one_line(args: list[str], message: str) -> None:
    assert message in one_error_line(updraft(*args), code=2)


def test_no_stack_reachable_is_one_line() -> None:
    line = one_error_line(updraft("dags", "list"))
    assert line == ("updraft: error: No stack reachable: start the local one with `updraft standalone`, "
                    "or name a deployed one with --stack NAME")


# -- verbs that need no stack --------------------------------------------------------------------
def test_tasks_test_runs_one_task_and_prints_its_log(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "params_dag.py").write_text(textwrap.dedent("""
        from datetime import datetime
        from updraft import DAG
        from updraft.operators import BashOperator, PythonOperator

        def show(params, ti, ds):
            print(f"limit={params['limit']} ds={ds} upstream={ti.xcom_pull(task_ids='first')}")
            ti.xcom_push("seen", params["limit"])
            return ti.xcom_pull(task_ids="second", key="seen")

        with DAG("params_dag", schedule="@daily", start_date=datetime(2024, 1, 1), params={"limit": 1}):
            BashOperator(task_id="first", bash_command="echo first") >> PythonOperator(task_id="second", python_callable=show)
            BashOperator(task_id="fails", bash_command="echo failing on {{ ds }}; exit 4")
    """))
    done = updraft("tasks", "test", "params_dag", "second", "2024-05-06", "--dags-folder", str(folder), "-t", '{"limit": 7}')
    out = ok(done)
    assert "limit=7 ds=2024-05-06 upstream=None" in out
    assert out.rstrip().endswith("[params_dag] second: success")

    failed = updraft("tasks", "test", "params_dag", "fails", "2024-05-06", "--dags-folder", str(folder))
    assert failed.returncode == 1
    assert "failing on 2024-05-06" in failed.stdout
    assert failed.stdout.rstrip().endswith("[params_dag] fails: failed")


def test_tasks_render_prints_each_template_field() -> None:
    out = ok(updraft("tasks", "render", "example_etl", "report", "2024-03-01"))
    assert out.startswith(
        "# ----------------------------------------------------------\n"
        "# property: bash_command\n"
        "# ----------------------------------------------------------\n"
        "echo 'loaded None orders for 2024-03-01'\n"
    )


def test_completion_script_completes_verbs_and_flags(tmp_path: Path) -> None:
    script = tmp_path / "updraft.bash"
    script.write_text(ok(updraft("completion", "bash")))
    probe = textwrap.dedent(f"""
        source {script}
        complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=(); _updraft; echo "${{COMPREPLY[*]}}"; }}
        complete_words updraft dags list-r
        complete_words updraft dags list-runs x --state ""
        complete_words updraft tasks clear x --up
    """)
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.stdout.splitlines() == ["list-runs", "queued running success failed", "--upstream"], done.stderr
    zsh_script = tmp_path / "updraft.zsh"
    zsh_script.write_text(ok(updraft("completion", "zsh")))
    if shutil.which("zsh"):
        probe = textwrap.dedent(f"""
            autoload -U compinit && compinit -u
            source {zsh_script}
            compadd() {{ shift; print -r -- "$*"; }}
            words=(updraft dags list-runs x --state ""); CURRENT=6; _updraft
            words=(updraft completion ""); CURRENT=3; _updraft
        """)
        done = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=30)
        assert done.stdout.splitlines() == ["queued running success failed", "bash zsh"], done.stderr


# -- backfill ----------------------------------------------------------------------------------
def test_backfill_create_dry_run_then_for_real_then_again(stack: Standalone) -> None:
    args = ["backfill", "create", "--dag-id", "example_fan_out_fan_in", "--from-date", "2024-01-01",
            "--to-date", "2024-01-04", "--max-active-runs", "2"]
    dry = ok(stack.cli(*args, "--dry-run"))
    assert "Dry run of creating backfill for dag example_fan_out_fan_in:" in dry
    # 0 6 * * MON-FRI: Monday 1st to Thursday 4th January 2024
    assert [line.split()[1] for line in dry.splitlines()[1:]] == [
        "2024-01-01T06:00:00+00:00:", "2024-01-02T06:00:00+00:00:", "2024-01-03T06:00:00+00:00:",
    ]
    created = ok(stack.cli(*args))
    assert created.count(": create backfill__") == 3
    runs = _wait(
        lambda: (lambda r: r if len(r) == 3 and {x["state"] for x in r} == {"success"} else None)(
            [x for x in stack.api("GET", "/dags/example_fan_out_fan_in/dagRuns")[1]["dag_runs"]
             if x["run_type"] == "backfill"]),
        90, "the backfill's runs",
    )
    assert sorted(r["logical_date"] for r in runs) == [
        "2024-01-01T06:00:00Z", "2024-01-02T06:00:00Z", "2024-01-03T06:00:00Z",
    ]
    again = ok(stack.cli(*args))
    assert again.count(": skip ") == 3


@pytest.mark.parametrize(
    "extra, message",
    [
        pytest.param(["--from-date", "not-a-date", "--to-date", "2024-01-02"], "not a date", id="bad-date"),
        pytest.param(["--from-date", "2024-02-01", "--to-date", "2024-01-01"], "is after --to-date", id="reversed"),
    ],
)
def test_backfill_mistakes_are_one_line(stack: Standalone, extra: list[str], message: str) -> None:
    done = stack.cli("backfill", "create", "--dag-id", "example_fan_out_fan_in", *extra)
    assert message in one_error_line(done, code=done.returncode)

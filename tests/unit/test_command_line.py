"""The command line's parts that need no stack: parsing and its one-line errors, suggestions,
output formats, next executions at a given instant, why a task instance does not run,
the progress display and the completion tree."""

from __future__ import annotations

import argparse
import io
import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from updraft.cli.completion import FILES, command_tree
from updraft.cli.dag_runs import in_range
from updraft.cli.errors import CliError, closest, dag_not_found, parse_date, parse_json_object
from updraft.cli.main import build_parser, main
from updraft.cli.next_execution import cmd_next_execution, from_record, info_row, next_executions
from updraft.cli.output import print_rows
from updraft.cli.progress import Progress
from updraft.cli.task_deps import failed_deps, trigger_rule_reason
from updraft.cli.tasks import render_block, state_rows, tree_lines
from updraft.models.records import DagRun, TaskInstance
from updraft.models.states import DagRunState, TaskInstanceState as TIS
from updraft.scheduling import timetable_from_schedule

UTC = timezone.utc


# -- parsing and errors ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["dags", "list-runs", "etl", "-e", "31/01/2024"],
                     "updraft dags list-runs: error: argument -e/--end-date: '31/01/2024' is not a date; expected "
                     "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or ISO 8601 with an offset (2024-01-31T06:00:00+00:00) "
                     "(see 'updraft dags list-runs --help')", id="bad-date"),
        pytest.param(["tasks", "test", "etl", "load", "tomorrow-ish"],
                     "updraft tasks test: error: argument LOGICAL_DATE: 'tomorrow-ish' is not a date; expected "
                     "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or ISO 8601 with an offset (2024-01-31T06:00:00+00:00) "
                     "(see 'updraft tasks test --help')", id="bad-positional-date"),
        pytest.param(["tasks", "stat", "etl"],
                     "updraft tasks: error: argument VERB: invalid choice: 'stat'. Did you mean 'state'? "
                     "(see 'updraft tasks --help')", id="mistyped-verb"),
        pytest.param(["dags", "list", "-o", "csv"],
                     "updraft dags list: error: argument -o/--output: invalid choice: 'csv'. Choose from table, "
                     "json, yaml, plain. (see 'updraft dags list --help')", id="unknown-format"),
        pytest.param(["dags", "next-execution", "etl", "-n", "0"],
                     "updraft dags next-execution: error: argument -n/--num-executions: invalid positive int "
                     "value: '0' (see 'updraft dags next-execution --help')", id="not-positive"),
    ],
)
def test_malformed_arguments_are_one_line_with_the_fix(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err == message + "\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["dags", "trigger", "etl", "--conf", "{'a': 1}"],
                     "--conf is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
                     "(char 1); expected an object such as '{\"key\": \"value\"}'", id="conf-not-json"),
        pytest.param(["dags", "trigger", "etl", "--conf", "[1, 2]"],
                     "--conf must be a JSON object, such as '{\"key\": \"value\"}'", id="conf-not-object"),
        pytest.param(["tasks", "test", "etl", "load", "-t", "limit=3"],
                     "--task-params is not valid JSON: Expecting value: line 1 column 1 (char 0); expected an "
                     "object such as '{\"limit\": 10}'", id="task-params"),
    ],
)
def test_invalid_json_is_refused_before_anything_runs(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    assert capsys.readouterr().err == f"updraft: error: {message}\n"


def test_no_stack_reachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("UPDRAFT_HOME", str(tmp_path))
    (tmp_path / "standalone.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:1", "env": {}, "pid": 2**22 + 7}))
    assert main(["dags", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"updraft: error: No stack reachable: the local stack recorded in {tmp_path}/standalone.json "
                          f"(pid {2**22 + 7}) is not running;")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "name, known, expected",
    [
        pytest.param("exmaple_etl", ["example_etl", "example_retry"], "example_etl", id="transposed"),
        pytest.param("example_ret", ["example_etl", "example_retry"], "example_retry", id="truncated"),
        pytest.param("orders", ["example_etl", "example_retry"], None, id="nothing-near"),
    ],
)
def test_closest_name(name: str, known: list[str], expected: str | None) -> None:
    assert closest(name, known) == expected


def test_unknown_dag_message() -> None:
    assert str(dag_not_found("exmaple_etl", ["example_etl"])) == "DAG 'exmaple_etl' not found. Did you mean 'example_etl'?"
    assert str(dag_not_found("x", [], " in dags/")) == "DAG 'x' not found in dags/."


def test_dates_are_utc_unless_they_say_otherwise() -> None:
    assert parse_date("2024-03-01", "LOGICAL_DATE") == datetime(2024, 3, 1, tzinfo=UTC)
    assert parse_date("2024-03-01T06:30:00+02:00", "x").utcoffset() == timedelta(hours=2)
    with pytest.raises(CliError, match=r"^--start-date: '2024-02-30' is not a date; expected YYYY-MM-DD"):
        parse_date("2024-02-30", "--start-date")
    assert parse_json_object(None, "--conf") == {}


def test_every_subcommand_has_help_and_a_description() -> None:
    tree = command_tree(build_parser())
    parser = build_parser()
    for path in tree:
        sub: Any = parser
        for word in path.split():
            sub = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
        assert sub.description, path or "updraft"


# -- output formats ------------------------------------------------------------------------------
ROWS = [
    {"filepath": "dags/a.py", "error": "dags/a.py:2: SyntaxError: invalid syntax\n    with DAG(", "n": 1},
    {"filepath": "dags/bb.py", "error": None, "n": [1, 2]},
]


@pytest.mark.parametrize(
    "fmt, expected",
    [
        pytest.param("table", """\
            filepath   | error                                    | n
            ===========+==========================================+=====
            dags/a.py  | dags/a.py:2: SyntaxError: invalid syntax | 1
                       |     with DAG(                            |
            dags/bb.py | None                                     | 1, 2
            """, id="table"),
        pytest.param("plain", """\
            filepath    error                                     n
            dags/a.py   dags/a.py:2: SyntaxError: invalid syntax  1
                            with DAG(
            dags/bb.py  None                                      1, 2
            """, id="plain"),
        pytest.param("yaml", """\
            - filepath: "dags/a.py"
              error: "dags/a.py:2: SyntaxError: invalid syntax\\n    with DAG("
              n: 1
            - filepath: "dags/bb.py"
              error: null
              n: [1, 2]
            """, id="yaml"),
    ],
)
def test_output_formats(fmt: str, expected: str) -> None:
    out = io.StringIO()
    print_rows(ROWS, fmt, out)
    assert out.getvalue() == textwrap.dedent(expected)


def test_json_and_empty_listings() -> None:
    out = io.StringIO()
    print_rows(ROWS, "json", out)
    assert json.loads(out.getvalue()) == ROWS
    for fmt, expected in (("json", "[]\n"), ("yaml", "[]\n"), ("table", "No data found\n"), ("plain", "No data found\n")):
        out = io.StringIO()
        print_rows([], fmt, out)
        assert out.getvalue() == expected


def test_render_block_is_airflows() -> None:
    assert render_block("bash_command", "echo 2024-03-01") == (
        "# ----------------------------------------------------------\n"
        "# property: bash_command\n"
        "# ----------------------------------------------------------\n"
        "echo 2024-03-01\n"
    )


# -- next executions -----------------------------------------------------------------------------
NOW = datetime(2024, 3, 6, 7, 0, tzinfo=UTC)  # a Wednesday
JAN_1 = datetime(2024, 1, 1, tzinfo=UTC)


def _dates(infos: list[Any]) -> list[str | None]:
    return [info_row(i)["logical_date"] if i else None for i in infos]


@pytest.mark.parametrize(
    "schedule, catchup, end_date, count, expected",
    [
        pytest.param("0 6 * * MON-FRI", False, None, 4, [
            "2024-03-06T06:00:00+00:00", "2024-03-07T06:00:00+00:00", "2024-03-08T06:00:00+00:00",
            "2024-03-11T06:00:00+00:00"], id="weekdays-no-catchup"),
        pytest.param("0 6 * * MON-FRI", False, datetime(2024, 3, 7, tzinfo=UTC), 4,
                     ["2024-03-06T06:00:00+00:00", None], id="stops-at-end-date"),
        pytest.param("@daily", True, None, 2, ["2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00"],
                     id="catchup-from-start-date"),
        pytest.param(timedelta(hours=6), False, None, 2, ["2024-03-06T07:00:00+00:00", "2024-03-06T13:00:00+00:00"],
                     id="timedelta"),
        pytest.param(None, False, None, 3, [None], id="no-schedule"),
    ],
)
def test_next_executions_at_a_given_instant(schedule: Any, catchup: bool, end_date: datetime | None, count: int,
                                            expected: list[str | None]) -> None:
    infos = next_executions(timetable_from_schedule(schedule), start_date=JAN_1, end_date=end_date,
                            catchup=catchup, count=count, now=NOW)
    assert _dates(infos) == expected


def test_next_executions_from_the_stack_start_at_the_stored_next_run() -> None:
    record = {
        "timetable": timetable_from_schedule("0 6 * * MON-FRI").serialize(), "start_date": "2024-01-01T00:00:00+00:00",
        "catchup": False, "next_dagrun": "2024-02-01T06:00:00+00:00",
        "next_dagrun_data_interval_start": "2024-02-01T06:00:00+00:00",
        "next_dagrun_data_interval_end": "2024-02-01T06:00:00+00:00",
        "next_dagrun_create_after": "2024-02-01T06:00:00+00:00",
    }
    assert _dates(from_record(record, 3, NOW)) == [
        "2024-02-01T06:00:00+00:00", "2024-02-02T06:00:00+00:00", "2024-02-05T06:00:00+00:00"]
    del record["next_dagrun_data_interval_start"]
    assert from_record(record, 3, NOW) == [None]


def test_next_execution_parses_a_dags_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "weekly.py").write_text(textwrap.dedent("""
        from datetime import datetime
        from updraft import DAG
        from updraft.operators import EmptyOperator
        with DAG("weekly", schedule="0 9 * * MON", start_date=datetime(2024, 1, 1)):
            EmptyOperator(task_id="noop")
    """))
    args = build_parser().parse_args(["dags", "next-execution", "weekly", "-n", "2", "--dags-folder", str(tmp_path)])
    assert cmd_next_execution(args, now=NOW) == 0
    # without catchup, the latest point already due (Monday's) is the next run, as in Airflow 3
    assert capsys.readouterr().out.split() == ["2024-03-04T09:00:00+00:00", "2024-03-11T09:00:00+00:00"]
    args = build_parser().parse_args(["dags", "next-execution", "wekly", "--dags-folder", str(tmp_path)])
    with pytest.raises(Exception, match=rf"^DAG 'wekly' not found in {tmp_path}. Did you mean 'weekly'\?$"):
        cmd_next_execution(args, now=NOW)


# -- why a task instance does not run -------------------------------------------------------------
def _task(rule: str, upstream: list[str]) -> dict[str, Any]:
    return {"task_id": "join", "trigger_rule": rule, "upstream": upstream, "downstream": []}


def _ti(state: TIS = TIS.NONE, **tally: set[str]) -> TaskInstance:
    return TaskInstance("etl", "run", "join", state=state, **tally)  # type: ignore[arg-type]


UPSTREAM = ["a", "b", "c"]


@pytest.mark.parametrize(
    "rule, tally, reason",
    [
        pytest.param("all_success", {"up_success": {"a"}},
                     "requires all upstream tasks to have succeeded, but found 2 non-success(es). "
                     "upstream_states={'success': 1, 'skipped': 0, 'failed': 0, 'upstream_failed': 0, 'removed': 0, "
                     "'done': 1}", id="all_success-waiting"),
        pytest.param("all_success", {"up_success": {"a", "b", "c"}}, None, id="all_success-met"),
        pytest.param("one_failed", {"up_success": {"a"}},
                     "requires one upstream task failure, but none were found.", id="one_failed"),
        pytest.param("all_done", {"up_failed": {"a"}, "up_skipped": {"b"}},
                     "requires all upstream tasks to have completed, but found 1 task(s) that were not done.",
                     id="all_done"),
        pytest.param("none_failed_min_one_success", {"up_skipped": {"a"}},
                     "requires all upstream tasks to have succeeded or been skipped, but found 2 non-success(es).",
                     id="none_failed_min_one_success"),
        pytest.param("one_success", {"up_failed": {"a"}},
                     "requires one upstream task success, but none were found.", id="one_success"),
        pytest.param("always", {}, None, id="always"),
    ],
)
def test_trigger_rule_reasons(rule: str, tally: dict[str, set[str]], reason: str | None) -> None:
    found = trigger_rule_reason(_task(rule, UPSTREAM), _ti(**tally))
    if reason is None:
        assert found is None
    else:
        assert found is not None and found.startswith(f"Task's trigger rule '{rule}' {reason}")
        assert found.endswith("upstream_task_ids=['a', 'b', 'c']")


def _run(state: DagRunState = DagRunState.RUNNING) -> DagRun:
    return DagRun("etl", "run", "manual", state, "2024-03-01T00:00:00+00:00", None, None, "2024-03-01T00:00:00+00:00")


def test_failed_deps_name_the_run_the_state_and_the_retry_time() -> None:
    task = _task("all_success", ["a"])
    assert failed_deps(_run(), {}, task, _ti(up_success={"a"}), NOW) == []
    assert failed_deps(_run(), {}, _task("all_success", []), None, NOW) == []
    assert [name for name, _ in failed_deps(_run(DagRunState.FAILED), {}, task, _ti(TIS.UPSTREAM_FAILED), NOW)] == [
        "Dagrun Running", "Task Instance State"]
    retry = _ti(TIS.UP_FOR_RETRY)
    retry.next_retry_at = "2024-03-06T07:05:00+00:00"
    assert failed_deps(_run(), {}, task, retry, NOW) == [(
        "Not In Retry Period",
        "Task is not ready for retry yet but will be retried automatically. Current date is "
        "2024-03-06T07:00:00+00:00 and task will be retried at 2024-03-06T07:05:00+00:00.",
    )]
    assert failed_deps(_run(), {}, task, _ti(TIS.RUNNING), NOW) == [("Task Instance Not Running", "Task is in the running state")]


# -- tasks listings --------------------------------------------------------------------------------
SERIALIZED = {
    "dag_id": "etl",
    "tasks": [
        {"task_id": "extract", "task_type": "PythonOperator", "upstream": [], "downstream": ["load", "check"]},
        {"task_id": "check", "task_type": "EmptyOperator", "upstream": ["extract"], "downstream": []},
        {"task_id": "load", "task_type": "BashOperator", "upstream": ["extract"], "downstream": []},
    ],
}


def test_tree_view_as_airflow_prints_it() -> None:
    assert tree_lines(SERIALIZED) == [
        "<Task(PythonOperator): extract>",
        "    <Task(EmptyOperator): check>",
        "    <Task(BashOperator): load>",
    ]


def test_states_for_a_run_show_untouched_tasks_as_none() -> None:
    stored = [TaskInstance("etl", "run", "extract", state=TIS.SUCCESS, start_date="s", end_date="e")]
    rows = state_rows(_run(), SERIALIZED, stored)
    assert [(r["task_id"], r["state"], r["start_date"]) for r in rows] == [
        ("extract", "success", "s"), ("check", "None", ""), ("load", "None", "")]


def test_runs_in_range_by_logical_date() -> None:
    run = _run()
    assert in_range(run, None, None)
    assert in_range(run, datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    assert not in_range(run, datetime(2024, 3, 2, tzinfo=UTC), None)


# -- progress and completion -----------------------------------------------------------------------
def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one() -> None:
    out = io.StringIO()
    progress = Progress(4, "uploading", out=out)
    progress.update(1, "uploaded a.py")
    progress.update(2)
    progress.close()
    assert out.getvalue() == "uploaded a.py\n"
    bar = Progress(4, "[etl]", out=io.StringIO(), interactive=True)
    bar.done = 2
    assert bar.bar("load: success", width=80) == "[etl] [############------------] 2/4 load: success"


def test_completion_tree_has_every_verb_flag_and_choice() -> None:
    tree = command_tree(build_parser())
    assert {"list-runs", "next-execution", "delete", "list-import-errors"} <= set(tree["dags"].commands)
    assert set(tree["tasks"].commands) >= {"list", "test", "render", "state", "states-for-dag-run", "clear", "failed-deps"}
    assert tree["dags list-runs"].values["--state"] == "queued running success failed"
    assert tree["dags list"].values["-o"] == "table json yaml plain"
    assert tree["tasks test"].values["--dags-folder"] == FILES
    assert "--yes" in tree["tasks clear"].options and "--yes" not in tree["tasks clear"].values
    assert tree["completion"].arguments == ["bash", "zsh"]

"""BashOperator, @task.bash, @task.run_if / @task.skip_if, the virtualenv operators and XComs of
multiple_outputs, as Airflow 3.3 has them; operators called directly with a small context."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from updraft import DAG, task
from updraft.authoring.baseoperator import BaseOperator
from updraft.authoring.decorated_operators import SET_DURING_EXECUTION, _BashDecoratedOperator
from updraft.authoring.xcomarg import XComArg
from updraft.exceptions import AirflowException, AirflowSkipException, AirflowTaskTimeout
from updraft.execution.airflow_vars import context_to_airflow_vars, exported_context_vars
from updraft.execution.timeout import kill_on_timeout, time_limit
from updraft.execution.xcom_results import push_result
from updraft.operators import BashOperator, PythonOperator
from updraft.operators.python_subprocess import remove_task_decorator
from updraft.operators.virtualenv import (
    BranchExternalPythonOperator,
    ExternalPythonOperator,
    PythonVirtualenvOperator,
    unmet_requirements,
)

LOGICAL = datetime(2024, 3, 5, tzinfo=timezone.utc)
EXAMPLES = Path(__file__).resolve().parents[2] / (
    "bench/.airflow-venv/lib/python3.11/site-packages/airflow/providers/standard/example_dags"
)


class RecordingTI:
    """The task instance of the context: who runs, and the XComs pushed."""

    def __init__(self, task_id: str = "t", try_number: int = 1) -> None:
        self.dag_id = "d"
        self.task_id = task_id
        self.try_number = try_number
        self.map_index = -1
        self.pushed: list[tuple[str, Any]] = []

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed.append((key, value))


def context_for(operator: Any, **extra: Any) -> dict[str, Any]:
    ti = RecordingTI(operator.task_id)
    run = SimpleNamespace(logical_date=LOGICAL, run_id="manual__1", conf={})
    return {"task": operator, "ti": ti, "task_instance": ti, "dag_run": run, "run_id": "manual__1",
            "ds": "2024-03-05", "ts": LOGICAL.isoformat(), "logical_date": LOGICAL, "params": {},
            "task_instance_key_str": f"d__{operator.task_id}__20240305", **extra}


# -- AIRFLOW_CTX_* ---------------------------------------------------------------------------


def test_context_vars_are_airflows_names_and_formats() -> None:
    operator = BashOperator(task_id="t", bash_command="true", owner="data", email=["a@x.io", "b@x.io"])
    context = context_for(operator)
    assert context_to_airflow_vars(context, in_env_var_format=True) == {
        "AIRFLOW_CTX_DAG_EMAIL": "a@x.io,b@x.io",
        "AIRFLOW_CTX_DAG_OWNER": "data",
        "AIRFLOW_CTX_DAG_ID": "d",
        "AIRFLOW_CTX_TASK_ID": "t",
        "AIRFLOW_CTX_LOGICAL_DATE": "2024-03-05T00:00:00+00:00",
        "AIRFLOW_CTX_TRY_NUMBER": "1",
        "AIRFLOW_CTX_DAG_RUN_ID": "manual__1",
    }
    assert context_to_airflow_vars(context) == {
        "airflow.ctx.dag_email": "a@x.io,b@x.io", "airflow.ctx.dag_owner": "data",
        "airflow.ctx.dag_id": "d", "airflow.ctx.task_id": "t",
        "airflow.ctx.logical_date": "2024-03-05T00:00:00+00:00", "airflow.ctx.try_number": "1",
        "airflow.ctx.dag_run_id": "manual__1",
    }


def test_context_vars_leave_out_what_is_missing_or_empty() -> None:
    operator = BashOperator(task_id="t", bash_command="true", email="one@x.io")
    context = context_for(operator, dag_run=SimpleNamespace(logical_date=None, run_id="r", team_name=""))
    found = context_to_airflow_vars(context, in_env_var_format=True)
    assert found["AIRFLOW_CTX_DAG_EMAIL"] == "one@x.io"
    assert "AIRFLOW_CTX_LOGICAL_DATE" not in found and "AIRFLOW_CTX_TEAM_NAME" not in found
    assert context_to_airflow_vars({}) == {}


def test_context_vars_are_exported_for_one_try_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CTX_DAG_EMAIL", "left@over.io")  # a previous try's
    monkeypatch.delenv("AIRFLOW_CTX_TASK_ID", raising=False)
    operator = BashOperator(task_id="t", bash_command="true")
    with exported_context_vars(context_for(operator)) as exported:
        assert os.environ["AIRFLOW_CTX_TASK_ID"] == "t" == exported["AIRFLOW_CTX_TASK_ID"]
        assert "AIRFLOW_CTX_DAG_EMAIL" not in os.environ
    assert "AIRFLOW_CTX_TASK_ID" not in os.environ
    assert os.environ["AIRFLOW_CTX_DAG_EMAIL"] == "left@over.io"


# -- BashOperator ----------------------------------------------------------------------------


def run_bash(**kwargs: Any) -> Any:
    operator = BashOperator(task_id=kwargs.pop("task_id", "t"), **kwargs)
    return operator.execute(context_for(operator))


def test_env_none_inherits_the_workers_environment_and_context_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTER", "outer")
    monkeypatch.setenv("AIRFLOW_CTX_TASK_ID", "stale")
    assert run_bash(bash_command='echo "$OUTER|$AIRFLOW_CTX_TASK_ID"') == "outer|t"


def test_env_alone_replaces_the_environment_but_not_the_context_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTER", "outer")
    got = run_bash(env={"MINE": "m", "AIRFLOW_CTX_TASK_ID": "mine"},
                   bash_command='echo "$MINE|${OUTER-unset}|$AIRFLOW_CTX_TASK_ID"')
    assert got == "m|unset|t"


def test_append_env_adds_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTER", "outer")
    assert run_bash(env={"OUTER": "over", "MINE": "m"}, append_env=True,
                    bash_command='echo "$MINE|$OUTER"') == "m|over"


def test_get_env_does_not_change_the_operators_env() -> None:
    operator = BashOperator(task_id="t", bash_command="true", env={"A": "1"})
    assert operator.get_env(context_for(operator))["AIRFLOW_CTX_TASK_ID"] == "t"
    assert operator.env == {"A": "1"}


def test_without_cwd_the_command_runs_in_a_temporary_directory_removed_after() -> None:
    where = Path(run_bash(bash_command="touch left_behind; pwd"))
    assert where.name.startswith("airflowtmp")
    assert not where.exists()


def test_cwd_is_used_when_given(tmp_path: Path) -> None:
    assert run_bash(bash_command="pwd", cwd=str(tmp_path)) == str(tmp_path)


def test_cwd_must_exist_and_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(AirflowException) as err:
        run_bash(bash_command="pwd", cwd=str(tmp_path / "missing"))
    assert str(err.value) == f"Can not find the cwd: {tmp_path / 'missing'}"
    (tmp_path / "file").write_text("")
    with pytest.raises(AirflowException) as err:
        run_bash(bash_command="pwd", cwd=str(tmp_path / "file"))
    assert str(err.value) == f"The cwd {tmp_path / 'file'} must be a directory"


@pytest.mark.parametrize(
    "command, expected",
    [
        pytest.param("echo one; echo two", "two", id="last-line"),
        pytest.param("printf 'padded  \\t\\n'", "padded", id="trailing-whitespace-stripped"),
        pytest.param("echo out; echo err >&2", "err", id="stderr-too"),
        pytest.param("true", "", id="no-output"),
    ],
)
def test_the_last_line_is_the_result(command: str, expected: str) -> None:
    assert run_bash(bash_command=command) == expected


def test_output_processor_turns_the_last_line_into_the_result() -> None:
    assert run_bash(bash_command="""echo '{"a": 1}'""", output_processor=json.loads) == {"a": 1}


@pytest.mark.parametrize(
    "kwargs, exit_code, skipped",
    [
        pytest.param({}, 99, True, id="99-skips-by-default"),
        pytest.param({"skip_on_exit_code": None}, 99, False, id="none-never-skips"),
        pytest.param({"skip_on_exit_code": 3}, 3, True, id="one-code"),
        pytest.param({"skip_on_exit_code": [2, 3]}, 3, True, id="codes"),
        pytest.param({"skip_on_exit_code": [2]}, 3, False, id="not-listed"),
    ],
)
def test_exit_codes_skip_or_fail(kwargs: dict[str, Any], exit_code: int, skipped: bool) -> None:
    with pytest.raises(AirflowSkipException if skipped else AirflowException) as err:
        run_bash(bash_command=f"exit {exit_code}", **kwargs)
    if skipped:
        assert str(err.value) == f"Bash command returned exit code {exit_code}. Skipping."
    else:
        assert str(err.value) == (
            f"Bash command failed. The command returned a non-zero exit code {exit_code}.")


def test_a_command_ending_in_dot_sh_runs_as_a_script_file() -> None:
    operator = BashOperator(task_id="t", bash_command='case "$0" in *.sh) echo script;; *) echo inline;; esac #.sh')
    assert operator.execute(context_for(operator)) == "script"
    assert operator._is_inline_cmd is False
    assert run_bash(bash_command='case "$0" in *.sh) echo script;; *) echo inline;; esac') == "inline"


def test_an_upstream_output_in_env_makes_a_dependency() -> None:
    with DAG("deps", schedule=None) as d:
        up = BashOperator(task_id="up", bash_command="echo 1")
        down = BashOperator(task_id="down", bash_command="echo $X", env={"X": XComArg(up)})
    assert d.task_dict["down"].upstream_task_ids == {"up"}
    assert down.output_processor("same") == "same"


def test_a_timed_out_command_is_ended_with_its_process_group() -> None:
    operator = BashOperator(task_id="t", bash_command="sleep 30 & sleep 30")
    started = time.monotonic()
    with pytest.raises(AirflowTaskTimeout):
        with kill_on_timeout(operator), time_limit(0.5, lambda: AirflowTaskTimeout("too long")):
            operator.execute(context_for(operator))
    process = operator.subprocess_hook.sub_process
    assert process is not None and process.wait(timeout=5) == -15
    assert time.monotonic() - started < 10
    assert not _group_alive(process.pid), "the background sleep of the group was not ended"


def _group_alive(pgid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def test_the_hook_logs_as_airflows(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        run_bash(bash_command="echo hi")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("Tmp dir root location: ")
    assert messages[1].startswith("Running command: ['") and messages[1].endswith("', '-c', 'echo hi']")
    assert messages[2:] == ["Output:", "hi", "Command exited with return code 0"]


# -- XComs of multiple_outputs ---------------------------------------------------------------


class ReturnsADict(BaseOperator):
    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = value

    def execute(self, context: Any) -> Any:
        return self.value


def pushed(value: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    operator = ReturnsADict(task_id="t", value=value, **kwargs)
    ti = RecordingTI()
    push_result(operator, ti, operator.execute({}))
    return ti.pushed


def test_a_custom_operator_with_multiple_outputs_pushes_each_key_then_the_whole() -> None:
    assert pushed({"a": 1, "b": [2]}, multiple_outputs=True) == [
        ("a", 1), ("b", [2]), ("return_value", {"a": 1, "b": [2]})]


def test_without_multiple_outputs_only_the_return_value_is_pushed() -> None:
    assert pushed({"a": 1}) == [("return_value", {"a": 1})]


@pytest.mark.parametrize("kwargs, value", [({"do_xcom_push": False}, {"a": 1}), ({"multiple_outputs": True}, None)])
def test_nothing_is_pushed_without_xcom_push_or_a_value(kwargs: dict[str, Any], value: Any) -> None:
    assert pushed(value, **kwargs) == []


def test_multiple_outputs_needs_a_mapping_with_string_keys() -> None:
    with pytest.raises(TypeError) as err:
        pushed("plain", multiple_outputs=True)
    assert str(err.value) == "Returned output was type <class 'str'> expected dictionary for multiple_outputs"
    with pytest.raises(TypeError) as err:
        pushed({1: "a"}, multiple_outputs=True)
    assert str(err.value) == ("Returned dictionary keys must be strings when using multiple_outputs, "
                              "found 1 (<class 'int'>) instead")


def test_a_bash_operator_with_output_processor_may_push_keys() -> None:
    operator = BashOperator(task_id="t", bash_command="""echo '{"n": 3}'""", multiple_outputs=True,
                            output_processor=json.loads)
    ti = RecordingTI()
    push_result(operator, ti, operator.execute(context_for(operator)))
    assert ti.pushed == [("n", 3), ("return_value", {"n": 3})]


# -- @task.bash ------------------------------------------------------------------------------


def bash_task(function: Any, *args: Any, **kwargs: Any) -> _BashDecoratedOperator:
    with DAG("bash_tasks", schedule=None):
        return task.bash(function)(*args, **kwargs).operator  # type: ignore[no-any-return]


def test_task_bash_runs_the_command_its_function_returns_rendered() -> None:
    def greet(name: str, ds: str | None = None) -> str:
        return f'echo "{name} {{{{ task.task_id }}}} {ds}"'

    operator = bash_task(greet, "hi")
    assert operator.bash_command is SET_DURING_EXECUTION
    assert repr(operator.bash_command) == "DYNAMIC (set during execution)"
    assert operator.execute(context_for(operator)) == "hi greet 2024-03-05"
    assert operator.bash_command == 'echo "hi greet 2024-03-05"'


def returns(value: Any) -> Any:
    def cmd():  # noqa: ANN202 - no annotation: multiple_outputs stays False
        return value

    return cmd


def test_task_bash_is_a_bash_operator_with_airflows_names() -> None:
    operator = bash_task(returns("true"))
    assert isinstance(operator, BashOperator)
    assert operator.template_fields == ("op_args", "op_kwargs", "bash_command", "env", "cwd")
    assert operator.custom_operator_name == "@task.bash"
    assert operator.overwrite_rtif_after_execution is True
    assert operator.multiple_outputs is False


@pytest.mark.parametrize("returned", ["", "   ", 42, None])
def test_task_bash_needs_a_non_empty_string(returned: Any) -> None:
    operator = bash_task(returns(returned))
    with pytest.raises(TypeError) as err:
        operator.execute(context_for(operator))
    assert str(err.value) == "The returned value from the TaskFlow callable must be a non-empty string."


def test_task_bash_takes_bash_operator_arguments() -> None:
    with DAG("bash_args", schedule=None):
        operator = task.bash(env={"X": "{{ ds }}"}, skip_on_exit_code=None)(returns('echo "$X"; exit 99'))().operator
    with pytest.raises(AirflowException, match="non-zero exit code 99"):
        operator.execute(context_for(operator))


def test_a_positional_argument_to_a_task_decorator_must_be_the_function() -> None:
    with pytest.raises(TypeError) as err:
        task.bash("echo hi")
    assert str(err.value) == "No positional arguments allowed while using @task, use named arguments instead"


def test_unknown_task_decorators_say_what_to_use() -> None:
    with pytest.raises(AttributeError) as err:
        task.docker  # noqa: B018
    assert str(err.value) == ("task decorator 'docker' not found: there is no container runtime in a "
                              "worker Lambda; run the image with EcsRunTaskOperator")
    with pytest.raises(AttributeError) as err:
        task.nothing  # noqa: B018
    assert str(err.value) == "task decorator 'nothing' not found"


# -- @task.run_if / @task.skip_if ------------------------------------------------------------


def conditioned(*decorators: Any) -> Any:
    def work() -> str:
        return "ran"

    decorated = task(work)
    for decorator in reversed(decorators):
        decorated = decorator(decorated)
    with DAG("conditions", schedule=None):
        return decorated().operator


def pre_execute(operator: Any) -> str | None:
    """None when the hook lets the task run, else the skip's message."""
    try:
        operator._pre_execute_hook(context_for(operator))
    except AirflowSkipException as err:
        return str(err)
    return None


@pytest.mark.parametrize(
    "decorator, message",
    [
        pytest.param(task.run_if(lambda c: c["ds"] == "2024-03-05"), None, id="run_if-true-runs"),
        pytest.param(task.run_if(lambda c: False), "Task was skipped due to condition.", id="run_if-false"),
        pytest.param(task.run_if(lambda c: False, skip_message="no go"), "no go", id="run_if-message"),
        pytest.param(task.skip_if(lambda c: False), None, id="skip_if-false-runs"),
        pytest.param(task.skip_if(lambda c: True), "Task was skipped due to condition.", id="skip_if-true"),
        pytest.param(task.skip_if(lambda c: (True, "from the condition"), skip_message="given"),
                     "from the condition", id="tuple-message-wins"),
        pytest.param(task.skip_if(lambda c: (True, None), skip_message="given"), "given", id="tuple-no-message"),
        pytest.param(task.run_if(lambda c: (c["ti"].try_number > 1, "first try")), "first try",
                     id="gets-the-context"),
    ],
)
def test_conditions_skip_the_task_when_it_is_about_to_run(decorator: Any, message: str | None) -> None:
    assert pre_execute(conditioned(decorator)) == message


def test_conditions_stack_in_order() -> None:
    seen: list[str] = []
    first = task.skip_if(lambda c: seen.append("skip_if") or False)
    second = task.run_if(lambda c: seen.append("run_if") or True)
    operator = conditioned(first, second)  # @skip_if above @run_if above @task
    assert pre_execute(operator) is None
    assert seen == ["run_if", "skip_if"]  # the decorator nearest the function runs first


def test_conditions_need_a_task_decorator_under_them() -> None:
    with pytest.raises(TypeError) as err:
        task.run_if(lambda c: True)(lambda: None)
    assert str(err.value) == "run_if can only be used with task. decorate with @task before @run_if."
    with pytest.raises(TypeError) as err:
        task.skip_if(lambda c: True)(lambda: None)
    assert str(err.value) == "skip_if can only be used with task. decorate with @task before @skip_if."


def test_conditions_work_on_other_task_decorators() -> None:
    decorated = task.skip_if(lambda c: True)(task.bash(returns("exit 1")))
    with DAG("bash_condition", schedule=None):
        operator = decorated().operator
    assert pre_execute(operator) == "Task was skipped due to condition."


# -- PythonOperator's Airflow arguments ------------------------------------------------------


def test_templates_exts_and_show_return_value_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    operator = PythonOperator(task_id="t", python_callable=lambda: "secret", templates_exts=[".sql"],
                              show_return_value_in_logs=False)
    assert operator.template_ext == [".sql"]
    with caplog.at_level(logging.INFO):
        assert operator.execute(context_for(operator)) == "secret"
    assert [r.getMessage() for r in caplog.records] == ["Done. Returned value not shown"]


def test_an_async_callable_is_awaited() -> None:
    async def later(n: int) -> int:
        return n + 1

    operator = PythonOperator(task_id="t", python_callable=later, op_args=[1])
    assert operator.execute(context_for(operator)) == 2


def test_templates_dict_is_in_the_callables_context_even_when_none() -> None:
    operator = PythonOperator(task_id="t", python_callable=lambda **kw: sorted(kw))
    assert "templates_dict" in operator.execute(context_for(operator))


# -- ExternalPythonOperator and PythonVirtualenvOperator -------------------------------------


def add(x, y=1, ds=None, logical_date=None):  # noqa: ANN001, ANN201 - runs in another interpreter
    return {"sum": x + y, "ds": ds, "date": type(logical_date).__name__}


def strings():  # noqa: ANN201
    return virtualenv_string_args  # noqa: F821 - set by the script


def fails():  # noqa: ANN201
    raise ValueError("boom")


def exits():  # noqa: ANN201
    import sys

    sys.exit(5)


def external(python_callable: Any, **kwargs: Any) -> Any:
    with DAG("external", schedule=None):
        operator = ExternalPythonOperator(task_id="t", python=sys.executable, python_callable=python_callable,
                                          **kwargs)
    return operator.execute(context_for(operator))


def test_external_python_runs_the_callable_with_json_arguments_and_context() -> None:
    assert external(add, op_args=[41]) == {"sum": 42, "ds": "2024-03-05", "date": "DateTime"}


def test_external_python_passes_string_args() -> None:
    assert external(strings, string_args=["a", " b "]) == ["a", "b"]


def test_a_failing_callable_fails_with_its_error() -> None:
    with pytest.raises(AirflowException) as err:
        external(fails)
    assert str(err.value) == "Process returned non-zero exit status 1.\nboom"


def test_an_exit_code_may_skip() -> None:
    with pytest.raises(AirflowSkipException) as err:
        external(exits, skip_on_exit_code=5)
    assert str(err.value) == "Process exited with code 5. Skipping."
    with pytest.raises(subprocess.CalledProcessError):
        external(exits)


def test_arguments_that_are_not_json_are_named() -> None:
    with pytest.raises(AirflowException) as err:
        external(add, op_kwargs={"x": {1, 2}})
    assert str(err.value) == (
        "Failed to serialize op_kwargs. The following keys contain objects that cannot be serialized: "
        "['x']. ExternalPythonOperator passes the callable's arguments to the other interpreter as JSON "
        "(Updraft never pickles): use strings, numbers, booleans, None, lists, dicts and datetimes.")


def test_the_python_path_is_checked_as_in_airflow(tmp_path: Path) -> None:
    for path, message in [("/no/such/python", "Python Path '/no/such/python' must exists"),
                          (str(tmp_path), f"Python Path '{tmp_path}' must be a file")]:
        with DAG("paths", schedule=None):
            operator = ExternalPythonOperator(task_id="t", python=path, python_callable=add)
        with pytest.raises(ValueError) as err:
            operator.execute(context_for(operator))
        assert str(err.value) == message
    with pytest.raises(ValueError) as err:
        ExternalPythonOperator(task_id="t", python="", python_callable=add)
    assert str(err.value) == "Python Path must be defined in ExternalPythonOperator"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        pytest.param({"python_callable": lambda: 1}, ValueError,
                     "ExternalPythonOperator only supports functions for python_callable arg", id="lambda"),
        pytest.param({"python_callable": print}, ValueError,
                     "ExternalPythonOperator only supports functions for python_callable arg", id="builtin"),
        pytest.param({"python_callable": exits, "serializer": "json"}, AirflowException,
                     "Unsupported serializer 'json'. Expected one of 'pickle', 'dill', 'cloudpickle'",
                     id="serializer"),
    ],
)
def test_what_airflow_refuses_at_definition(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error) as err:
        ExternalPythonOperator(task_id="t", python=sys.executable, **kwargs)
    assert str(err.value) == message


def test_a_generator_is_refused() -> None:
    def gen():  # noqa: ANN202
        yield 1

    with pytest.raises(ValueError) as err:
        ExternalPythonOperator(task_id="t", python=sys.executable, python_callable=gen)
    assert str(err.value) == "ExternalPythonOperator does not support using 'yield' in python_callable"


def test_branch_external_python_follows_the_callables_answer() -> None:
    def choose():  # noqa: ANN202
        return "b"

    followed: list[Any] = []
    with DAG("branch_external", schedule=None):
        operator = BranchExternalPythonOperator(task_id="t", python=sys.executable, python_callable=choose)
        operator >> [BashOperator(task_id="a", bash_command="true"), BashOperator(task_id="b", bash_command="true")]
    context = context_for(operator)
    context["ti"].follow_only = lambda ids: followed.append(sorted(ids))
    assert operator.execute(context) == "b"
    assert followed == [["b"]]


def test_task_external_python_runs_the_functions_source_without_its_decorators() -> None:
    @task.external_python(python=sys.executable)
    def double(n: int) -> int:
        # a comment line
        return n * 2

    with DAG("decorated_external", schedule=None):
        operator = double(21).operator
    assert "@task" not in operator.get_python_source()
    assert operator.custom_operator_name == "@task.external_python"
    assert operator.execute(context_for(operator)) == 42


def test_remove_task_decorator_keeps_other_decorators() -> None:
    source = ("@task.run_if(lambda c: True)\n@task.external_python(\n    python='/x')\n@functools.cache\n"
              "def f():\n    return 1\n")
    assert remove_task_decorator(source, "@task.external_python") == "@functools.cache\ndef f():\n    return 1\n"


def test_python_virtualenv_runs_when_the_worker_has_every_requirement() -> None:
    with DAG("venv_met", schedule=None):
        operator = PythonVirtualenvOperator(task_id="t", python_callable=add, op_args=[1],
                                            requirements=["pendulum>=3", "jinja2  # templates"])
    assert operator.execute(context_for(operator)) == {"sum": 2, "ds": "2024-03-05", "date": "DateTime"}


def test_python_virtualenv_refuses_what_it_would_have_to_install() -> None:
    with DAG("venv_unmet", schedule=None):
        operator = PythonVirtualenvOperator(task_id="t", python_callable=add,
                                            requirements=["colorama==0.4.0", "pendulum<1"])
    with pytest.raises(AirflowException) as err:
        operator.execute(context_for(operator))
    from importlib.metadata import version

    assert str(err.value) == (
        f"PythonVirtualenvOperator cannot install colorama==0.4.0, pendulum<1 (the worker has "
        f"{version('pendulum')}): Updraft's worker Lambda does not build virtual environments at run time "
        "(pip needs a package index, the code directory is read-only, /tmp is the only place to write, "
        "and a try has 15 minutes in all). Install the packages ahead of time: into the worker (its "
        "Lambda layer or container image), where this operator and @task find them; or into a virtual "
        "environment shipped with the worker, run with ExternalPythonOperator(python=...) or "
        "@task.external_python. See docs/differences.md#python-virtual-environments.")


def test_python_virtualenv_refuses_another_python() -> None:
    with DAG("venv_python", schedule=None):
        operator = PythonVirtualenvOperator(task_id="t", python_callable=add, python_version="3.8")
    with pytest.raises(AirflowException, match=r"cannot build a virtual environment for Python 3\.8"):
        operator.execute(context_for(operator))


@pytest.mark.parametrize(
    "requirements, unmet",
    [
        pytest.param([], [], id="none"),
        pytest.param(["pendulum", "Jinja2>=3"], [], id="installed"),
        pytest.param(["no-such-package-xyz"], ["no-such-package-xyz"], id="missing"),
        pytest.param(["pendulum; python_version < '3'"], [], id="marker-not-for-this-python"),
        pytest.param(["# a requirements file\npendulum\n\n-r other.txt\n"], ["-r other.txt"], id="file-text"),
    ],
)
def test_unmet_requirements(requirements: list[str], unmet: list[str]) -> None:
    assert unmet_requirements(requirements) == unmet


def test_task_virtualenv_and_branch_names() -> None:
    with DAG("venv_names", schedule=None):
        venv = task.virtualenv(strings)().operator
        bvenv = task.branch_virtualenv(strings)().operator
        bext = task.branch_external_python(python=sys.executable)(strings)().operator
    assert [venv.custom_operator_name, bvenv.custom_operator_name, bext.custom_operator_name] == [
        "@task.virtualenv", "@task.branch_virtualenv", "@task.branch_external_python"]


# -- Airflow's example DAGs ------------------------------------------------------------------


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="Airflow's example DAGs are in bench/.airflow-venv")
@pytest.mark.parametrize("name, tasks", [
    ("example_bash_decorator", 13), ("example_bash_operator", 9),
    ("example_python_decorator", 14), ("example_python_operator", 14),
])
def test_airflows_example_dags_import(name: str, tasks: int) -> None:
    from updraft.processing.dagfile import load_dag_file

    loaded = load_dag_file(str(EXAMPLES / f"{name}.py"))
    assert loaded.error is None
    assert [(d.dag_id, len(d.tasks)) for d in loaded.dags] == [(name, tasks)]


# -- XComArg of a key ------------------------------------------------------------------------


class PullingTI(RecordingTI):
    def __init__(self, stored: dict[tuple[str, str], Any]) -> None:
        super().__init__()
        self.stored = stored

    def xcom_pull(self, task_ids: str, key: str, default: Any = None) -> Any:
        return self.stored.get((task_ids, key), default)


def test_a_missing_key_of_an_xcom_arg_is_airflows_error() -> None:
    from updraft.exceptions import XComNotFound

    with DAG("keys", schedule=None):
        plain = ReturnsADict(task_id="plain")
        multi = ReturnsADict(task_id="multi", multiple_outputs=True)
    context = {"ti": PullingTI({("plain", "there"): 1})}
    assert XComArg(plain, "there").resolve(context) == 1
    assert XComArg(plain).resolve(context) is None
    assert XComArg(multi, "absent").resolve(context) is None
    with pytest.raises(XComNotFound) as err:
        XComArg(plain, "absent").resolve(context)
    assert str(err.value) == 'XComArg result from plain at d with key="absent" is not found!'


def sleeps():  # noqa: ANN201
    import time

    time.sleep(30)


def test_a_timed_out_callable_ends_the_other_interpreter() -> None:
    with DAG("external_timeout", schedule=None):
        operator = ExternalPythonOperator(task_id="t", python=sys.executable, python_callable=sleeps)
    started = time.monotonic()
    seen: list[Any] = []
    operator._started = lambda process: seen.append(process)  # type: ignore[method-assign]
    with pytest.raises(AirflowTaskTimeout):
        with kill_on_timeout(operator), time_limit(1.5, lambda: AirflowTaskTimeout("too long")):
            operator.execute(context_for(operator))
    assert time.monotonic() - started < 10
    assert seen and seen[0].poll() == -15

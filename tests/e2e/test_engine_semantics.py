"""Engine behaviour behind Airflow's semantics: skips from branching, callbacks, time limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.store.bucket import log_key


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


BRANCHING = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator, PythonOperator

    def choose(ti):
        ti.follow_only(["left"])

    with DAG("branching", schedule=None, start_date=datetime(2024, 1, 1)):
        pick = PythonOperator(task_id="pick", python_callable=choose)
        left = EmptyOperator(task_id="left")
        right = EmptyOperator(task_id="right")
        after_right = EmptyOperator(task_id="after_right")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        pick >> [left, right]
        right >> after_right
        [left, after_right] >> join
"""


def test_branch_skips_the_path_not_taken_and_skips_flow_on(driver: Driver) -> None:
    driver.upload("branching.py", BRANCHING)
    run = driver.trigger("branching")
    driver.drain(duplicate=True)
    assert driver.states("branching", run.run_id) == {
        "pick": ("success", 1),
        "left": ("success", 1),  # an EmptyOperator runs no worker, but counts one try (Airflow)
        "right": ("skipped", 0),
        "after_right": ("skipped", 0),
        "join": ("success", 1),
    }
    assert driver.services.runs.get("branching", run.run_id).state == "success"


SHORT_CIRCUIT = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator, PythonOperator

    def stop(ti):
        ti.skip_all_downstream(ignore_downstream_trigger_rules={ignore})

    with DAG("short", schedule=None, start_date=datetime(2024, 1, 1)):
        gate = PythonOperator(task_id="gate", python_callable=stop)
        nxt = EmptyOperator(task_id="next")
        always = EmptyOperator(task_id="always", trigger_rule="all_done")
        gate >> nxt >> always
"""


@pytest.mark.parametrize(
    "ignore, always_state",
    [
        pytest.param(True, ("skipped", 0), id="ignore-downstream-trigger-rules"),
        pytest.param(False, ("success", 1), id="respect-downstream-trigger-rules"),
    ],
)
def test_short_circuit(driver: Driver, ignore: bool, always_state: tuple[str, int]) -> None:
    driver.upload("short.py", SHORT_CIRCUIT.format(ignore=ignore))
    run = driver.trigger("short")
    driver.drain()
    states = driver.states("short", run.run_id)
    assert states["next"] == ("skipped", 0)
    assert states["always"] == always_state


CALLBACKS = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import PythonOperator

    def note(kind):
        def callback(context):
            with open({out!r}, "a") as fh:
                fh.write(f"{{kind}}:{{context['ti'].task_id}}:{{context['ti'].try_number}}\\n")
        return callback

    def broken_callback(context):
        raise RuntimeError("callback bug")

    def fails(ti):
        raise ValueError("always")

    with DAG("callbacks", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="ok", python_callable=lambda: 1,
                       on_execute_callback=note("execute"), on_success_callback=[note("success"), broken_callback])
        PythonOperator(task_id="bad", python_callable=fails, retries=1, retry_delay=timedelta(0),
                       on_retry_callback=note("retry"), on_failure_callback=note("failure"))
"""


def test_callbacks_are_called_and_a_raising_one_changes_nothing(driver: Driver, tmp_path: Path) -> None:
    out = tmp_path / "callbacks.txt"
    driver.upload("callbacks.py", CALLBACKS.format(out=str(out)))
    run = driver.trigger("callbacks")
    driver.drain()
    assert sorted(out.read_text().split()) == ["execute:ok:1", "failure:bad:2", "retry:bad:1", "success:ok:1"]
    assert driver.states("callbacks", run.run_id) == {"ok": ("success", 1), "bad": ("failed", 2)}
    log = driver.services.bucket.get(log_key("callbacks", run.run_id, "ok", -1, 1)).decode()
    assert "Error when executing on_success callback" in log
    assert "RuntimeError: callback bug" in log


TIMEOUT = """
    import time
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import PythonOperator

    def slow():
        for _ in range(200):
            time.sleep(0.05)

    with DAG("timeout", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="slow", python_callable=slow, execution_timeout=timedelta(seconds=1),
                       retries=1, retry_delay=timedelta(0))
"""


def test_execution_timeout_fails_the_try_and_retries_apply(driver: Driver) -> None:
    driver.upload("timeout.py", TIMEOUT)
    run = driver.trigger("timeout")
    driver.drain()
    assert driver.states("timeout", run.run_id) == {"slow": ("failed", 2)}
    log = driver.services.bucket.get(log_key("timeout", run.run_id, "slow", -1, 1)).decode()
    assert "AirflowTaskTimeout: Timeout, task slow ran longer than 1.0 seconds" in log


DAGRUN_TIMEOUT = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import BashOperator, EmptyOperator

    with DAG("slowrun", schedule=None, start_date=datetime(2024, 1, 1), dagrun_timeout=timedelta(minutes=5)):
        BashOperator(task_id="first", bash_command="echo") >> EmptyOperator(task_id="after")
"""


def test_dagrun_timeout_skips_unfinished_and_fails_the_run(driver: Driver) -> None:
    from datetime import datetime, timedelta, timezone

    from updraft.scheduling.scheduler import run_pass

    driver.upload("slowrun.py", DAGRUN_TIMEOUT)
    run = driver.trigger("slowrun")
    assert driver.states("slowrun", run.run_id) == {"first": ("queued", 1)}
    assert run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=4)).runs_timed_out == []
    report = run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=6))
    assert report.runs_timed_out == [f"slowrun/{run.run_id}"]
    assert driver.services.runs.get("slowrun", run.run_id).state == "failed"
    driver.drain()  # the queued message arrives late: nothing runs
    assert driver.states("slowrun", run.run_id) == {"first": ("skipped", 1)}


PARAMS = """
    from datetime import datetime
    from updraft import DAG, Param
    from updraft.operators import BashOperator

    with DAG("params", schedule=None, start_date=datetime(2024, 1, 1),
             params={"rows": Param(10, type="integer", minimum=1), "label": "default"}):
        BashOperator(task_id="show", bash_command="echo {{ params.rows }} {{ params.label }}")
"""


def test_params_defaults_and_conf_overrides_reach_templates(driver: Driver) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.exceptions import ParamValidationError
    from updraft.timeutil import utcnow

    driver.upload("params.py", PARAMS)
    default_run = driver.trigger("params", run_id="manual__defaults")
    conf_run = trigger_dag_run(driver.services, "params", run_id="manual__conf", conf={"rows": 3}, now=utcnow())
    driver.drain()
    xcom = driver.services.xcoms.get
    assert xcom("params", default_run.run_id, "show", -1, "return_value") == (True, "10 default")
    assert xcom("params", conf_run.run_id, "show", -1, "return_value") == (True, "3 default")
    with pytest.raises(ParamValidationError, match="Invalid input for param rows"):
        trigger_dag_run(driver.services, "params", run_id="manual__bad", conf={"rows": 0}, now=utcnow())
    assert driver.services.runs.get("params", "manual__bad") is None


DAG_CALLBACKS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    def note(context):
        with open({out!r}, "a") as fh:
            fh.write(f"{{context['dag_run'].run_id}}:{{context['reason']}}\\n")

    with DAG("dag_callbacks", schedule=None, start_date=datetime(2024, 1, 1),
             on_success_callback=note, on_failure_callback=note):
        BashOperator(task_id="t", bash_command="{command}")
"""


@pytest.mark.parametrize("command, reason", [("echo ok", "success"), ("exit 1", "task_failure")])
def test_dag_callbacks_run_once_on_a_worker(driver: Driver, tmp_path: Path, command: str, reason: str) -> None:
    out = tmp_path / "dag_callbacks.txt"
    driver.upload("dag_callbacks.py", DAG_CALLBACKS.format(out=str(out), command=command))
    run = driver.trigger("dag_callbacks")
    driver.drain(duplicate=True)
    assert out.read_text().split() == [f"{run.run_id}:{reason}"]


DEPENDS_ON_PAST = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import PythonOperator

    def guarded():
        if not Path({flag!r}).exists():
            raise RuntimeError("not yet")

    with DAG("past", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="t", python_callable=guarded, depends_on_past=True)
"""


def test_depends_on_past_waits_for_the_previous_run(driver: Driver, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from updraft.models.clear import clear_task_instances
    from updraft.scheduling.scheduler import run_pass
    from updraft.timeutil import utcnow

    flag = tmp_path / "ok"
    driver.upload("past.py", DEPENDS_ON_PAST.format(flag=str(flag)))
    first = driver.trigger("past", run_id="manual__1")  # no previous run: runs
    driver.drain()
    assert driver.states("past", "manual__1") == {"t": ("failed", 1)}
    driver.trigger("past", run_id="manual__2")
    driver.drain()
    second = driver.services.tis.get("past", "manual__2", "t")
    assert (str(second.state), second.waiting_on_past) == ("none", True)
    # The scheduler's look again changes nothing while the past has not succeeded.
    assert run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=2)).past_waits_released == 0
    flag.write_text("go")
    clear_task_instances(driver.services, "past", first.run_id, {"t"}, now=utcnow())
    driver.drain()  # the first run's success nudges the second
    driver.drain()
    assert driver.states("past", "manual__1") == {"t": ("success", 2)}
    assert driver.states("past", "manual__2") == {"t": ("success", 1)}
    assert driver.services.runs.get("past", "manual__2").state == "success"


PREVIOUS_SUCCESS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("prev", schedule=None, start_date=datetime(2024, 1, 1)):
        BashOperator(task_id="show", bash_command="echo {{ prev_start_date_success is none }}")
"""


def test_prev_success_values_come_from_the_latest_successful_run(driver: Driver) -> None:
    driver.upload("prev.py", PREVIOUS_SUCCESS)
    driver.trigger("prev", run_id="manual__a")
    driver.drain()
    driver.trigger("prev", run_id="manual__b")
    driver.drain()
    xcom = driver.services.xcoms.get
    assert xcom("prev", "manual__a", "show", -1, "return_value") == (True, "True")
    assert xcom("prev", "manual__b", "show", -1, "return_value") == (True, "False")


MAX_ACTIVE_RUNS = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator

    with DAG("one_at_a_time", schedule=None, start_date=datetime(2024, 1, 1), max_active_runs=1):
        BashOperator(task_id="t", bash_command="echo one")
"""


def test_max_active_runs_keeps_further_runs_queued_until_a_place_frees(driver: Driver) -> None:
    from updraft.api.operations import set_paused

    driver.upload("one_at_a_time.py", MAX_ACTIVE_RUNS)
    runs = [driver.trigger("one_at_a_time", run_id=f"manual__{n}") for n in range(3)]
    state = lambda: [str(driver.services.runs.get("one_at_a_time", r.run_id).state) for r in runs]  # noqa: E731
    assert state() == ["running", "queued", "queued"]
    driver.drain()
    assert state() == ["success", "success", "success"]
    assert driver.services.dags.get("one_at_a_time")["active_runs"] == 0
    assert driver.services.runs.waiting("one_at_a_time") == []
    assert list(driver.services.table.query_all("WAIT#one_at_a_time")) == []  # none left behind
    # A paused DAG starts none of its runs; unpausing starts the ones that waited.
    from updraft.timeutil import utcnow

    set_paused(driver.services, "one_at_a_time", True, utcnow())
    late = driver.trigger("one_at_a_time", run_id="manual__late")
    assert str(driver.services.runs.get("one_at_a_time", late.run_id).state) == "queued"
    set_paused(driver.services, "one_at_a_time", False, utcnow())
    driver.drain()
    assert str(driver.services.runs.get("one_at_a_time", late.run_id).state) == "success"


MAX_ACTIVE_TASKS = """
    import time
    from datetime import datetime
    from updraft import DAG, task

    with DAG("capped", schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=2):
        @task
        def slow(n: int) -> int:
            with open({log!r}, "a") as fh:
                fh.write(f"start {{time.monotonic()}}\\n")
            time.sleep(0.6)
            with open({log!r}, "a") as fh:
                fh.write(f"end {{time.monotonic()}}\\n")
            return n

        slow.expand(n=[1, 2, 3, 4, 5])
"""


def test_max_active_tasks_caps_running_task_instances_of_a_dag(driver: Driver, tmp_path: Path) -> None:
    import threading
    import time

    log = tmp_path / "times.txt"
    driver.upload("capped.py", MAX_ACTIVE_TASKS.format(log=str(log)))
    run = driver.trigger("capped")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and str(driver.services.runs.get("capped", run.run_id).state) == "running":
        messages = driver.receive()
        threads = [threading.Thread(target=driver.deliver, args=([m],)) for m in messages]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.2)
    assert str(driver.services.runs.get("capped", run.run_id).state) == "success"
    events = sorted((float(line.split()[1]), line.split()[0]) for line in log.read_text().splitlines())
    running, most = 0, 0
    for _, kind in events:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert most == 2
    assert driver.services.dags.get("capped")["running_tasks"] == 0


WAIT_FOR_DOWNSTREAM = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import BashOperator, PythonOperator

    def check():
        if not Path({flag!r}).exists():
            raise RuntimeError("not yet")

    with DAG("wfd", schedule=None, start_date=datetime(2024, 1, 1)):
        load = BashOperator(task_id="load", bash_command="echo load", wait_for_downstream=True)
        load >> PythonOperator(task_id="check", python_callable=check)
"""


def test_wait_for_downstream_waits_for_the_previous_runs_downstream(driver: Driver, tmp_path: Path) -> None:
    from updraft.models.clear import clear_task_instances
    from updraft.scheduling.scheduler import run_pass
    from updraft.timeutil import utcnow
    from datetime import datetime, timedelta, timezone

    flag = tmp_path / "ok"
    driver.upload("wfd.py", WAIT_FOR_DOWNSTREAM.format(flag=str(flag)))
    driver.trigger("wfd", run_id="manual__1")
    driver.drain()
    assert driver.states("wfd", "manual__1") == {"load": ("success", 1), "check": ("failed", 1)}
    driver.trigger("wfd", run_id="manual__2")
    driver.drain()
    assert driver.services.tis.get("wfd", "manual__2", "load").waiting_on_past  # its past's downstream failed
    flag.write_text("go")
    clear_task_instances(driver.services, "wfd", "manual__1", {"check"}, now=utcnow())
    driver.drain()
    run_pass(driver.services, datetime.now(timezone.utc) + timedelta(minutes=2))  # the scheduler looks again
    driver.drain()
    assert driver.states("wfd", "manual__2") == {"load": ("success", 1), "check": ("success", 1)}

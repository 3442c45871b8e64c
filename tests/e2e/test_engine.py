"""The engine under at-least-once delivery: each try runs once, nothing is lost."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.dispatch.messages import TaskMessage
from updraft.scheduling.scheduler import run_pass
from updraft.store.bucket import log_key

@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


COUNTING_DAG = """
    from datetime import datetime
    from updraft import DAG, task

    def note(name):
        with open({counter!r}, "a") as fh:
            fh.write(name + "\\n")

    with DAG("counting", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def a():
            note("a"); return 1
        @task
        def b(x):
            note("b"); return x + 1
        @task
        def c(x):
            note("c"); return x + 1
        @task
        def join(x, y):
            note("join"); return x + y
        first = a()
        join(b(first), c(first))
"""


def _counting(driver: Driver, tmp_path: Path) -> Path:
    counter = tmp_path / "runs.txt"
    assert driver.upload("counting.py", COUNTING_DAG.format(counter=str(counter)))["result"] == "ok"
    return counter


def test_run_succeeds_and_passes_xcom(services: Any, driver: Driver, tmp_path: Path) -> None:
    _counting(driver, tmp_path)
    run = driver.trigger("counting")
    driver.drain()
    assert services.runs.get("counting", run.run_id).state == "success"
    assert services.xcoms.get("counting", run.run_id, "join", -1, "return_value") == (True, 4)


def test_duplicate_delivery_runs_each_try_once(services: Any, driver: Driver, tmp_path: Path) -> None:
    counter = _counting(driver, tmp_path)
    run = driver.trigger("counting")
    driver.drain(duplicate=True)
    assert services.runs.get("counting", run.run_id).state == "success"
    assert sorted(counter.read_text().split()) == ["a", "b", "c", "join"]


def test_two_upstreams_finishing_together_enqueue_downstream_once(services: Any, driver: Driver, tmp_path: Path) -> None:
    _counting(driver, tmp_path)
    run = driver.trigger("counting")
    drain_messages = driver.receive()
    assert [TaskMessage.from_json(m["Body"]).task_id for m in drain_messages] == ["a"]
    driver.deliver([drain_messages[0]])
    parallel = driver.receive()
    assert sorted(TaskMessage.from_json(m["Body"]).task_id for m in parallel) == ["b", "c"]
    barrier = threading.Barrier(2)

    responses = []

    def worker(message: dict) -> None:
        barrier.wait()
        responses.append(driver.deliver([message]))

    threads = [threading.Thread(target=worker, args=(m,)) for m in parallel]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert responses == [{"batchItemFailures": []}] * 2
    assert driver.states("counting", run.run_id)["b"] == ("success", 1)
    assert driver.states("counting", run.run_id)["c"] == ("success", 1)
    joined = [TaskMessage.from_json(m["Body"]).task_id for m in driver.receive()]
    assert joined == ["join"]


FAILING_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BashOperator, EmptyOperator

    with DAG("failing", schedule=None, start_date=datetime(2024, 1, 1)):
        ok = BashOperator(task_id="ok", bash_command="echo fine")
        bad = BashOperator(task_id="bad", bash_command="echo about to fail; exit 3")
        after = BashOperator(task_id="after", bash_command="echo never")
        end = EmptyOperator(task_id="end")
        [ok, bad] >> after >> end
"""


def test_failure_marks_downstream_upstream_failed_and_run_failed(services: Any, driver: Driver) -> None:
    driver.upload("failing.py", FAILING_DAG)
    run = driver.trigger("failing")
    driver.drain()
    assert driver.states("failing", run.run_id) == {
        "ok": ("success", 1),
        "bad": ("failed", 1),
        "after": ("upstream_failed", 0),
        "end": ("upstream_failed", 0),
    }
    assert services.runs.get("failing", run.run_id).state == "failed"
    log = services.bucket.get(log_key("failing", run.run_id, "bad", -1, 1)).decode()
    assert "about to fail" in log
    assert "non-zero exit code 3" in log


RETRY_DAG = """
    from datetime import datetime, timedelta
    from updraft import DAG
    from updraft.operators import PythonOperator

    def flaky(ti):
        print(f"try {ti.try_number}")
        if ti.try_number == 1:
            raise RuntimeError("first try fails")
        return "ok"

    with DAG("retrying", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="flaky", python_callable=flaky, retries=1, retry_delay=timedelta(0))
"""


def test_task_with_one_retry_succeeds_on_try_two_with_a_log_per_try(services: Any, driver: Driver) -> None:
    driver.upload("retrying.py", RETRY_DAG)
    run = driver.trigger("retrying")
    driver.drain(duplicate=True)
    assert driver.states("retrying", run.run_id) == {"flaky": ("success", 2)}
    assert services.runs.get("retrying", run.run_id).state == "success"
    first = services.bucket.get(log_key("retrying", run.run_id, "flaky", -1, 1)).decode()
    second = services.bucket.get(log_key("retrying", run.run_id, "flaky", -1, 2)).decode()
    assert "try 1" in first and "RuntimeError: first try fails" in first
    assert "try 2" in second and "SUCCESS" in second


def test_retry_beyond_sqs_delay_is_queued_by_the_scheduler(services: Any, driver: Driver) -> None:
    driver.upload("retrying.py", RETRY_DAG.replace("timedelta(0)", "timedelta(hours=1)"))
    run = driver.trigger("retrying")
    driver.drain()
    assert driver.states("retrying", run.run_id) == {"flaky": ("up_for_retry", 1)}
    later = datetime.now(timezone.utc) + timedelta(hours=1, seconds=5)
    report = run_pass(services, later)
    assert report.retries_queued == 1
    driver.drain()
    assert driver.states("retrying", run.run_id) == {"flaky": ("success", 2)}


SCHEDULED_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG("daily", schedule="@daily", start_date=datetime(2024, 1, 1)):
        EmptyOperator(task_id="only")
"""


def test_two_scheduler_passes_for_the_same_interval_create_one_run(services: Any, driver: Driver) -> None:
    driver.upload("daily.py", SCHEDULED_DAG, now=datetime(2024, 1, 1, 12, tzinfo=timezone.utc))
    due = datetime(2024, 1, 2, 0, 0, 1, tzinfo=timezone.utc)
    first = run_pass(services, due)
    second = run_pass(services, due)
    assert first.dagruns_created == ["daily/scheduled__2024-01-02T00:00:00+00:00"]
    assert second.dagruns_created == []
    runs, _ = services.runs.list("daily")
    assert [r.run_id for r in runs] == ["scheduled__2024-01-02T00:00:00+00:00"]


def test_concurrent_scheduler_passes_create_one_run(services: Any, driver: Driver) -> None:
    driver.upload("daily.py", SCHEDULED_DAG, now=datetime(2024, 1, 1, 12, tzinfo=timezone.utc))
    due = datetime(2024, 1, 2, 0, 0, 1, tzinfo=timezone.utc)
    barrier = threading.Barrier(3)
    reports = []

    def scheduler() -> None:
        barrier.wait()
        reports.append(run_pass(services, due))

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r.dagruns_created) for r in reports) == 1
    runs, _ = services.runs.list("daily")
    assert len(runs) == 1


def test_lost_message_is_sent_again_after_the_queued_timeout(services: Any, driver: Driver, tmp_path: Path) -> None:
    counter = _counting(driver, tmp_path)
    run = driver.trigger("counting")
    assert len(driver.receive()) == 1  # the message for `a` is lost
    report = run_pass(services, datetime.now(timezone.utc) + timedelta(seconds=services.settings.queued_timeout + 1))
    assert report.messages_resent == 1
    driver.drain()
    assert services.runs.get("counting", run.run_id).state == "success"
    assert sorted(counter.read_text().split()) == ["a", "b", "c", "join"]


def test_worker_that_died_mid_task_is_failed_by_the_scheduler(services: Any, driver: Driver) -> None:
    driver.upload("failing.py", FAILING_DAG)
    run = driver.trigger("failing")
    messages = driver.receive()
    ok = next(m for m in messages if TaskMessage.from_json(m["Body"]).task_id == "ok")
    claimed, _, _ = services.tis.claim("failing", run.run_id, "ok", -1, 1, datetime.now(timezone.utc).isoformat(),
                                    {"tpk": "TIMER#0", "tsk": datetime.now(timezone.utc).isoformat()})
    assert claimed is not None  # a worker claimed `ok`, then died without a word
    report = run_pass(services, datetime.now(timezone.utc) + timedelta(seconds=1))
    assert report.zombies == [f"failing/{run.run_id}/ok"]
    assert driver.states("failing", run.run_id)["ok"] == ("failed", 1)
    driver.deliver([ok])  # the late duplicate changes nothing
    assert driver.states("failing", run.run_id)["ok"] == ("failed", 1)
    log = services.bucket.get(log_key("failing", run.run_id, "ok", -1, 1)).decode()
    assert "worker stopped before it finished" in log


BROKEN_DAG = """
    from updraft import DAG
    with DAG("broken", schedule=None:
        pass
"""


def test_syntax_error_becomes_import_error_and_other_dags_still_run(services: Any, driver: Driver, tmp_path: Path) -> None:
    _counting(driver, tmp_path)
    result = driver.upload("broken.py", BROKEN_DAG)
    assert result["result"] == "import_error"
    errors = services.dags.list_import_errors()
    assert [e["filename"] for e in errors] == ["dags/broken.py"]
    assert errors[0]["stack_trace"].startswith("dags/broken.py:3: SyntaxError")
    run = driver.trigger("counting")
    driver.drain()
    assert services.runs.get("counting", run.run_id).state == "success"


def test_fixing_a_broken_file_clears_its_import_error(services: Any, driver: Driver) -> None:
    driver.upload("daily.py", BROKEN_DAG)
    assert driver.upload("daily.py", SCHEDULED_DAG)["result"] == "ok"
    assert services.dags.list_import_errors() == []
    assert services.dags.get("daily")["is_active"] is True

"""Backfill as Airflow 3's `backfill create`: one run per logical date in the range, started a
few at a time, existing runs skipped or reprocessed, nothing created twice."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.models.backfill import create_backfill
from updraft.timeutil import utcnow

UTC = timezone.utc


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


DAILY = """
    from datetime import datetime
    from pathlib import Path
    from updraft import DAG
    from updraft.operators import PythonOperator

    def work(ds):
        if ds in Path({bad!r}).read_text().split():
            raise RuntimeError(f"bad day {{ds}}")
        return ds

    with DAG("daily", schedule="@daily", start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="work", python_callable=work)
"""


def _runs(driver: Driver) -> dict[str, str]:
    runs, _ = driver.services.runs.list("daily", newest_first=False, limit=100)
    return {r.run_id: str(r.state) for r in runs}


def test_backfill_creates_runs_in_order_a_few_at_a_time(driver: Driver, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("")
    driver.upload("daily.py", DAILY.format(bad=str(bad)))
    backfill = create_backfill(driver.services, "daily", datetime(2024, 2, 1, tzinfo=UTC),
                               datetime(2024, 2, 5, tzinfo=UTC), max_active_runs=2, now=utcnow())
    assert backfill.run_ids == [f"backfill__2024-02-0{d}T00:00:00+00:00" for d in range(1, 6)]
    assert sorted(_runs(driver).values()) == ["queued", "queued", "queued", "running", "running"]
    driver.drain()
    assert set(_runs(driver).values()) == {"success"}
    run = driver.services.runs.get("daily", "backfill__2024-02-03T00:00:00+00:00")
    assert (run.run_type, run.logical_date) == ("backfill", "2024-02-03T00:00:00+00:00")
    assert driver.services.xcoms.get("daily", run.run_id, "work", -1, "return_value") == (True, "2024-02-03")
    again = create_backfill(driver.services, "daily", datetime(2024, 2, 1, tzinfo=UTC),
                            datetime(2024, 2, 5, tzinfo=UTC), now=utcnow())
    assert again.run_ids == [] and len(_runs(driver)) == 5  # running it again creates nothing


def test_reprocess_failed_and_run_backwards_and_dry_run(driver: Driver, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("2024-03-02")
    driver.upload("daily.py", DAILY.format(bad=str(bad)))
    create_backfill(driver.services, "daily", datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC),
                    now=utcnow())
    driver.drain()
    assert _runs(driver)["backfill__2024-03-02T00:00:00+00:00"] == "failed"
    dry = create_backfill(driver.services, "daily", datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 4, tzinfo=UTC),
                          reprocess_behavior="failed", run_backwards=True, dry_run=True, now=utcnow())
    assert [(e.logical_date.day, e.action) for e in dry.entries] == [
        (4, "create"), (3, "skip"), (2, "reprocess"), (1, "skip"),
    ]
    assert len(_runs(driver)) == 3  # a dry run creates nothing
    bad.write_text("")
    create_backfill(driver.services, "daily", datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 4, tzinfo=UTC),
                    reprocess_behavior="failed", run_backwards=True, now=utcnow())
    driver.drain()
    assert set(_runs(driver).values()) == {"success"} and len(_runs(driver)) == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"reprocess_behavior": "some"}, "--reprocess-behavior must be one of none, failed, completed", id="behavior"),
        pytest.param({"max_active_runs": 0}, "--max-active-runs must be at least 1", id="max-active"),
    ],
)
def test_bad_backfill_arguments_are_refused(driver: Driver, tmp_path: Path, kwargs: dict, message: str) -> None:
    (tmp_path / "bad").write_text("")
    driver.upload("daily.py", DAILY.format(bad=str(tmp_path / "bad")))
    with pytest.raises(ValueError, match=message):
        create_backfill(driver.services, "daily", datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC),
                        now=utcnow(), **kwargs)

"""Airflow's standard-provider operators and sensors as Airflow 3.3 has them: LatestOnlyOperator,
BranchDateTimeOperator, BranchDayOfWeekOperator, WeekDay, DayOfWeekSensor, TimeSensor,
WaitSensor, BashSensor, FileSensor, ExternalTaskMarker and SmoothOperator.

Pure tests: operators are called with a hand-made context, and the clock is pinned by
patching each module's `utcnow`/`_now`. Expected values marked "Airflow 3.3.2" were recorded by
calling the same operator of the real Airflow with the same arguments."""

from __future__ import annotations

import datetime as dt
import logging
import os
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from updraft import DAG, TaskGroup
from updraft.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
)
from updraft.operators import (
    BranchDateTimeOperator,
    BranchDayOfWeekOperator,
    EmptyOperator,
    LatestOnlyOperator,
    SmoothOperator,
)
from updraft.operators.datetime import target_times_as_dates
from updraft.scheduling import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeltaDataIntervalTimetable,
    MultipleCronTriggerTimetable,
)
from updraft.sensors import (
    BashSensor,
    DayOfWeekSensor,
    ExternalTaskMarker,
    FileSensor,
    TimeDeltaSensor,
    TimeSensor,
    WaitSensor,
    WeekDay,
)

UTC = pendulum.UTC
LOGICAL = pendulum.datetime(2024, 3, 5, tz="UTC")  # a Tuesday


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


class RecordingTI:
    """Stands in for the engine's task instance: records what a branch told it."""

    def __init__(self, record: Any = None, try_number: int = 1) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.record = record
        self.try_number = try_number
        self.lambda_deadline: float | None = None

    def follow_only(self, task_ids: Any) -> None:
        self.calls.append(("follow_only", sorted(task_ids)))


def context(ti: RecordingTI | None = None, **values: Any) -> dict[str, Any]:
    ti = ti or RecordingTI()
    return {"ti": ti, "task_instance": ti, "params": {}, **values}


def dag_run(run_type: str = "scheduled", *, logical: Any = LOGICAL, start: Any = LOGICAL, end: Any = LOGICAL,
            run_after: Any = LOGICAL) -> types.SimpleNamespace:
    return types.SimpleNamespace(run_type=run_type, logical_date=logical, data_interval_start=start,
                                 data_interval_end=end, run_after=run_after)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`clock(moment)` pins what these modules take to be now."""
    import updraft.operators.datetime as datetime_module
    import updraft.operators.latest_only as latest_only_module
    import updraft.operators.weekday as weekday_module
    import updraft.sensors.base as base_module
    import updraft.sensors.date_time as date_time_module
    import updraft.sensors.weekday as weekday_sensor_module

    def pin(moment: dt.datetime) -> None:
        class Frozen(dt.datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return dt.datetime.fromtimestamp(moment.timestamp(), tz)  # stdlib, as in production

        for module in (datetime_module, weekday_module, date_time_module, weekday_sensor_module):
            monkeypatch.setattr(module, "utcnow", lambda: moment)
        monkeypatch.setattr(base_module, "datetime", Frozen)  # a try's first poke
        monkeypatch.setattr(latest_only_module, "_now", lambda: pendulum.instance(moment))

    return pin


# -- LatestOnlyOperator ----------------------------------------------------------------------


# The window (left, right] in which a scheduled run is the latest, as Airflow 3.3.2's
# LatestOnlyOperator._get_compare_dates computes it for each timetable.
WINDOWS = {
    "delta_trigger_4h": (dt.timedelta(hours=4), utc(2024, 3, 5, 8), utc(2024, 3, 5, 8), utc(2024, 3, 5, 8),
                         (utc(2024, 3, 5, 8), utc(2024, 3, 5, 12))),
    "cron_trigger_daily": ("@daily", LOGICAL, LOGICAL, LOGICAL, (utc(2024, 3, 5), utc(2024, 3, 6))),
    "cron_trigger_off_schedule": ("@daily", utc(2024, 3, 5, 10), utc(2024, 3, 5, 10), utc(2024, 3, 5, 10),
                                  (utc(2024, 3, 5, 10), utc(2024, 3, 6))),
    "cron_trigger_interval": (
        CronTriggerTimetable("0 * * * *", timezone="UTC", interval=dt.timedelta(hours=1)),
        utc(2024, 3, 5, 6), utc(2024, 3, 5, 6), utc(2024, 3, 5, 7), (utc(2024, 3, 5, 6), utc(2024, 3, 5, 8))),
    "cron_data_interval": (CronDataIntervalTimetable("@daily", "UTC"), utc(2024, 3, 4), utc(2024, 3, 4),
                           utc(2024, 3, 5), (utc(2024, 3, 4), utc(2024, 3, 6))),
    "delta_data_interval": (DeltaDataIntervalTimetable(dt.timedelta(hours=4)), utc(2024, 3, 5, 4),
                            utc(2024, 3, 5, 4), utc(2024, 3, 5, 8), (utc(2024, 3, 5, 4), utc(2024, 3, 5, 12))),
    "cron_in_paris": (CronTriggerTimetable("0 6 * * *", timezone="Europe/Paris"), utc(2024, 3, 5, 5),
                      utc(2024, 3, 5, 5), utc(2024, 3, 5, 5), (utc(2024, 3, 5, 5), utc(2024, 3, 6, 5))),
    "multiple_crons": (MultipleCronTriggerTimetable("0 1 * * *", "0 13 * * *", timezone="UTC"),
                       utc(2024, 3, 5, 1), utc(2024, 3, 5, 1), utc(2024, 3, 5, 1),
                       (utc(2024, 3, 5, 1), utc(2024, 3, 5, 13))),
    "weekly_data_interval": (CronDataIntervalTimetable("0 0 * * 1", "UTC"), utc(2024, 3, 4), utc(2024, 3, 4),
                             utc(2024, 3, 11), (utc(2024, 3, 4), utc(2024, 3, 18))),
    "once": ("@once", LOGICAL, LOGICAL, LOGICAL, None),
}


def latest_only_dag(schedule: Any = "@daily") -> tuple[DAG, LatestOnlyOperator]:
    with DAG("latest", schedule=schedule, start_date=utc(2021, 1, 1)) as dag:
        latest = LatestOnlyOperator(task_id="latest_only")
        latest >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    return dag, latest


@pytest.mark.parametrize("case", list(WINDOWS), ids=list(WINDOWS))
def test_latest_only_window_is_airflows(case: str) -> None:
    schedule, logical, start, end, window = WINDOWS[case]
    _, latest = latest_only_dag(schedule)
    got = latest._get_compare_dates(dag_run(logical=logical, start=start, end=end, run_after=end))
    assert got == window  # equal instants, whatever their zones


def test_latest_only_without_data_interval_uses_run_after() -> None:
    _, latest = latest_only_dag("@daily")
    run = dag_run(logical=None, start=None, end=None, run_after=utc(2024, 3, 5, 12))
    assert latest._get_compare_dates(run) == (utc(2024, 3, 5, 12), utc(2024, 3, 6))  # Airflow 3.3.2


@pytest.mark.parametrize(
    "now, follow",
    [
        pytest.param(utc(2024, 3, 5, 12), ["a", "b"], id="inside-the-window"),
        pytest.param(utc(2024, 3, 6), ["a", "b"], id="right-edge-is-inside"),
        pytest.param(utc(2024, 3, 5), [], id="left-edge-is-outside"),
        pytest.param(utc(2024, 3, 6, 0, 0, 1), [], id="a-later-run-is-due"),
    ],
)
def test_latest_only_skips_downstream_outside_the_window(clock: Any, now: dt.datetime, follow: list[str]) -> None:
    clock(now)
    _, latest = latest_only_dag("@daily")
    ti = RecordingTI()
    result = latest.execute(context(ti, dag_run=dag_run()))
    assert ti.calls == [("follow_only", follow)]
    assert sorted(result) == follow  # the XCom: what it followed


@pytest.mark.parametrize("run_type", ["manual", "backfill"])
def test_latest_only_never_skips_a_manual_run(clock: Any, run_type: str, caplog: pytest.LogCaptureFixture) -> None:
    clock(utc(2030, 1, 1))
    _, latest = latest_only_dag("@daily")
    ti = RecordingTI()
    with caplog.at_level(logging.INFO, logger="updraft.task"):
        latest.execute(context(ti, dag_run=dag_run(run_type)))
    if run_type == "manual":
        assert ti.calls == [("follow_only", ["a", "b"])]
        assert "Manually triggered DAG_Run: allowing execution to proceed." in caplog.messages
    else:  # a backfill of an old interval is not the latest
        assert ti.calls == [("follow_only", [])]
        assert "Not latest execution, skipping downstream." in caplog.messages


def test_latest_only_never_skips_when_no_run_follows(clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    clock(utc(2030, 1, 1))
    _, latest = latest_only_dag("@once")
    ti = RecordingTI()
    with caplog.at_level(logging.INFO, logger="updraft.task"):
        latest.execute(context(ti, dag_run=dag_run()))
    assert ti.calls == [("follow_only", ["a", "b"])]
    assert "Last scheduled execution: allowing execution to proceed." in caplog.messages


def test_latest_only_is_a_branch_operator() -> None:
    from updraft.operators import BaseBranchOperator

    assert issubclass(LatestOnlyOperator, BaseBranchOperator)
    assert LatestOnlyOperator.ui_color == "#e9ffdb"


LATEST_ONLY_DAG = """
import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.latest_only import LatestOnlyOperator
from airflow.utils.trigger_rule import TriggerRule

with DAG("latest_engine", schedule="@daily", start_date=pendulum.datetime(2021, 1, 1, tz="UTC"), catchup=False):
    latest_only = LatestOnlyOperator(task_id="latest_only")
    task1 = BashOperator(task_id="task1", bash_command="echo 1")
    task2 = BashOperator(task_id="task2", bash_command="echo 2")
    task3 = EmptyOperator(task_id="task3")
    task4 = EmptyOperator(task_id="task4", trigger_rule=TriggerRule.ALL_DONE)
    latest_only >> task1 >> [task3, task4]
    task2 >> [task3, task4]
"""


def test_latest_only_in_scheduled_runs_through_the_engine(services: Any, handlers: Any, stack_env: Any) -> None:
    """An old scheduled run skips what follows (and its skip flows through trigger rules); today's
    does not. Airflow 3.3.2 gives the same states for this DAG's scheduled runs."""
    from tests.engine_driver import Driver
    from updraft.models.dagrun import create_dag_run, start_dag_run
    from updraft.models.states import DagRunType
    from updraft.timeutil import utcnow

    driver = Driver(services, handlers, stack_env)
    assert driver.upload("latest_engine.py", LATEST_ONLY_DAG)["result"] == "ok"
    dag = services.dags.get("latest_engine", consistent=True)
    now = utcnow()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for run_id, logical in (("scheduled__old", utc(2024, 3, 5)), ("scheduled__today", today)):
        run = create_dag_run(services, dag, run_id=run_id, run_type=DagRunType.SCHEDULED, logical_date=logical,
                             data_interval=(logical, logical), run_after=logical, now=now)
        start_dag_run(services, run, now)
    driver.drain(duplicate=True)
    states = {run_id: {k: v[0] for k, v in driver.states("latest_engine", run_id).items()}
              for run_id in ("scheduled__old", "scheduled__today")}
    assert states["scheduled__old"] == {
        "latest_only": "success", "task1": "skipped", "task2": "success", "task3": "skipped", "task4": "success"}
    assert states["scheduled__today"] == dict.fromkeys(("latest_only", "task1", "task2", "task3", "task4"), "success")


# -- BranchDateTimeOperator ------------------------------------------------------------------


def datetime_branch(lower: Any, upper: Any, *, tz: str = "UTC", **kwargs: Any) -> BranchDateTimeOperator:
    with DAG("branch_datetime", schedule=None, start_date=pendulum.datetime(2021, 1, 1, tz=tz)):
        op = BranchDateTimeOperator(task_id="branch", follow_task_ids_if_true="yes",
                                    follow_task_ids_if_false="no", target_lower=lower, target_upper=upper,
                                    **kwargs)
        op >> [EmptyOperator(task_id="yes"), EmptyOperator(task_id="no")]
    return op


def test_datetime_branch_needs_a_bound() -> None:
    with pytest.raises(AirflowException) as err:
        datetime_branch(None, None)
    assert str(err.value) == (
        "Both target_upper and target_lower are None. At least one "
        "must be defined to be compared to the current datetime"
    )


@pytest.mark.parametrize(
    "lower, upper, tz, expected",
    [
        # The logical date, 2024-03-05T00:00Z, against...
        pytest.param(utc(2024, 3, 4, 23), utc(2024, 3, 5, 1), "UTC", "yes", id="datetimes-around"),
        pytest.param(utc(2024, 3, 5, 1), utc(2024, 3, 5, 2), "UTC", "no", id="datetimes-later"),
        pytest.param(None, LOGICAL, "UTC", "yes", id="upper-bound-included"),
        pytest.param(LOGICAL, None, "UTC", "yes", id="lower-bound-included"),
        pytest.param(dt.datetime(2024, 3, 5, 0, 0, 1), None, "UTC", "no", id="naive-is-the-dags-zone"),
        pytest.param(dt.time(0, 0), dt.time(6, 0), "UTC", "yes", id="times-around"),
        pytest.param(dt.time(22, 0), dt.time(1, 0), "UTC", "no", id="window-across-midnight-starts-today"),
        pytest.param(dt.time(8, 0), dt.time(9, 0), "UTC", "no", id="times-later"),
        # Airflow 3.3.2: naive times are wall times in the DAG's timezone, on the UTC date.
        pytest.param(dt.time(0, 30), dt.time(1, 30), "Europe/Paris", "yes", id="times-in-paris"),
        pytest.param(dt.time(0, 30), dt.time(1, 30), "UTC", "no", id="same-times-in-utc"),
        pytest.param(dt.datetime(2024, 3, 5, 0, 30), None, "Europe/Paris", "yes", id="naive-datetime-in-paris"),
        pytest.param(dt.time(8, 0), dt.time(10, 0), "Asia/Tokyo", "yes", id="times-in-tokyo"),
    ],
)
def test_datetime_branch_on_the_logical_date(lower: Any, upper: Any, tz: str, expected: str) -> None:
    op = datetime_branch(lower, upper, tz=tz, use_task_logical_date=True)
    assert op.choose_branch(context(logical_date=LOGICAL)) == expected


@pytest.mark.parametrize(
    "tz, now, expected",
    [
        pytest.param("Europe/Paris", utc(2024, 3, 5), "yes", id="paris"),
        pytest.param("UTC", utc(2024, 3, 5), "no", id="utc"),
        pytest.param("UTC", utc(2024, 3, 5, 1), "yes", id="utc-later"),
    ],
)
def test_datetime_branch_on_the_clock(clock: Any, tz: str, now: dt.datetime, expected: str) -> None:
    clock(now)
    op = datetime_branch(dt.time(0, 30), dt.time(1, 30), tz=tz)
    assert op.choose_branch(context(logical_date=utc(1999, 1, 1))) == expected


def test_datetime_branch_without_logical_date_uses_run_after() -> None:
    op = datetime_branch(dt.time(11), dt.time(13), use_task_logical_date=True)
    ctx = context(logical_date=None, dag_run=dag_run(run_after=utc(2024, 3, 5, 12)))
    assert op.choose_branch(ctx) == "yes"


def test_datetime_branch_into_a_task_group() -> None:
    with DAG("to_group", schedule=None, start_date=utc(2021, 1, 1)):
        op = BranchDateTimeOperator(task_id="branch", follow_task_ids_if_true="grp",
                                    follow_task_ids_if_false=["other"], target_lower=dt.time(0, 0),
                                    target_upper=None, use_task_logical_date=True)
        with TaskGroup("grp") as grp:
            EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
        op >> [grp, EmptyOperator(task_id="other")]
    ti = RecordingTI()
    assert op.execute(context(ti, logical_date=LOGICAL)) == "grp"
    assert ti.calls == [("follow_only", ["grp.first"])]


@pytest.mark.parametrize(
    "lower, upper, expected",
    [
        pytest.param(dt.time(22), dt.time(1), (dt.datetime(2024, 3, 5, 22), dt.datetime(2024, 3, 6, 1)),
                     id="upper-next-day"),
        pytest.param(dt.datetime(2024, 3, 1), dt.time(1), (dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 5, 1)),
                     id="datetime-and-time"),
        pytest.param(dt.time(1), None, (dt.datetime(2024, 3, 5, 1), None), id="one-bound"),
        pytest.param(dt.datetime(2030, 1, 1), dt.datetime(2020, 1, 1),
                     (dt.datetime(2030, 1, 1), dt.datetime(2020, 1, 1)), id="datetimes-untouched"),
    ],
)
def test_target_times_as_dates(lower: Any, upper: Any, expected: tuple[Any, Any]) -> None:
    assert target_times_as_dates(dt.datetime(2024, 3, 5, 12), lower, upper) == expected  # Airflow 3.3.2


# -- WeekDay, BranchDayOfWeekOperator and DayOfWeekSensor ------------------------------------


def test_weekday_numbers_are_iso() -> None:
    assert [d.value for d in WeekDay] == [1, 2, 3, 4, 5, 6, 7]
    assert WeekDay.get_weekday_number("sunday") is WeekDay.SUNDAY
    assert WeekDay.convert(WeekDay.FRIDAY) == 5
    assert WeekDay.validate_week_day("Monday") == {1}
    assert WeekDay.validate_week_day(WeekDay.MONDAY) == {1}
    assert WeekDay.validate_week_day({"monday", WeekDay.TUESDAY}) == {1, 2}
    assert WeekDay.validate_week_day(["SATURDAY", "Sunday"]) == {6, 7}
    assert WeekDay.validate_week_day({"monday": 1, "Friday": 2}) == {1, 5}  # a dict's keys


@pytest.mark.parametrize(
    "week_day, error, message",
    [
        pytest.param(3, TypeError, "Unsupported Type for week_day parameter: <class 'int'>.Input should be "
                     "iterable type:str, set, list, dict or Weekday enum type", id="int"),
        pytest.param(None, TypeError, "Unsupported Type for week_day parameter: <class 'NoneType'>.Input "
                     "should be iterable type:str, set, list, dict or Weekday enum type", id="none"),
        pytest.param("Funday", AttributeError, 'Invalid Week Day passed: "Funday"', id="no-such-day"),
        pytest.param(["Monday", "Mon"], AttributeError, 'Invalid Week Day passed: "Mon"', id="abbreviation"),
    ],
)
def test_bad_week_days_fail_at_definition(week_day: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as err:
        WeekDay.validate_week_day(week_day)
    assert str(err.value) == message
    with DAG("bad_day", schedule=None), pytest.raises(error):
        DayOfWeekSensor(task_id="sensor", week_day=week_day)
    with DAG("bad_day_branch", schedule=None), pytest.raises(error):
        BranchDayOfWeekOperator(task_id="branch", week_day=week_day, follow_task_ids_if_true="a",
                                follow_task_ids_if_false="b")


def weekday_branch(week_day: Any, *, tz: str = "UTC", **kwargs: Any) -> BranchDayOfWeekOperator:
    with DAG("branch_weekday", schedule=None, start_date=pendulum.datetime(2021, 1, 1, tz=tz)):
        op = BranchDayOfWeekOperator(task_id="branch", follow_task_ids_if_true=["yes"],
                                     follow_task_ids_if_false="no", week_day=week_day, **kwargs)
        op >> [EmptyOperator(task_id="yes"), EmptyOperator(task_id="no")]
    return op


@pytest.mark.parametrize(
    "week_day, expected",
    [
        pytest.param("tuesday", ["yes"], id="name-any-case"),
        pytest.param("Monday", "no", id="another-day"),
        pytest.param({WeekDay.SATURDAY, WeekDay.SUNDAY}, "no", id="weekend"),
        pytest.param(["MONDAY", WeekDay.TUESDAY], ["yes"], id="mixed-list"),
    ],
)
def test_weekday_branch_on_the_logical_date(week_day: Any, expected: Any) -> None:
    op = weekday_branch(week_day, use_task_logical_date=True)
    ti = RecordingTI()
    assert op.execute(context(ti, logical_date=LOGICAL)) == expected
    assert ti.calls == [("follow_only", ["yes"] if expected == ["yes"] else ["no"])]


def test_weekday_branch_on_the_clock_uses_the_dags_timezone(clock: Any) -> None:
    clock(utc(2024, 3, 4, 23, 30))  # Monday in UTC, Tuesday 00:30 in Paris
    assert weekday_branch("Tuesday", tz="Europe/Paris").choose_branch(context()) == ["yes"]  # Airflow 3.3.2
    assert weekday_branch("Tuesday", tz="UTC").choose_branch(context()) == "no"


def test_weekday_branch_without_logical_date_uses_run_after() -> None:
    op = weekday_branch("Wednesday", use_task_logical_date=True)
    ctx = context(logical_date=None, dag_run=dag_run(run_after=utc(2024, 3, 6, 9)))
    assert op.choose_branch(ctx) == ["yes"]


def day_sensor(week_day: Any, *, tz: str = "UTC", **kwargs: Any) -> DayOfWeekSensor:
    with DAG("day_sensor", schedule=None, start_date=pendulum.datetime(2021, 1, 1, tz=tz)):
        return DayOfWeekSensor(task_id="sensor", week_day=week_day, **kwargs)


def test_day_of_week_sensor_on_the_logical_date() -> None:
    assert day_sensor("Tuesday", use_task_logical_date=True).poke(context(logical_date=LOGICAL)) is True
    assert day_sensor(WeekDay.MONDAY, use_task_logical_date=True).poke(context(logical_date=LOGICAL)) is False
    run = dag_run(run_after=utc(2024, 3, 4, 12))
    assert day_sensor("monday", use_task_logical_date=True).poke(context(logical_date=None, dag_run=run)) is True


def test_day_of_week_sensor_needs_a_date_with_use_task_logical_date() -> None:
    with pytest.raises(ValueError) as err:
        day_sensor("Monday", use_task_logical_date=True).poke(context(logical_date=None, dag_run=None))
    assert str(err.value) == (
        "Either `logical_date` or `run_after` should be provided in the task context when "
        "`use_task_logical_date` is True"
    )


def test_day_of_week_sensor_on_the_clock_is_utc(clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    clock(utc(2024, 3, 4, 23, 30))  # Monday in UTC, Tuesday in Paris
    sensor = day_sensor({"Tuesday"}, tz="Europe/Paris")
    with caplog.at_level(logging.INFO, logger="updraft.task"):
        assert sensor.poke(context()) is False  # Airflow 3.3.2: the sensor ignores the DAG's zone
    assert "Poking until weekday is in {'Tuesday'}, Today is MONDAY" in caplog.messages
    assert sensor.mode == "poke"


# -- TimeSensor, WaitSensor, TimeDeltaSensor -------------------------------------------------


def record(started: dt.datetime, pokes: int = 1) -> types.SimpleNamespace:
    """The stored task instance of a try that started poking at `started`."""
    return types.SimpleNamespace(poke_try=1, first_poke_at=started.isoformat(), poke_count=pokes)


def time_sensor(target: dt.time, *, tz: str = "UTC", **kwargs: Any) -> TimeSensor:
    with DAG("time_sensor", schedule=None, start_date=pendulum.datetime(2021, 1, 1, tz=tz)):
        return TimeSensor(task_id="sensor", target_time=target, **kwargs)


def test_time_sensor_target_is_today_in_the_dags_timezone(clock: Any) -> None:
    clock(utc(2026, 12, 4, 19, 38))  # 2026-12-05 04:38 in Tokyo
    sensor = time_sensor(dt.time(8, 0), tz="Asia/Tokyo")
    assert sensor.target_datetime == utc(2026, 12, 4, 23)  # Airflow 3.3.2
    assert sensor.target_datetime.tzinfo is not None and sensor.target_datetime.utcoffset() == dt.timedelta(0)
    assert list(sensor.template_fields) == []


def test_time_sensor_pokes_until_the_time(clock: Any) -> None:
    clock(utc(2024, 3, 5, 7, 59))
    sensor = time_sensor(dt.time(8, 0))
    assert sensor.mode == "reschedule"  # Updraft: waiting for a time holds no Lambda
    with pytest.raises(AirflowRescheduleException):
        sensor.execute(context())
    assert sensor.target_datetime == utc(2024, 3, 5, 8)
    clock(utc(2024, 3, 5, 8, 0, 1))
    assert sensor.execute(context(RecordingTI(record(utc(2024, 3, 5, 7, 59))))) is None


def test_time_sensor_keeps_the_day_its_try_started(clock: Any) -> None:
    """As Airflow's poke mode does: the target is computed once, when the try starts."""
    sensor = time_sensor(dt.time(23, 0), poke_interval=60)
    clock(utc(2024, 3, 6, 0, 5))  # the next day
    ti = RecordingTI(record(utc(2024, 3, 5, 22, 0)))
    assert sensor.execute(context(ti)) is None
    assert sensor.target_datetime == utc(2024, 3, 5, 23)


def test_time_sensor_in_chosen_reschedule_mode_takes_each_pokes_day(clock: Any) -> None:
    """As Airflow's reschedule mode does: every poke parses the DAG file, on its own day."""
    sensor = time_sensor(dt.time(23, 0), mode="reschedule", timeout=7 * 86400)
    clock(utc(2024, 3, 6, 0, 5))
    with pytest.raises(AirflowRescheduleException):
        sensor.execute(context(RecordingTI(record(utc(2024, 3, 5, 22, 0)))))
    assert sensor.target_datetime == utc(2024, 3, 6, 23)


def test_time_sensor_timeout_and_soft_fail(clock: Any) -> None:
    clock(utc(2024, 3, 5, 12))
    started = RecordingTI(record(utc(2024, 3, 5, 11, 59, 59)))
    sensor = time_sensor(dt.time(23, 59, 59, 999999), timeout=0, soft_fail=True)
    with pytest.raises(AirflowSkipException):
        sensor.execute(context(started))
    sensor = time_sensor(dt.time(23, 59, 59, 999999), timeout=0)
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute(context(started))


def test_deferrable_time_sensor_waits_for_the_moment_without_a_timeout(clock: Any) -> None:
    sensor = time_sensor(dt.time(8, 0), deferrable=True, timeout=1)
    clock(utc(2024, 3, 5, 7))
    ti = RecordingTI(record(utc(2024, 3, 5, 6)))  # an hour past the timeout
    with pytest.raises(AirflowRescheduleException) as err:
        sensor.execute(context(ti))
    assert err.value.reschedule_date == utc(2024, 3, 5, 8)
    assert err.value.started_at == utc(2024, 3, 5, 6)
    clock(utc(2024, 3, 5, 8))
    assert sensor.execute(context(ti)) is None


def wait_sensor(time_to_wait: Any, **kwargs: Any) -> WaitSensor:
    with DAG("wait_sensor", schedule=None):
        return WaitSensor(task_id="wait", time_to_wait=time_to_wait, **kwargs)


def test_wait_sensor_sleeps_whole_seconds_from_the_start(clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("updraft.sensors.date_time.time.sleep", slept.append)
    clock(utc(2024, 3, 5, 12))
    assert wait_sensor(dt.timedelta(seconds=2.7)).execute(context()) is None
    assert slept == [2.0]
    assert wait_sensor(0).execute(context()) is None
    assert slept == [2.0]


def test_wait_sensor_takes_minutes_and_is_templated() -> None:
    sensor = wait_sensor("5")
    assert sensor.template_fields == ("time_to_wait",)
    assert sensor._resolve_time_to_wait() == dt.timedelta(minutes=5)
    assert wait_sensor(dt.timedelta(hours=1))._resolve_time_to_wait() == dt.timedelta(hours=1)


def test_wait_sensor_frees_the_worker_for_a_long_or_deferrable_wait(clock: Any) -> None:
    import time

    clock(utc(2024, 3, 5, 12))
    ti = RecordingTI()
    ti.lambda_deadline = time.monotonic() + 60
    with pytest.raises(AirflowRescheduleException) as err:
        wait_sensor(dt.timedelta(minutes=10)).execute(context(ti))
    assert err.value.reschedule_date == utc(2024, 3, 5, 12, 10)
    with pytest.raises(AirflowRescheduleException):
        wait_sensor(dt.timedelta(seconds=5), deferrable=True).execute(context())
    # Back after the wait: the try's start is kept, so it is over.
    clock(utc(2024, 3, 5, 12, 10, 1))
    assert wait_sensor(dt.timedelta(minutes=10)).execute(context(RecordingTI(record(utc(2024, 3, 5, 12))))) is None


def test_deferrable_time_delta_sensor_returns_true_when_the_moment_has_passed(clock: Any) -> None:
    clock(utc(2024, 3, 5, 12))
    with DAG("delta", schedule=None):
        sensor = TimeDeltaSensor(task_id="delta", delta=dt.timedelta(hours=1), deferrable=True)
    assert sensor.mode == "reschedule"
    assert sensor.execute(context(data_interval_end=LOGICAL, logical_date=LOGICAL)) is True  # Airflow 3.3.2


# -- BashSensor ------------------------------------------------------------------------------


def bash_sensor(command: str, **kwargs: Any) -> BashSensor:
    with DAG("bash_sensor", schedule=None):
        return BashSensor(task_id="bash", bash_command=command, **kwargs)


@pytest.mark.parametrize(
    "command, retry_exit_code, done",
    [
        pytest.param("exit 0", None, True, id="zero-is-done"),
        pytest.param("exit 1", None, False, id="non-zero-is-not-yet"),
        pytest.param("exit 3", 3, False, id="the-retry-code-is-not-yet"),
        pytest.param("echo one\necho two; true", None, True, id="a-script"),
    ],
)
def test_bash_sensor_exit_codes(command: str, retry_exit_code: int | None, done: bool) -> None:
    assert bash_sensor(command, retry_exit_code=retry_exit_code).poke(context()) is done


def test_bash_sensor_other_codes_fail_without_retries() -> None:
    with pytest.raises(AirflowFailException) as err:
        bash_sensor("exit 2", retry_exit_code=1).poke(context())
    assert str(err.value) == "Command exited with return code 2"
    for flag in ("soft_fail", "never_fail"):
        with pytest.raises(AirflowSkipException) as skipped:
            bash_sensor("exit 2", retry_exit_code=1, **{flag: True}).execute(context())
        assert str(skipped.value) == f"Skipping due to {flag} is set to True."
    with pytest.raises(AirflowFailException):  # silent_fail does not hide it
        bash_sensor("exit 2", retry_exit_code=1, silent_fail=True).execute(context())


def test_bash_sensor_runs_in_a_temporary_folder_with_the_env_given(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    os.environ["UPDRAFT_TEST_INHERITED"] = "yes"
    try:
        sensor = bash_sensor('echo "[$COLOR] [$UPDRAFT_TEST_INHERITED]"; pwd; test "$COLOR" = blue',
                             env={"COLOR": "blue"})
        with caplog.at_level(logging.INFO, logger="updraft.task"):
            assert sensor.poke(context()) is True
        assert "[blue] []" in caplog.messages  # env replaces the worker's environment
        folder = caplog.messages[caplog.messages.index("[blue] []") + 1]
        assert os.path.basename(folder).startswith("airflowtmp") and not os.path.exists(folder)
        with caplog.at_level(logging.INFO, logger="updraft.task"):
            assert bash_sensor('test "$UPDRAFT_TEST_INHERITED" = yes').poke(context()) is True
    finally:
        del os.environ["UPDRAFT_TEST_INHERITED"]
    assert sensor.template_fields == ("bash_command", "env")
    assert sensor.template_ext == ()  # a command ending in .sh is run, not read


# -- FileSensor and FSHook -------------------------------------------------------------------


class NoSecrets:
    """A stack with no connections stored."""

    def get(self, kind: str, key: str) -> None:
        return None


@pytest.fixture
def no_stored_connections() -> Iterator[None]:
    from updraft.execution.secrets import task_run_scope

    with task_run_scope(NoSecrets()):  # type: ignore[arg-type]
        yield


def file_sensor(filepath: str, **kwargs: Any) -> FileSensor:
    with DAG("file_sensor", schedule=None):
        return FileSensor(task_id="file", filepath=filepath, **kwargs)


def test_file_sensor_paths_are_relative_to_the_connections_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_stored_connections: None
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_FS_TEST", f'{{"conn_type": "fs", "extra": {{"path": "{tmp_path}"}}}}')
    (tmp_path / "data").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "nested" / "deeper" / "part-0.csv").write_text("x")
    (tmp_path / "data" / "ready.csv").write_text("x")
    assert file_sensor("data/ready.csv", fs_conn_id="fs_test").path == str(tmp_path / "data" / "ready.csv")
    assert file_sensor("data/ready.csv", fs_conn_id="fs_test").poke(context()) is True
    assert file_sensor("data/*.csv", fs_conn_id="fs_test").poke(context()) is True
    assert file_sensor("data/*.json", fs_conn_id="fs_test").poke(context()) is False
    assert file_sensor("empty", fs_conn_id="fs_test").poke(context()) is False
    assert file_sensor("nested", fs_conn_id="fs_test").poke(context()) is True  # a file anywhere inside
    assert file_sensor("**/part-*.csv", fs_conn_id="fs_test").poke(context()) is False
    assert file_sensor("**/part-*.csv", fs_conn_id="fs_test", recursive=True).poke(context()) is True
    # An absolute path ignores the folder, as os.path.join does.
    assert file_sensor(str(tmp_path / "data"), fs_conn_id="fs_test").poke(context()) is True


def test_file_sensor_without_fs_default_fails(no_stored_connections: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow 3.3.2 defines fs_default only with `airflow connections create-default-connections`;
    without it the sensor fails."""
    monkeypatch.delenv("AIRFLOW_CONN_FS_DEFAULT", raising=False)
    monkeypatch.delenv("UPDRAFT_CONN_FS_DEFAULT", raising=False)
    with pytest.raises(AirflowNotFoundException) as err:
        file_sensor("/tmp").poke(context())
    assert str(err.value) == "The conn_id `fs_default` isn't defined"
    with pytest.raises(AirflowSkipException):
        file_sensor("/tmp", never_fail=True).execute(context())


def test_file_sensor_with_airflows_default_fs_default(no_stored_connections: None, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_FS_DEFAULT", '{"conn_type": "fs", "extra": {"path": "/"}}')
    (tmp_path / "flag").write_text("")
    assert file_sensor(str(tmp_path / "flag")).poke(context()) is True


def test_file_sensor_settings() -> None:
    sensor = file_sensor("x")
    assert sensor.template_fields == ("filepath", "fs_conn_id")
    assert (sensor.fs_conn_id, sensor.recursive, sensor.mode) == ("fs_default", False, "poke")
    assert sensor.ui_color == "#91818a"
    assert file_sensor("x", deferrable=True).mode == "reschedule"  # Updraft has no triggerer


def test_fs_hook(no_stored_connections: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from updraft.hooks import FSHook

    monkeypatch.setenv("AIRFLOW_CONN_FS_THERE", f'{{"conn_type": "fs", "extra": {{"path": "{tmp_path}"}}}}')
    monkeypatch.setenv("AIRFLOW_CONN_FS_GONE", '{"conn_type": "fs", "extra": {"path": "/no/such/folder"}}')
    monkeypatch.setenv("AIRFLOW_CONN_FS_BARE", '{"conn_type": "fs"}')
    assert FSHook("fs_there").get_path() == str(tmp_path)
    assert FSHook("fs_there").test_connection() == (True, f"Path {tmp_path} is existing.")
    assert FSHook("fs_gone").test_connection() == (False, "Path /no/such/folder does not exist.")
    assert FSHook("fs_bare").test_connection() == (False, "File Path is undefined.")
    assert FSHook("fs_bare").get_conn() is None


# -- BaseSensorOperator: poke errors as Airflow takes them -----------------------------------


def failing_sensor(error: Exception, **kwargs: Any) -> Any:
    from updraft.sensors import BaseSensorOperator

    class Failing(BaseSensorOperator):
        def poke(self, context: Any) -> bool:
            raise error

    with DAG("failing", schedule=None):
        return Failing(task_id="failing", timeout=0, **kwargs)


def test_sensor_poke_errors() -> None:
    with pytest.raises(AirflowSkipException, match="never_fail"):
        failing_sensor(RuntimeError("boom"), never_fail=True).execute(context())
    with pytest.raises(RuntimeError):
        failing_sensor(RuntimeError("boom"), soft_fail=True).execute(context())
    with pytest.raises(AirflowSensorTimeout):  # silent_fail: "not yet", then the timeout
        failing_sensor(RuntimeError("boom"), silent_fail=True).execute(context())
    with pytest.raises(AirflowSkipException, match="soft_fail"):
        failing_sensor(AirflowSensorTimeout("late"), soft_fail=True).execute(context())


def test_sensor_never_fail_does_not_skip_a_timeout() -> None:
    from updraft.sensors import PythonSensor

    with DAG("never_fail", schedule=None):
        sensor = PythonSensor(task_id="never", python_callable=lambda: False, timeout=0, never_fail=True)
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute(context())


def test_soft_fail_and_never_fail_exclude_each_other() -> None:
    from updraft.sensors import PythonSensor

    with DAG("both", schedule=None), pytest.raises(ValueError) as err:
        PythonSensor(task_id="both", python_callable=bool, soft_fail=True, never_fail=True)
    assert str(err.value) == "soft_fail and never_fail are mutually exclusive, you can not provide both."


# -- ExternalTaskMarker and SmoothOperator ---------------------------------------------------


def marker(**kwargs: Any) -> ExternalTaskMarker:
    with DAG("markers", schedule=None):
        return ExternalTaskMarker(task_id="marker", external_dag_id="child", external_task_id="task", **kwargs)


def test_external_task_marker_arguments() -> None:
    default = marker()
    assert default.logical_date == "{{ logical_date.isoformat() }}"
    assert default.recursion_depth == 10
    assert list(default.template_fields) == ["external_dag_id", "external_task_id", "logical_date"]
    assert default.ui_color == "#4db7db"
    assert isinstance(default, EmptyOperator)
    assert marker(logical_date=utc(2024, 1, 2)).logical_date == "2024-01-02T00:00:00+00:00"
    assert default.execute(context()) is None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        pytest.param({"logical_date": None}, TypeError,
                     "Expected str or datetime.datetime type for logical_date. Got <class 'NoneType'>",
                     id="no-logical-date"),
        pytest.param({"logical_date": dt.date(2024, 1, 2)}, TypeError,
                     "Expected str or datetime.datetime type for logical_date. Got <class 'datetime.date'>",
                     id="a-date"),
        pytest.param({"recursion_depth": 0}, ValueError, "recursion_depth should be a positive integer",
                     id="zero-depth"),
    ],
)
def test_external_task_marker_validation(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as err:
        marker(**kwargs)
    assert str(err.value) == message


def test_external_task_marker_needs_its_task() -> None:
    with DAG("markers", schedule=None), pytest.raises(TypeError):
        ExternalTaskMarker(task_id="marker", external_dag_id="child")  # type: ignore[call-arg]


def test_smooth_operator_logs_its_link(caplog: pytest.LogCaptureFixture) -> None:
    with DAG("smooth", schedule=None):
        smooth = SmoothOperator(task_id="smooth")
    with caplog.at_level(logging.INFO, logger="updraft.task"):
        assert smooth.execute(context()) is None
    assert caplog.messages == ["Enjoy Sade - Smooth Operator: https://www.youtube.com/watch?v=4TYv2PhG89A"]
    assert smooth.ui_color == "#e8f7e4"


# -- Airflow's module paths and example DAGs -------------------------------------------------


def test_airflow_paths_reach_these_classes() -> None:
    import importlib

    from updraft import compat

    compat.install()
    found = {
        "airflow.providers.standard.operators.latest_only": ("LatestOnlyOperator", LatestOnlyOperator),
        "airflow.providers.standard.operators.datetime": ("BranchDateTimeOperator", BranchDateTimeOperator),
        "airflow.providers.standard.operators.weekday": ("BranchDayOfWeekOperator", BranchDayOfWeekOperator),
        "airflow.providers.standard.operators.smooth": ("SmoothOperator", SmoothOperator),
        "airflow.providers.standard.utils.weekday": ("WeekDay", WeekDay),
        "airflow.providers.standard.sensors.weekday": ("DayOfWeekSensor", DayOfWeekSensor),
        "airflow.providers.standard.sensors.time": ("TimeSensor", TimeSensor),
        "airflow.providers.standard.sensors.time_delta": ("WaitSensor", WaitSensor),
        "airflow.providers.standard.sensors.bash": ("BashSensor", BashSensor),
        "airflow.providers.standard.sensors.filesystem": ("FileSensor", FileSensor),
        "airflow.providers.standard.sensors.external_task": ("ExternalTaskMarker", ExternalTaskMarker),
    }
    for module, (name, cls) in found.items():
        assert getattr(importlib.import_module(module), name) is cls, module
    assert importlib.import_module("airflow.providers.standard.operators.datetime").target_times_as_dates \
        is target_times_as_dates


AIRFLOW_EXAMPLES = (Path(__file__).resolve().parents[2] / "bench" / ".airflow-venv" / "lib" / "python3.11"
                    / "site-packages" / "airflow" / "providers" / "standard" / "example_dags")


@pytest.mark.skipif(not AIRFLOW_EXAMPLES.is_dir(), reason="no reference Airflow install in bench/.airflow-venv")
@pytest.mark.parametrize(
    "name, dags",
    [
        ("example_latest_only.py", {"latest_only": 2}),
        ("example_branch_datetime_operator.py", {
            "example_branch_datetime_operator": 3, "example_branch_datetime_operator_2": 3,
            "example_branch_datetime_operator_3": 3}),
        ("example_branch_day_of_week_operator.py", {"example_weekday_branch_operator": 6}),
        ("example_sensors.py", {"example_sensors": 16}),
    ],
)
def test_airflows_example_dags_load(name: str, dags: dict[str, int]) -> None:
    from updraft.processing.dagfile import load_dag_file

    loaded = load_dag_file(str(AIRFLOW_EXAMPLES / name))
    assert loaded.error is None
    assert {d.dag_id: len(d.tasks) for d in loaded.dags} == dags

"""Timetables give the runs Airflow 3 would, for the same schedule, DAG bounds and current time.

Expected values are Airflow 3's, many taken from its own timetable tests; `now` is
passed in, so nothing here reads the clock or sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pendulum
import pytest
from dateutil.relativedelta import MO, relativedelta

from updraft.exceptions import AirflowTimetableInvalid
from updraft.scheduling import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DagRunInfo,
    DataInterval,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    MultipleCronTriggerTimetable,
    NullTimetable,
    OnceTimetable,
    TimeRestriction,
    Timetable,
    deserialize_timetable,
    run_id_for,
    timetable_from_schedule,
)

UTC = pendulum.UTC


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def exact(*args: int) -> DagRunInfo:
    return DagRunInfo.exact(utc(*args))


def span(start: pendulum.DateTime, end: pendulum.DateTime) -> DagRunInfo:
    return DagRunInfo.interval(start, end)


def catchup(earliest=None, latest=None) -> TimeRestriction:
    return TimeRestriction(earliest=earliest, latest=latest, catchup=True)


def no_catchup(earliest=None, latest=None) -> TimeRestriction:
    return TimeRestriction(earliest=earliest, latest=latest, catchup=False)


def last(*args: int) -> DataInterval:
    return DataInterval.exact(utc(*args))


HOURLY_TRIGGER = CronTriggerTimetable("@hourly", timezone=UTC, run_immediately=True)
DAILY_1630 = CronTriggerTimetable("30 16 * * *", timezone=UTC)
DAILY_0300 = "0 3 * * *"
ZURICH = "Europe/Zurich"
NEW_YORK = "America/New_York"

# (timetable, last automated data interval, restriction, now, expected DagRunInfo or None)
NEXT_RUN_CASES = [
    # -- CronTriggerTimetable, catchup=False (Airflow 3's default for a cron string) ----------
    pytest.param(
        DAILY_1630, None, no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7), exact(2021, 9, 6, 16, 30),
        id="trigger-no-catchup-first-run-is-latest-past-fire-time",
    ),
    pytest.param(
        DAILY_1630, last(2021, 9, 6, 16, 30), no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7),
        exact(2021, 9, 7, 16, 30), id="trigger-no-catchup-next-after-last",
    ),
    pytest.param(
        DAILY_1630, last(2021, 9, 7, 16, 30), no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7),
        exact(2021, 9, 8, 16, 30), id="trigger-no-catchup-last-in-future",
    ),
    pytest.param(
        HOURLY_TRIGGER, last(2021, 9, 5), no_catchup(utc(2021, 9, 4)), utc(2022, 7, 27),
        exact(2022, 7, 27), id="trigger-no-catchup-now-on-boundary",
    ),
    pytest.param(
        HOURLY_TRIGGER, last(2021, 9, 5), no_catchup(utc(2021, 9, 4)), utc(2022, 7, 27, 0, 30),
        exact(2022, 7, 27), id="trigger-no-catchup-skips-to-latest-due",
    ),
    pytest.param(
        HOURLY_TRIGGER, last(2021, 9, 5), no_catchup(utc(2021, 9, 4)), utc(2022, 7, 27, 1, 30),
        exact(2022, 7, 27, 1), id="trigger-no-catchup-missed-one-interval",
    ),
    pytest.param(
        HOURLY_TRIGGER, last(2021, 9, 5), no_catchup(utc(2199, 12, 31, 22, 30)), utc(2022, 7, 27, 0, 30),
        exact(2199, 12, 31, 23), id="trigger-no-catchup-future-start-date-aligned",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 * * *", timezone=UTC), last(2024, 1, 1), no_catchup(utc(2024, 1, 1)),
        utc(2024, 2, 10, 13), exact(2024, 2, 10), id="trigger-no-catchup-skips-missed-days",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 * * *", timezone=UTC), None, no_catchup(), utc(2024, 2, 10, 13),
        exact(2024, 2, 11), id="trigger-no-start-date-waits-for-next-fire",
    ),
    # -- CronTriggerTimetable, catchup=True ------------------------------------------------
    pytest.param(
        HOURLY_TRIGGER, last(2022, 7, 27), catchup(utc(2021, 9, 4)), utc(2030, 1, 1),
        exact(2022, 7, 27, 1), id="trigger-catchup-last-on-boundary",
    ),
    pytest.param(
        HOURLY_TRIGGER, last(2022, 7, 27, 0, 30), catchup(utc(2021, 9, 4)), utc(2030, 1, 1),
        exact(2022, 7, 27, 1), id="trigger-catchup-last-off-boundary",
    ),
    pytest.param(
        HOURLY_TRIGGER, None, catchup(utc(2022, 7, 27)), utc(2030, 1, 1),
        exact(2022, 7, 27), id="trigger-catchup-start-date-on-boundary",
    ),
    pytest.param(
        HOURLY_TRIGGER, None, catchup(utc(2022, 7, 27, 0, 30)), utc(2030, 1, 1),
        exact(2022, 7, 27, 1), id="trigger-catchup-start-date-not-aligned",
    ),
    pytest.param(
        CronTriggerTimetable("30 16 * * MON", timezone=UTC, interval=dt.timedelta(hours=16, minutes=30)),
        DataInterval(utc(2022, 8, 1), utc(2022, 8, 1, 16, 30)), catchup(utc(2021, 9, 4)), utc(2030, 1, 1),
        span(utc(2022, 8, 8), utc(2022, 8, 8, 16, 30)), id="trigger-with-interval",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 * * *", timezone=UTC), last(2024, 1, 5),
        catchup(utc(2024, 1, 1), latest=utc(2024, 1, 5, 12)), utc(2030, 1, 1), None,
        id="trigger-end-date-reached",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 * * *", timezone=UTC), last(2024, 1, 4),
        catchup(utc(2024, 1, 1), latest=utc(2024, 1, 5)), utc(2030, 1, 1), exact(2024, 1, 5),
        id="trigger-end-date-is-inclusive",
    ),
    # -- cron syntax: names, lists, steps --------------------------------------------------
    pytest.param(
        CronTriggerTimetable("0 9 * * MON-FRI", timezone=UTC), None, catchup(utc(2024, 2, 9, 10)),
        utc(2030, 1, 1), exact(2024, 2, 12, 9), id="cron-weekday-names-skip-weekend",
    ),
    pytest.param(
        CronTriggerTimetable("0 6,18 * * SAT", timezone=UTC), None, catchup(utc(2024, 2, 10, 7)),
        utc(2030, 1, 1), exact(2024, 2, 10, 18), id="cron-hour-list-and-day-name",
    ),
    pytest.param(
        CronTriggerTimetable("*/20 * * * *", timezone=UTC), None, catchup(utc(2024, 2, 10, 13, 17)),
        utc(2030, 1, 1), exact(2024, 2, 10, 13, 20), id="cron-minute-step",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 1 JAN,JUL *", timezone=UTC), None, catchup(utc(2024, 2, 10)),
        utc(2030, 1, 1), exact(2024, 7, 1), id="cron-month-names",
    ),
    # -- daylight saving ---------------------------------------------------------------------
    pytest.param(
        CronTriggerTimetable("0 9 * * *", timezone="Europe/Amsterdam"), last(2024, 3, 30, 8), catchup(),
        utc(2030, 1, 1), exact(2024, 3, 31, 7), id="dst-amsterdam-09h-into-summer-time",
    ),
    pytest.param(
        CronTriggerTimetable("0 9 * * *", timezone="Europe/Amsterdam"), last(2024, 10, 26, 7), catchup(),
        utc(2030, 1, 1), exact(2024, 10, 27, 8), id="dst-amsterdam-09h-out-of-summer-time",
    ),
    pytest.param(
        CronTriggerTimetable("30 2 * * *", timezone="Europe/Amsterdam"), last(2024, 3, 30, 1, 30), catchup(),
        utc(2030, 1, 1), exact(2024, 3, 31, 1, 30), id="dst-wall-time-in-gap-moves-forward",
    ),
    pytest.param(
        CronTriggerTimetable("30 * * * *", timezone=ZURICH), last(2023, 10, 29, 0, 30), catchup(),
        utc(2030, 1, 1), exact(2023, 10, 29, 1, 30), id="dst-hourly-runs-in-repeated-hour",
    ),
    # -- run_immediately (no start_date, no runs yet), either catchup ---------------------
    *[
        pytest.param(
            CronTriggerTimetable(DAILY_0300, timezone=UTC, run_immediately=ri), None,
            TimeRestriction(None, None, cu), now, expected, id=f"run-immediately-{name}-catchup-{cu}",
        )
        for cu in (True, False)
        for name, ri, now, expected in [
            ("true-way-after", True, utc(2024, 8, 15, 12, 5), exact(2024, 8, 15, 3)),
            ("false-just-after", False, utc(2024, 8, 15, 3, 5), exact(2024, 8, 15, 3)),
            ("false-way-after", False, utc(2024, 8, 15, 12, 5), exact(2024, 8, 16, 3)),
            ("10min-just-after", dt.timedelta(minutes=10), utc(2024, 8, 15, 3, 5), exact(2024, 8, 15, 3)),
            ("10min-way-after", dt.timedelta(minutes=10), utc(2024, 8, 15, 12, 5), exact(2024, 8, 16, 3)),
        ]
    ],
    pytest.param(
        CronTriggerTimetable("*/10 3 * * *", timezone=UTC), None, catchup(), utc(2024, 8, 15, 3, 5),
        exact(2024, 8, 15, 3), id="run-immediately-5-minute-floor",
    ),
    # -- DeltaTriggerTimetable (Airflow 3's default for a timedelta) -------------------------
    pytest.param(
        DeltaTriggerTimetable(dt.timedelta(days=1)), None, no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7),
        exact(2021, 9, 7), id="delta-trigger-no-catchup-first-run-now",
    ),
    pytest.param(
        DeltaTriggerTimetable(relativedelta(days=1)), last(2021, 9, 6, 16, 30), no_catchup(utc(2021, 9, 6)),
        utc(2021, 9, 7), exact(2021, 9, 7, 16, 30), id="delta-trigger-relativedelta-next-after-last",
    ),
    pytest.param(
        DeltaTriggerTimetable(dt.timedelta(hours=1)), last(2021, 9, 5), no_catchup(utc(2021, 9, 4)),
        utc(2022, 7, 27, 0, 30), exact(2022, 7, 27, 0, 30), id="delta-trigger-no-catchup-runs-now",
    ),
    pytest.param(
        DeltaTriggerTimetable(dt.timedelta(hours=1)), last(2022, 7, 27, 0, 30), catchup(utc(2021, 9, 4)),
        utc(2030, 1, 1), exact(2022, 7, 27, 1, 30), id="delta-trigger-catchup-steps-from-last",
    ),
    pytest.param(
        DeltaTriggerTimetable(dt.timedelta(hours=1)), None, catchup(utc(2022, 7, 27, 0, 30)),
        utc(2030, 1, 1), exact(2022, 7, 27, 0, 30), id="delta-trigger-starts-at-start-date",
    ),
    # -- CronDataIntervalTimetable --------------------------------------------------------
    pytest.param(
        CronDataIntervalTimetable("30 16 * * *", UTC), None, no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7),
        span(utc(2021, 9, 6, 16, 30), utc(2021, 9, 7, 16, 30)), id="interval-cron-no-catchup-first-run",
    ),
    pytest.param(
        CronDataIntervalTimetable("30 16 * * *", UTC), DataInterval(utc(2021, 9, 4), utc(2021, 9, 5)),
        no_catchup(utc(2021, 9, 6)), utc(2021, 9, 7),
        span(utc(2021, 9, 6, 16, 30), utc(2021, 9, 7, 16, 30)), id="interval-cron-no-catchup-subsequent",
    ),
    pytest.param(
        CronDataIntervalTimetable("30 16 * * *", UTC), DataInterval(utc(2021, 9, 6), utc(2021, 9, 7)),
        catchup(), utc(2021, 9, 7), span(utc(2021, 9, 6, 16, 30), utc(2021, 9, 7, 16, 30)),
        id="interval-cron-new-schedule-realigns",
    ),
    pytest.param(
        CronDataIntervalTimetable("@hourly", UTC), DataInterval(utc(2021, 9, 4), utc(2021, 9, 5)),
        no_catchup(utc(2021, 9, 4)), utc(2021, 9, 7), span(utc(2021, 9, 6, 23), utc(2021, 9, 7)),
        id="interval-cron-no-catchup-ends-now",
    ),
    pytest.param(
        CronDataIntervalTimetable("@hourly", UTC), DataInterval(utc(2021, 9, 4), utc(2021, 9, 5)),
        catchup(utc(2021, 9, 4)), utc(2021, 9, 7), span(utc(2021, 9, 5), utc(2021, 9, 5, 1)),
        id="interval-cron-catchup-continues",
    ),
    pytest.param(
        CronDataIntervalTimetable("@daily", UTC), DataInterval(utc(2022, 8, 7, 1), utc(2022, 8, 8, 1)),
        catchup(), utc(2030, 1, 1), span(utc(2022, 8, 8), utc(2022, 8, 9)), id="interval-cron-changed-alignment",
    ),
    pytest.param(
        CronDataIntervalTimetable("@daily", UTC), None, catchup(utc(2024, 2, 10, 13)), utc(2030, 1, 1),
        span(utc(2024, 2, 11), utc(2024, 2, 12)), id="interval-cron-start-date-not-aligned",
    ),
    pytest.param(
        CronDataIntervalTimetable("@daily", UTC), None, catchup(), utc(2030, 1, 1), None,
        id="interval-cron-catchup-needs-start-date",
    ),
    pytest.param(
        CronDataIntervalTimetable("@daily", UTC), DataInterval(utc(2024, 1, 4), utc(2024, 1, 5)),
        catchup(utc(2024, 1, 1), latest=utc(2024, 1, 4, 12)), utc(2030, 1, 1), None,
        id="interval-cron-end-date-reached",
    ),
    *[
        pytest.param(
            CronDataIntervalTimetable("0 17 * * *", UTC), last(2021, 9, 5, 17), TimeRestriction(None, None, cu),
            utc(2021, 9, 7, 15), span(utc(2021, 9, 6, 17), utc(2021, 9, 7, 17)),
            id=f"interval-cron-after-point-in-time-run-catchup-{cu}",
        )
        for cu in (True, False)
    ],
    pytest.param(
        CronDataIntervalTimetable("0 2 * * *", NEW_YORK), None, no_catchup(), utc(2024, 3, 10, 7, 30),
        span(utc(2024, 3, 9, 7), utc(2024, 3, 10, 7)), id="interval-cron-no-catchup-new-york-dst-gap",
    ),
    pytest.param(
        CronDataIntervalTimetable("0 2 * * *", NEW_YORK), None, no_catchup(), utc(2024, 3, 10, 7),
        span(utc(2024, 3, 9, 7), utc(2024, 3, 10, 7)), id="interval-cron-no-catchup-new-york-dst-gap-exact",
    ),
    pytest.param(
        CronDataIntervalTimetable("0 2 * * *", ZURICH), None, no_catchup(), utc(2023, 3, 26, 1, 30),
        span(utc(2023, 3, 25, 1), utc(2023, 3, 26, 1)), id="interval-cron-no-catchup-zurich-dst-gap",
    ),
    pytest.param(
        CronDataIntervalTimetable("0 2 * * *", "Australia/Lord_Howe"), None, no_catchup(),
        utc(2024, 10, 5, 15, 30), span(utc(2024, 10, 4, 15, 30), utc(2024, 10, 5, 15, 30)),
        id="interval-cron-no-catchup-lord-howe-half-hour-gap",
    ),
    pytest.param(
        CronDataIntervalTimetable("0 1 * * *", NEW_YORK), None, no_catchup(), utc(2024, 11, 3, 5, 30),
        span(utc(2024, 11, 1, 5), utc(2024, 11, 2, 5)), id="interval-cron-no-catchup-new-york-fold",
    ),
    # -- DeltaDataIntervalTimetable -------------------------------------------------------
    *[
        pytest.param(
            DeltaDataIntervalTimetable(delta), DataInterval(utc(2021, 9, 4), utc(2021, 9, 5)),
            catchup(utc(2021, 9, 4)), utc(2021, 9, 7), span(utc(2021, 9, 5), utc(2021, 9, 5, 1)),
            id=f"interval-delta-{name}-catchup-continues",
        )
        for name, delta in [("timedelta", dt.timedelta(hours=1)), ("relativedelta", relativedelta(hours=1))]
    ],
    *[
        pytest.param(
            DeltaDataIntervalTimetable(delta), prev, no_catchup(utc(2021, 9, 4)), utc(2021, 9, 7),
            span(utc(2021, 9, 6, 23), utc(2021, 9, 7)), id=f"interval-delta-{name}-no-catchup-ends-now",
        )
        for name, delta in [("timedelta", dt.timedelta(hours=1)), ("relativedelta", relativedelta(hours=1))]
        for prev in (None, DataInterval(utc(2021, 9, 4), utc(2021, 9, 5)))
    ],
    pytest.param(
        DeltaDataIntervalTimetable(dt.timedelta(hours=1)), None, catchup(utc(2024, 1, 1, 10, 15)),
        utc(2030, 1, 1), span(utc(2024, 1, 1, 10, 15), utc(2024, 1, 1, 11, 15)),
        id="interval-delta-starts-at-start-date",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(relativedelta(months=1)), None, no_catchup(utc(2025, 1, 15)),
        utc(2026, 6, 29), span(utc(2026, 5, 15), utc(2026, 6, 15)), id="interval-delta-monthly-no-catchup",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(relativedelta(years=1)), None, no_catchup(utc(2020, 3, 10)),
        utc(2026, 6, 29), span(utc(2025, 3, 10), utc(2026, 3, 10)), id="interval-delta-yearly-no-catchup",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(relativedelta(months=1)), None, no_catchup(utc(2025, 1, 31)),
        utc(2026, 6, 29), span(utc(2026, 5, 28), utc(2026, 6, 28)), id="interval-delta-monthly-clamps-once",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(relativedelta(months=1)), None, no_catchup(), utc(2026, 6, 29, 12),
        span(utc(2026, 5, 29, 12), utc(2026, 6, 29, 12)), id="interval-delta-monthly-no-start-date",
    ),
    # -- @once and None -----------------------------------------------------------------------
    *[
        pytest.param(
            OnceTimetable(), None, TimeRestriction(utc(2024, 1, 1), None, cu), utc(2024, 6, 1),
            exact(2024, 1, 1), id=f"once-at-start-date-catchup-{cu}",
        )
        for cu in (True, False)
    ],
    pytest.param(OnceTimetable(), None, catchup(), utc(2024, 6, 1), exact(2024, 6, 1), id="once-now"),
    pytest.param(
        OnceTimetable(), last(2024, 1, 1), catchup(utc(2024, 1, 1)), utc(2024, 6, 1), None, id="once-done",
    ),
    pytest.param(
        OnceTimetable(), None, catchup(utc(2024, 1, 2), latest=utc(2024, 1, 1)), utc(2024, 6, 1), None,
        id="once-after-end-date",
    ),
    pytest.param(NullTimetable(), None, catchup(utc(2024, 1, 1)), utc(2024, 6, 1), None, id="none-never"),
    # -- MultipleCronTriggerTimetable --------------------------------------------------------
    *[
        pytest.param(
            MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC), None, catchup(start),
            utc(2030, 1, 1), DagRunInfo.exact(expected), id=f"multi-first-{start.minute}",
        )
        for start, expected in [
            (utc(2025, 1, 1), utc(2025, 1, 1)),
            (utc(2025, 1, 1, 0, 5), utc(2025, 1, 1, 0, 30)),
            (utc(2025, 1, 1, 0, 35), utc(2025, 1, 1, 1)),
        ]
    ],
    pytest.param(
        MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC), last(2025, 1, 1), catchup(),
        utc(2030, 1, 1), exact(2025, 1, 1, 0, 30), id="multi-catchup-next",
    ),
    pytest.param(
        MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC), last(2025, 2, 1), no_catchup(),
        utc(2025, 2, 1, 0, 30), exact(2025, 2, 1, 0, 30), id="multi-no-catchup-exact",
    ),
    pytest.param(
        MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC), last(2025, 2, 1), no_catchup(),
        utc(2025, 2, 1, 1, 59), exact(2025, 2, 1, 1, 30), id="multi-no-catchup-closest-past",
    ),
    pytest.param(
        MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC), last(2025, 2, 1), no_catchup(),
        utc(2025, 2, 1, 0, 29), exact(2025, 2, 1, 0, 30), id="multi-no-catchup-closest-future",
    ),
]


@pytest.mark.parametrize(("timetable", "last_interval", "restriction", "now", "expected"), NEXT_RUN_CASES)
def test_next_dagrun_info(timetable, last_interval, restriction, now, expected):
    info = timetable.next_dagrun_info(
        last_automated_data_interval=last_interval, restriction=restriction, now=now
    )
    assert info == expected
    if info is not None:
        assert info.logical_date == info.data_interval.start


# Airflow's own DST walk-throughs: Zurich, 2023; +1 in winter, +2 in summer.
DST_WALKS = [
    pytest.param(
        "0 3 * * *", utc(2023, 3, 24),
        [(utc(2023, 3, 24, 2), utc(2023, 3, 25, 2)), (utc(2023, 3, 25, 2), utc(2023, 3, 26, 1)),
         (utc(2023, 3, 26, 1), utc(2023, 3, 27, 1))],
        id="entering-exact",
    ),
    pytest.param(
        "0 2 * * *", utc(2023, 3, 24),
        [(utc(2023, 3, 24, 1), utc(2023, 3, 25, 1)), (utc(2023, 3, 25, 1), utc(2023, 3, 26, 1)),
         (utc(2023, 3, 26, 1), utc(2023, 3, 27, 0))],
        id="entering-skip",
    ),
    pytest.param(
        "0 3 * * *", utc(2023, 10, 27),
        [(utc(2023, 10, 27, 1), utc(2023, 10, 28, 1)), (utc(2023, 10, 28, 1), utc(2023, 10, 29, 2)),
         (utc(2023, 10, 29, 2), utc(2023, 10, 30, 2))],
        id="exiting-exact",
    ),
    pytest.param(
        "0 2 * * *", utc(2023, 10, 27),
        [(utc(2023, 10, 27, 0), utc(2023, 10, 28, 0)), (utc(2023, 10, 28, 0), utc(2023, 10, 29, 1)),
         (utc(2023, 10, 29, 1), utc(2023, 10, 30, 1))],
        id="exiting-fold",
    ),
]


@pytest.mark.parametrize(("cron", "start_date", "intervals"), DST_WALKS)
def test_cron_data_interval_across_dst(cron, start_date, intervals):
    timetable = CronDataIntervalTimetable(cron, ZURICH)
    previous = None
    for start, end in intervals:
        info = timetable.next_dagrun_info(
            last_automated_data_interval=previous, restriction=catchup(start_date), now=utc(2030, 1, 1)
        )
        assert info is not None
        assert info.data_interval == DataInterval(start, end)
        previous = info.data_interval


def test_amsterdam_0900_stays_0900_local_across_both_changes():
    timetable = timetable_from_schedule("0 9 * * *", "Europe/Amsterdam")
    previous, local_times = None, []
    for _ in range(220):
        info = timetable.next_dagrun_info(
            last_automated_data_interval=previous, restriction=catchup(utc(2024, 3, 29)), now=utc(2030, 1, 1)
        )
        local_times.append(info.run_after.in_timezone("Europe/Amsterdam"))
        previous = info.data_interval
    assert {(t.hour, t.minute) for t in local_times} == {(9, 0)}
    assert {t.utcoffset() for t in local_times} == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
    assert local_times[2] == pendulum.datetime(2024, 3, 31, 9, tz="Europe/Amsterdam")  # first summer-time day


PRESET_CASES = [
    pytest.param("@hourly", "0 * * * *", utc(2024, 2, 10, 14), id="hourly"),
    pytest.param("@daily", "0 0 * * *", utc(2024, 2, 11), id="daily"),
    pytest.param("@midnight", "@midnight", utc(2024, 2, 11), id="midnight"),
    pytest.param("@weekly", "0 0 * * 0", utc(2024, 2, 11), id="weekly"),  # 2024-02-11 is a Sunday
    pytest.param("@monthly", "0 0 1 * *", utc(2024, 3, 1), id="monthly"),
    pytest.param("@quarterly", "0 0 1 */3 *", utc(2024, 4, 1), id="quarterly"),
    pytest.param("@yearly", "0 0 1 1 *", utc(2025, 1, 1), id="yearly"),
    pytest.param("@annually", "@annually", utc(2025, 1, 1), id="annually"),
]


@pytest.mark.parametrize(("preset", "summary", "first_run"), PRESET_CASES)
def test_presets_are_cron_trigger_timetables(preset, summary, first_run):
    timetable = timetable_from_schedule(preset)
    assert isinstance(timetable, CronTriggerTimetable)
    assert timetable.summary == summary
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=catchup(utc(2024, 2, 10, 13, 17)), now=utc(2030, 1, 1)
    )
    assert info == DagRunInfo(run_after=first_run, data_interval=DataInterval(first_run, first_run),
                              logical_date=first_run)


SCHEDULE_CASES = [
    pytest.param(None, NullTimetable, "None", "Never, external triggers only", id="none"),
    pytest.param("@once", OnceTimetable, "@once", "Once, as soon as possible", id="once"),
    pytest.param("@daily", CronTriggerTimetable, "0 0 * * *", "At 00:00", id="daily"),
    pytest.param("@weekly", CronTriggerTimetable, "0 0 * * 0", "At 00:00, only on Sunday", id="weekly"),
    pytest.param("@monthly", CronTriggerTimetable, "0 0 1 * *", "At 00:00, on day 1 of the month", id="monthly"),
    pytest.param(
        "@quarterly", CronTriggerTimetable, "0 0 1 */3 *", "At 00:00, on day 1 of the month, every 3 months",
        id="quarterly",
    ),
    pytest.param(
        "@yearly", CronTriggerTimetable, "0 0 1 1 *", "At 00:00, on day 1 of the month, only in January",
        id="yearly",
    ),
    pytest.param("5 0 * 8 *", CronTriggerTimetable, "5 0 * 8 *", "At 00:05, only in August", id="august"),
    pytest.param("0 * * * *", CronTriggerTimetable, "0 * * * *", "Every hour", id="every-hour"),
    pytest.param("*/15 * * * *", CronTriggerTimetable, "*/15 * * * *", "Every 15 minutes", id="every-15"),
    pytest.param(
        "0 9 * * MON-FRI", CronTriggerTimetable, "0 9 * * MON-FRI", "At 09:00, Monday through Friday",
        id="weekdays",
    ),
    pytest.param(
        "* * 1 * 1", CronTriggerTimetable, "* * 1 * 1",
        "Every minute, on day 1 of the month (or) Every minute, only on Monday", id="dom-or-dow",
    ),
    pytest.param("30 21 * * 5 1", CronTriggerTimetable, "30 21 * * 5 1", "", id="six-fields-undescribed"),
    pytest.param(dt.timedelta(days=1), DeltaTriggerTimetable, "1 day, 0:00:00", "", id="timedelta"),
    pytest.param(
        relativedelta(months=1), DeltaTriggerTimetable, "relativedelta(months=+1)", "", id="relativedelta"
    ),
]


@pytest.mark.parametrize(("schedule", "cls", "summary", "description"), SCHEDULE_CASES)
def test_timetable_from_schedule(schedule, cls, summary, description):
    timetable = timetable_from_schedule(schedule)
    assert type(timetable) is cls
    assert timetable.summary == summary
    assert timetable.description == description


def test_timetable_from_schedule_keeps_timetables_and_timezone():
    given = CronDataIntervalTimetable("0 0 * * *", UTC)
    assert timetable_from_schedule(given) is given
    assert timetable_from_schedule("0 9 * * *", "Asia/Taipei").serialize()["timezone"] == "Asia/Taipei"
    assert NullTimetable().can_be_scheduled is False
    assert NullTimetable().periodic is OnceTimetable().periodic is False
    assert timetable_from_schedule("@daily").periodic is True


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        pytest.param("0 100 * * *", "[0 100 * * *] is not acceptable, out of range", id="hour-out-of-range"),
        pytest.param("0 0 1 13 0", "[0 0 1 13 0] is not acceptable, out of range", id="month-out-of-range"),
        pytest.param(
            "* * *", "Exactly 5, 6 or 7 columns has to be specified for iterator expression.", id="too-few-fields"
        ),
        pytest.param("foo bar baz qux quux", "[foo bar baz qux quux] is not acceptable", id="not-cron"),
        pytest.param(
            dt.timedelta(days=-1), f"schedule interval must be positive, not {dt.timedelta(days=-1)!r}",
            id="negative-timedelta",
        ),
        pytest.param(
            relativedelta(days=-1), "schedule interval must be positive, not relativedelta(days=-1)",
            id="negative-relativedelta",
        ),
        pytest.param(dt.timedelta(), "schedule interval must be positive, not datetime.timedelta(0)", id="zero"),
    ],
)
def test_invalid_schedules(schedule, message):
    with pytest.raises(AirflowTimetableInvalid) as err:
        timetable_from_schedule(schedule)
    assert str(err.value) == message


def test_validate_on_explicit_timetables():
    with pytest.raises(AirflowTimetableInvalid, match=re.escape("[0 0 1 13 0] is not acceptable, out of range")):
        CronDataIntervalTimetable("0 0 1 13 0", UTC).validate()
    with pytest.raises(AirflowTimetableInvalid, match="out of range"):
        MultipleCronTriggerTimetable("@daily", "61 * * * *", timezone=UTC).validate()
    DeltaDataIntervalTimetable(dt.timedelta(hours=1)).validate()


def test_refused_and_unknown_schedules():
    with pytest.raises(AirflowTimetableInvalid, match="@continuous"):
        timetable_from_schedule("@continuous")
    with pytest.raises(ValueError, match="is not a valid schedule"):
        timetable_from_schedule(42)
    with pytest.raises(ValueError, match="cron expression required"):
        MultipleCronTriggerTimetable(timezone=UTC)


SERIALIZED = [
    pytest.param(NullTimetable(), {"type": "NullTimetable"}, id="null"),
    pytest.param(OnceTimetable(), {"type": "OnceTimetable"}, id="once"),
    pytest.param(
        HOURLY_TRIGGER,
        {"type": "CronTriggerTimetable", "expression": "0 * * * *", "timezone": "UTC", "interval": 0.0,
         "run_immediately": True},
        id="cron-trigger",
    ),
    pytest.param(
        CronTriggerTimetable("0 0 1 12 0", timezone="Asia/Taipei", interval=relativedelta(weekday=MO),
                             run_immediately=dt.timedelta(minutes=10)),
        {"type": "CronTriggerTimetable", "expression": "0 0 1 12 0", "timezone": "Asia/Taipei",
         "interval": {"weekday": [0]}, "run_immediately": 600.0},
        id="cron-trigger-non-utc-relativedelta",
    ),
    pytest.param(
        CronTriggerTimetable("0 9 * * *", timezone=3600),
        {"type": "CronTriggerTimetable", "expression": "0 9 * * *", "timezone": 3600, "interval": 0.0,
         "run_immediately": False},
        id="cron-trigger-fixed-offset",
    ),
    pytest.param(
        DeltaTriggerTimetable(dt.timedelta(hours=3), interval=relativedelta(weekday=MO)),
        {"type": "DeltaTriggerTimetable", "delta": 10800.0, "interval": {"weekday": [0]}},
        id="delta-trigger",
    ),
    pytest.param(
        DeltaTriggerTimetable(relativedelta(hours=1)),
        {"type": "DeltaTriggerTimetable", "delta": {"hours": 1}, "interval": 0.0},
        id="delta-trigger-relativedelta",
    ),
    pytest.param(
        MultipleCronTriggerTimetable("@every 30s", "*/2 * * * *", timezone="UTC",
                                     interval=dt.timedelta(minutes=10)),
        {"type": "MultipleCronTriggerTimetable", "expressions": ["@every 30s", "*/2 * * * *"],
         "timezone": "UTC", "interval": 600.0, "run_immediately": False},
        id="multiple-cron",
    ),
    pytest.param(
        CronDataIntervalTimetable("@hourly", "Europe/Amsterdam"),
        {"type": "CronDataIntervalTimetable", "expression": "0 * * * *", "timezone": "Europe/Amsterdam"},
        id="cron-data-interval",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(dt.timedelta(hours=1)),
        {"type": "DeltaDataIntervalTimetable", "delta": 3600.0},
        id="delta-data-interval",
    ),
    pytest.param(
        DeltaDataIntervalTimetable(relativedelta(months=1, weekday=MO(2))),
        {"type": "DeltaDataIntervalTimetable", "delta": {"months": 1, "weekday": [0, 2]}},
        id="delta-data-interval-nth-weekday",
    ),
]


@pytest.mark.parametrize(("timetable", "data"), SERIALIZED)
def test_serialize_round_trip(timetable: Timetable, data):
    assert timetable.serialize() == data
    restored = deserialize_timetable(json.loads(json.dumps(data)))
    assert type(restored) is type(timetable)
    assert restored == timetable
    assert restored.serialize() == data
    assert restored.summary == timetable.summary
    assert restored.description == timetable.description


def test_deserialize_rejects_unknown_type():
    with pytest.raises(ValueError, match="Unknown timetable type"):
        deserialize_timetable({"type": "EventsTimetable"})


@pytest.mark.parametrize(
    ("timetable", "run_after", "expected"),
    [
        pytest.param(DAILY_1630, utc(2024, 5, 1, 12), DataInterval.exact(utc(2024, 5, 1, 12)), id="trigger"),
        pytest.param(
            CronTriggerTimetable("@daily", timezone=UTC, interval=dt.timedelta(days=1)), utc(2024, 5, 1, 12),
            DataInterval(utc(2024, 4, 30, 12), utc(2024, 5, 1, 12)), id="trigger-with-interval",
        ),
        pytest.param(
            DeltaTriggerTimetable(dt.timedelta(hours=1)), utc(2024, 5, 1, 12),
            DataInterval.exact(utc(2024, 5, 1, 12)), id="delta-trigger",
        ),
        pytest.param(
            CronDataIntervalTimetable("@daily", UTC), utc(2022, 8, 8, 1),
            DataInterval(utc(2022, 8, 7), utc(2022, 8, 8)), id="interval-cron-adhoc",
        ),
        pytest.param(
            CronDataIntervalTimetable("@daily", UTC), utc(2022, 8, 8),
            DataInterval(utc(2022, 8, 7), utc(2022, 8, 8)), id="interval-cron-exact",
        ),
        pytest.param(
            CronDataIntervalTimetable("0 2 * * *", NEW_YORK), utc(2024, 3, 10, 7, 30),
            DataInterval(utc(2024, 3, 9, 7), utc(2024, 3, 10, 7)), id="interval-cron-new-york-dst-gap",
        ),
        pytest.param(
            CronDataIntervalTimetable("0 2 * * *", ZURICH), utc(2023, 3, 26, 1, 30),
            DataInterval(utc(2023, 3, 25, 1), utc(2023, 3, 26, 1)), id="interval-cron-zurich-dst-gap",
        ),
        pytest.param(
            CronDataIntervalTimetable("0 1 * * *", NEW_YORK), utc(2024, 11, 3, 5, 30),
            DataInterval(utc(2024, 11, 1, 5), utc(2024, 11, 2, 5)), id="interval-cron-new-york-fold",
        ),
        pytest.param(
            DeltaDataIntervalTimetable(dt.timedelta(hours=1)), utc(2024, 5, 1, 12, 10),
            DataInterval(utc(2024, 5, 1, 11, 10), utc(2024, 5, 1, 12, 10)), id="interval-delta",
        ),
        pytest.param(NullTimetable(), utc(2024, 5, 1), DataInterval.exact(utc(2024, 5, 1)), id="null"),
        pytest.param(OnceTimetable(), utc(2024, 5, 1), DataInterval.exact(utc(2024, 5, 1)), id="once"),
        pytest.param(
            MultipleCronTriggerTimetable("@hourly", "30 * * * *", timezone=UTC, interval=dt.timedelta(hours=1)),
            utc(2024, 5, 1, 12), DataInterval(utc(2024, 5, 1, 11), utc(2024, 5, 1, 12)), id="multi",
        ),
    ],
)
def test_infer_manual_data_interval(timetable, run_after, expected):
    assert timetable.infer_manual_data_interval(run_after=run_after) == expected


@pytest.mark.parametrize(
    ("run_type", "logical_date", "run_after", "expected"),
    [
        pytest.param("scheduled", utc(2024, 1, 1), utc(2024, 1, 1), "scheduled__2024-01-01T00:00:00+00:00",
                     id="scheduled"),
        pytest.param("manual", utc(2024, 1, 1), utc(2024, 1, 1, 8, 30, 15),
                     "manual__2024-01-01T08:30:15+00:00", id="manual-named-after-run-after"),
        pytest.param("backfill", utc(2024, 1, 1), utc(2024, 1, 1), "backfill__2024-01-01T00:00:00+00:00",
                     id="backfill"),
        pytest.param("asset_triggered", utc(2024, 1, 1), utc(2024, 1, 1, 0, 0, 0),
                     "asset_triggered__2024-01-01T00:00:00+00:00", id="asset-triggered"),
        pytest.param("scheduled", utc(2024, 1, 1), pendulum.datetime(2024, 1, 1, 9, tz="Europe/Amsterdam"),
                     "scheduled__2024-01-01T09:00:00+01:00", id="offset-kept"),
    ],
)
def test_run_ids(run_type, logical_date, run_after, expected):
    assert run_id_for(run_type, logical_date, run_after) == expected


def test_run_id_without_logical_date_gets_random_suffix():
    run_id = run_id_for("manual", None, utc(2024, 1, 1))
    assert re.fullmatch(r"manual__2024-01-01T00:00:00\+00:00_[A-Za-z0-9]{8}", run_id)
    assert run_id_for("manual", None, utc(2024, 1, 1), rng=random.Random(7)) == run_id_for(
        "manual", None, utc(2024, 1, 1), rng=random.Random(7)
    )
    with pytest.raises(ValueError, match="not a valid DagRunType"):
        run_id_for("hourly", None, utc(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        run_id_for("manual", None, dt.datetime(2024, 1, 1))


def test_public_timetables_module():
    import updraft.scheduling as scheduling
    import updraft.timetables as public

    for name in public.__all__:
        assert getattr(public, name) is getattr(scheduling, name)

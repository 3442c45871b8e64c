"""The timetable protocol: what a schedule answers, with the current time passed in.

These mirror Airflow 3's `airflow.timetables.base`. The one difference is that
`next_dagrun_info` takes `now` instead of reading the clock, so scheduling is a pure
function that the scheduler Lambda and the tests can call with any instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DataInterval:
    """The span of data a run covers; both ends are aware datetimes."""

    start: datetime
    end: datetime

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        """A zero-length interval: what trigger timetables give a run by default."""
        return cls(start=at, end=at)


@dataclass(frozen=True)
class TimeRestriction:
    """Bounds from the DAG: `earliest` is start_date, `latest` is end_date (both inclusive)."""

    earliest: datetime | None
    latest: datetime | None
    catchup: bool


@dataclass(frozen=True)
class DagRunInfo:
    """When the next run may start and what it covers.

    `logical_date` follows Airflow 3: it is the start of the data interval, which for
    a trigger timetable with no `interval` is the fire time itself.
    """

    run_after: datetime
    data_interval: DataInterval
    logical_date: datetime = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.logical_date is None:
            object.__setattr__(self, "logical_date", self.data_interval.start)

    @classmethod
    def exact(cls, at: datetime) -> DagRunInfo:
        """A run at one instant, covering just that instant."""
        return cls(run_after=at, data_interval=DataInterval.exact(at), logical_date=at)

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> DagRunInfo:
        """A run that starts once [start, end] has passed."""
        return cls(run_after=end, data_interval=DataInterval(start, end), logical_date=start)


class Timetable:
    """Base of every schedule. Subclasses override what they need, as in Airflow."""

    periodic: bool = True
    can_be_scheduled: bool = True
    description: str = ""

    @property
    def summary(self) -> str:
        """Short text for the UI's schedule column."""
        return type(self).__name__

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> DagRunInfo | None:
        """The next scheduled run after the last scheduled or backfilled one, or None."""
        raise NotImplementedError

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval for a run triggered by hand at `run_after`."""
        raise NotImplementedError

    def serialize(self) -> dict[str, Any]:
        """JSON-safe form; `deserialize_timetable` reverses it."""
        return {"type": type(self).__name__}

    def validate(self) -> None:
        """Raise AirflowTimetableInvalid if the schedule cannot work."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.serialize() == other.serialize()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(sorted(self.serialize().items(), key=lambda kv: kv[0])))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary!r})"

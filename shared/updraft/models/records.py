"""DagRun and task instance records as the engine reads them from the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from updraft.models.states import DagRunState, TaskInstanceState


@dataclass
class DagRun:
    dag_id: str
    run_id: str
    run_type: str
    state: DagRunState
    logical_date: str | None
    data_interval_start: str | None
    data_interval_end: str | None
    run_after: str
    conf: dict[str, Any] = field(default_factory=dict)
    dag_version: str = ""
    fileloc: str = ""
    bundle_version: str | None = None
    bundle_manifest: dict[str, str] = field(default_factory=dict)  # inline (runs made without a stack)
    bundle_manifest_id: str | None = None  # the digest of the DAG folder's manifest (a BUNDLE item)
    tis_total: int = 0
    tis_finished: int = 0
    leaves_failed: int = 0
    queued_at: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    note: str | None = None
    triggered_by: str | None = None
    timeout_at: str | None = None
    backfill_id: str | None = None
    wait_order: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "DagRun":
        return cls(
            dag_id=item["dag_id"],
            run_id=item["run_id"],
            run_type=item.get("run_type", "manual"),
            state=DagRunState(item["state"]),
            logical_date=item.get("logical_date"),
            data_interval_start=item.get("data_interval_start"),
            data_interval_end=item.get("data_interval_end"),
            run_after=item.get("run_after", ""),
            conf=item.get("conf") or {},
            dag_version=item.get("dag_version", ""),
            fileloc=item.get("fileloc", ""),
            bundle_version=item.get("bundle_version"),
            bundle_manifest=item.get("bundle_manifest") or {},
            bundle_manifest_id=item.get("bundle_manifest_id"),
            tis_total=int(item.get("tis_total", 0)),
            tis_finished=int(item.get("tis_finished", 0)),
            leaves_failed=int(item.get("leaves_failed", 0)),
            queued_at=item.get("queued_at"),
            start_date=item.get("start_date"),
            end_date=item.get("end_date"),
            note=item.get("note"),
            triggered_by=item.get("triggered_by"),
            timeout_at=item.get("timeout_at"),
            backfill_id=item.get("backfill_id"),
            wait_order=item.get("wait_order"),
        )

    def to_fields(self) -> dict[str, Any]:
        return {
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "run_type": self.run_type,
            "state": str(self.state),
            "logical_date": self.logical_date,
            "data_interval_start": self.data_interval_start,
            "data_interval_end": self.data_interval_end,
            "run_after": self.run_after,
            "conf": self.conf,
            "dag_version": self.dag_version,
            "fileloc": self.fileloc,
            "bundle_version": self.bundle_version,
            "bundle_manifest": self.bundle_manifest,
            "bundle_manifest_id": self.bundle_manifest_id,
            "tis_total": self.tis_total,
            "tis_finished": self.tis_finished,
            "leaves_failed": self.leaves_failed,
            "queued_at": self.queued_at,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "note": self.note,
            "triggered_by": self.triggered_by,
            "timeout_at": self.timeout_at,
            "backfill_id": self.backfill_id,
        }


@dataclass
class TaskInstance:
    """A task instance as stored; one that was never touched is `none` and has no item."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    state: TaskInstanceState = TaskInstanceState.NONE
    try_number: int = 0
    queued_at: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    duration: float | None = None
    next_retry_at: str | None = None
    hostname: str | None = None
    operator: str | None = None
    up_success: set[str] = field(default_factory=set)
    up_failed: set[str] = field(default_factory=set)
    up_skipped: set[str] = field(default_factory=set)
    up_upstream_failed: set[str] = field(default_factory=set)
    up_removed: set[str] = field(default_factory=set)
    error: str | None = None
    skip_downstream: list[str] = field(default_factory=list)
    skip_descendants: bool = False
    map_length: int | None = None
    upstream_lengths: dict[str, int] = field(default_factory=dict)
    max_tries: int | None = None  # set when cleared: the try number up to which retries apply
    waiting_on_past: bool = False
    rendered_fields: dict[str, Any] | None = None
    rendered_map_index: str | None = None
    # A sensor in reschedule mode: when it next pokes, and (for the try in poke_try) when it
    # first poked and how often it has, which its timeout and backoff are measured from.
    next_poke_at: str | None = None
    first_poke_at: str | None = None
    poke_count: int = 0
    poke_try: int | None = None
    note: str | None = None  # a person's note on it (the API's PATCH)

    def retries_left(self, retries: int) -> bool:
        """Whether a failure of this try is retried (Airflow: try_number <= max_tries)."""
        limit = self.max_tries if self.max_tries is not None else retries
        return self.try_number <= limit

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "TaskInstance":
        task_id, _, map_index = item["sk"].rpartition("#")
        return cls(
            dag_id=item["dag_id"],
            run_id=item["run_id"],
            task_id=task_id,
            map_index=int(map_index),
            state=TaskInstanceState(item.get("state", "none")),
            try_number=int(item.get("try_number", 0)),
            queued_at=item.get("queued_at"),
            start_date=item.get("start_date"),
            end_date=item.get("end_date"),
            duration=item.get("duration"),
            next_retry_at=item.get("next_retry_at"),
            hostname=item.get("hostname"),
            operator=item.get("operator"),
            up_success=item.get("up_success") or set(),
            up_failed=item.get("up_failed") or set(),
            up_skipped=item.get("up_skipped") or set(),
            up_upstream_failed=item.get("up_upstream_failed") or set(),
            up_removed=item.get("up_removed") or set(),
            error=item.get("error"),
            skip_downstream=list(item.get("skip_downstream") or []),
            skip_descendants=bool(item.get("skip_descendants", False)),
            map_length=item.get("map_length"),
            upstream_lengths={k[4:]: int(v) for k, v in item.items() if k.startswith("upn_")},
            max_tries=item.get("max_tries"),
            waiting_on_past=bool(item.get("waiting_on_past", False)),
            rendered_fields=item.get("rendered_fields"),
            rendered_map_index=item.get("rendered_map_index"),
            next_poke_at=item.get("next_poke_at"),
            first_poke_at=item.get("first_poke_at"),
            poke_count=int(item.get("poke_count", 0)),
            poke_try=item.get("poke_try"),
            note=item.get("note"),
        )

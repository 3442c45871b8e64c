"""Heartbeats: when a job last completed a pass, as Airflow's jobs heartbeat in its database.

One item per job, `HEARTBEAT` / `<job>`, overwritten by each pass (one `PutItem`) and read
by `GET /monitor/health` (one `GetItem`). The scheduler writes `scheduler` at the end of
every pass, with whether the pass met errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from updraft.store import keys
from updraft.store.table import Table
from updraft.timeutil import iso

SCHEDULER = "scheduler"


def record_heartbeat(table: Table, job: str, latest: datetime, outcome: str) -> None:
    """`job` finished a pass at `latest`; `outcome` says how (`ok`, or `errors: n`)."""
    table.put({**keys.heartbeat_key(job), "kind": "heartbeat", "latest": iso(latest), "outcome": outcome})


def latest_heartbeat(table: Table, job: str) -> dict[str, Any] | None:
    """The job's last heartbeat (`latest`, ISO UTC, and `outcome`), or None if it never beat."""
    return table.get(keys.heartbeat_key(job))

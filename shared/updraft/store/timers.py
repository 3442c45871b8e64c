"""Timers: the sparse `timers` index that tells the scheduler which items need it, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from updraft.store import keys
from updraft.store.table import Table
from updraft.timeutil import iso

TIMER_ATTRS = ["tpk", "tsk"]


def timer_fields(shard_of: str, due: datetime, shards: int) -> dict[str, Any]:
    """The attributes that put an item in the timers index, due at `due`."""
    return {"tpk": keys.timer_pk(shard_of, shards), "tsk": iso(due)}


class TimerStore:
    def __init__(self, table: Table, shards: int) -> None:
        self.table = table
        self.shards = shards

    def due(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Items whose timer is due at `now` (or before the instant given), oldest first, from
        every shard."""
        out: list[dict[str, Any]] = []
        for pk in keys.timer_pks(self.shards):
            start: dict[str, Any] | None = None
            while len(out) < limit:
                items, start = self.table.query(
                    pk, index=keys.TIMERS_INDEX, pk_name="tpk", sk_name="tsk",
                    sk_before=iso(now), limit=limit - len(out), start_key=start,
                )
                out.extend(items)
                if not start:
                    break
        return sorted(out, key=lambda i: i["tsk"])

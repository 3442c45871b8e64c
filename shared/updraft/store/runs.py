"""DagRun items, and the logical-date items that keep one run per logical date."""

from __future__ import annotations

from typing import Any

from updraft.models.records import DagRun
from updraft.models.states import DagRunState
from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Condition, Table, Update
from updraft.store.timers import TIMER_ATTRS


class RunStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, run: DagRun, extra: dict[str, Any], wait_order: str) -> bool:
        """Create the run (queued), note it among the DAG's runs waiting to start, and claim
        its logical date, in one transaction; False if the run or the date exists."""
        item = {
            **keys.run_key(run.dag_id, run.run_id),
            "kind": "run",
            "lsi1sk": f"{run.run_after}#{run.run_id}",
            "wait_order": wait_order,
            **run.to_fields(),
            **extra,
        }
        ops = [
            self.table.transact_put(item, Condition("attribute_not_exists(pk)")),
            self.table.transact_put({**keys.waiting_run_key(run.dag_id, wait_order), "run_id": run.run_id}),
        ]
        if run.logical_date:
            ops.append(
                self.table.transact_put(
                    {**keys.logical_date_key(run.dag_id, run.logical_date), "run_id": run.run_id},
                    Condition("attribute_not_exists(pk)"),
                )
            )
        try:
            self.table.transact(ops)
        except ConditionFailed:
            return False
        return True

    def get(self, dag_id: str, run_id: str, *, consistent: bool = False) -> DagRun | None:
        item = self.table.get(keys.run_key(dag_id, run_id), consistent=consistent)
        return DagRun.from_item(item) if item else None

    def run_id_for_logical_date(self, dag_id: str, logical_date: str) -> str | None:
        item = self.table.get(keys.logical_date_key(dag_id, logical_date))
        return item["run_id"] if item else None

    def list(
        self, dag_id: str, *, newest_first: bool = True, limit: int | None = None,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[DagRun], dict[str, Any] | None]:
        items, last = self.table.query(
            keys.run_pk(dag_id), index=keys.BY_DATE_INDEX, sk_name="lsi1sk",
            forward=not newest_first, limit=limit, start_key=start_key,
        )
        return [DagRun.from_item(i) for i in items], last

    def neighbour(self, run: DagRun, *, before: bool) -> DagRun | None:
        """The DAG's run just before (or after) `run` by date, if any."""
        position = f"{run.run_after}#{run.run_id}"
        items, _ = self.table.query(
            keys.run_pk(run.dag_id), index=keys.BY_DATE_INDEX, sk_name="lsi1sk",
            sk_below=position if before else None, sk_above=None if before else position,
            forward=not before, limit=1,
        )
        return DagRun.from_item(items[0]) if items else None

    def previous_success(self, run: DagRun, *, page: int = 10) -> DagRun | None:
        """The latest successful run before `run` (Airflow's prev_*_success context values)."""
        start: dict[str, Any] | None = None
        while True:
            items, start = self.table.query(
                keys.run_pk(run.dag_id), index=keys.BY_DATE_INDEX, sk_name="lsi1sk",
                sk_below=f"{run.run_after}#{run.run_id}", forward=False, limit=page, start_key=start,
            )
            for item in items:
                if item.get("state") == str(DagRunState.SUCCESS):
                    return DagRun.from_item(item)
            if not start:
                return None

    def transition(
        self,
        dag_id: str,
        run_id: str,
        from_states: list[DagRunState],
        to_state: DagRunState,
        fields: dict[str, Any] | None = None,
        remove: list[str] | None = None,
    ) -> bool:
        values = {f":s{n}": str(s) for n, s in enumerate(from_states)}
        cond = Condition(f"#st IN ({', '.join(values)})", {"#st": "state"}, values)
        try:
            self.table.update(
                keys.run_key(dag_id, run_id),
                Update(set={"state": str(to_state), **(fields or {})}, remove=remove or []),
                condition=cond,
            )
        except ConditionFailed:
            return False
        return True

    def start_in_slot(
        self, run: DagRun, slot: dict[str, str], max_active: int, fields: dict[str, Any],
        *, respect_pause: bool,
    ) -> str:
        """queued → running while taking one of the slot's `max_active` places (the DAG's, or a
        backfill's), atomically. Returns "started", "no_slot" (full, or the DAG is paused) or
        "not_queued" (someone started it already, or it ended)."""
        slot_cond = "(attribute_not_exists(active_runs) OR active_runs < :max)"
        values: dict[str, Any] = {":max": max_active}
        if respect_pause:
            slot_cond += " AND (attribute_not_exists(is_paused) OR is_paused = :f)"
            values[":f"] = False
        ops = [
            self.table.transact_update(
                keys.run_key(run.dag_id, run.run_id),
                Update(set={"state": str(DagRunState.RUNNING), **fields}, remove=["wait_order"]),
                Condition("#st = :queued", {"#st": "state"}, {":queued": str(DagRunState.QUEUED)}),
            ),
            self.table.transact_update(slot, Update(add={"active_runs": 1}), Condition(slot_cond, values=values)),
        ]
        if run.wait_order:
            ops.append(self.table.transact_delete(keys.waiting_run_key(run.dag_id, run.wait_order)))
        try:
            self.table.transact(ops)
        except ConditionFailed:
            current = self.get(run.dag_id, run.run_id, consistent=True)
            return "no_slot" if current is not None and current.state is DagRunState.QUEUED else "not_queued"
        return "started"

    def end_in_slot(
        self, run: DagRun, slot: dict[str, str], to_state: DagRunState, fields: dict[str, Any],
        remove: list[str] | None = None, from_states: list[DagRunState] | None = None,
    ) -> bool:
        """running → success/failed, giving the run's place back to its slot, atomically."""
        from_states = from_states or [DagRunState.RUNNING]
        values = {f":s{n}": str(s) for n, s in enumerate(from_states)}
        ops = [
            self.table.transact_update(
                keys.run_key(run.dag_id, run.run_id),
                Update(set={"state": str(to_state), **fields}, remove=remove or []),
                Condition(f"#st IN ({', '.join(values)})", {"#st": "state"}, values),
            ),
            self.table.transact_update(slot, Update(add={"active_runs": -1})),
        ]
        try:
            self.table.transact(ops)
        except ConditionFailed:
            return False
        return True

    def waiting(self, dag_id: str, *, limit: int = 50) -> list[DagRun]:
        """The DAG's queued runs waiting for a place, in the order they should start."""
        items, _ = self.table.query(f"WAIT#{dag_id}", limit=limit)
        runs = {i["run_id"]: i["sk"] for i in items}
        found = [DagRun.from_item(i) for i in self.table.batch_get([keys.run_key(dag_id, r) for r in runs])]
        return sorted((r for r in found if r.state is DagRunState.QUEUED), key=lambda r: runs[r.run_id])

    def clear_timer(self, dag_id: str, run_id: str) -> None:
        self.table.update(keys.run_key(dag_id, run_id), Update(remove=TIMER_ATTRS))

    def reopen(self, run: DagRun, counters: dict[str, int], slot: dict[str, str]) -> None:
        """A run some of whose task instances were cleared: running again, counters adjusted.
        A run that had ended takes its place in its slot again, and its callback may run anew."""
        update = Update(set={"state": str(DagRunState.RUNNING)}, add=counters,
                        remove=["end_date", "callback_claimed"])
        if run.state not in (DagRunState.SUCCESS, DagRunState.FAILED):
            self.table.update(keys.run_key(run.dag_id, run.run_id), update,
                              condition=Condition("attribute_exists(pk)"))
            return
        ended = Condition("#st IN (:s, :f)", {"#st": "state"},
                          {":s": str(DagRunState.SUCCESS), ":f": str(DagRunState.FAILED)})
        try:
            self.table.transact([
                self.table.transact_update(keys.run_key(run.dag_id, run.run_id), update, ended),
                self.table.transact_update(slot, Update(add={"active_runs": 1})),
            ])
        except ConditionFailed:  # it was reopened meanwhile: just adjust the counters
            self.table.update(keys.run_key(run.dag_id, run.run_id), update)

    def claim_callback(self, dag_id: str, run_id: str, reason: str) -> bool:
        """Take the run's callback for one worker (at most once, as Airflow's best effort)."""
        try:
            self.table.update(
                keys.run_key(dag_id, run_id), Update(set={"callback_claimed": reason}),
                condition=Condition("attribute_not_exists(callback_claimed)"),
            )
        except ConditionFailed:
            return False
        return True

    def set_fields(self, dag_id: str, run_id: str, fields: dict[str, Any]) -> None:
        self.table.update(keys.run_key(dag_id, run_id), Update(set=fields))

"""Task instance items and every transition of one, each a conditional write.

A task instance's item is created the first time something touches it: a root when it is
queued, any other task when its first upstream reports in. Each transition names the state
(and try) it comes from, so a duplicate message or a second scheduler finds it taken."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from updraft.models.records import TaskInstance
from updraft.models.states import TaskInstanceState as TIS
from updraft.store import keys
from updraft.store.errors import ConditionFailed
from updraft.store.table import Condition, Table, Update
from updraft.store.timers import TIMER_ATTRS

UPSTREAM_SET = {
    TIS.SUCCESS: "up_success",
    TIS.FAILED: "up_failed",
    TIS.SKIPPED: "up_skipped",
    TIS.UPSTREAM_FAILED: "up_upstream_failed",
    TIS.REMOVED: "up_removed",
}


@dataclass(frozen=True)
class TaskSlot:
    """A DAG's max_active_tasks: its item counts the DAG's running task instances."""

    key: dict[str, str]
    limit: int


def _slot_op(table: Table, slot: TaskSlot, step: int) -> dict[str, Any]:
    if step > 0:
        return table.transact_update(
            slot.key, Update(add={"running_tasks": step}),
            Condition("attribute_not_exists(running_tasks) OR running_tasks < :max", values={":max": slot.limit}),
        )
    return table.transact_update(slot.key, Update(add={"running_tasks": step}))


# What clearing a task instance forgets: how its last try ended and what its upstreams said.
CLEARED_ATTRS = [
    "end_date", "duration", "error", "next_retry_at", "skip_downstream", "skip_descendants",
    "map_length", *UPSTREAM_SET.values(),
]

# `upn_<task_id>` on a task instance: how many instances its mapped upstream task has.
UPSTREAM_LENGTH_PREFIX = "upn_"


def _identity(dag_id: str, run_id: str) -> dict[str, Any]:
    return {"dag_id": dag_id, "run_id": run_id, "kind": "ti"}


class TaskInstanceStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(
        self, dag_id: str, run_id: str, task_id: str, map_index: int = -1, *, consistent: bool = False
    ) -> TaskInstance | None:
        item = self.table.get(keys.ti_key(dag_id, run_id, task_id, map_index), consistent=consistent)
        return TaskInstance.from_item(item) if item else None

    def list(self, dag_id: str, run_id: str) -> list[TaskInstance]:
        return [TaskInstance.from_item(i) for i in self.table.query_all(keys.ti_pk(dag_id, run_id))]

    def queue(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: int,
        try_number: int | None,
        fields: dict[str, Any],
    ) -> int | None:
        """none → queued for its next try (the first, or the one after a clear), or
        up_for_retry → queued for `try_number`. Returns the try queued; None if taken."""
        if try_number is None:
            cond = Condition("attribute_not_exists(#st) OR #st = :none", {"#st": "state"},
                             {":none": str(TIS.NONE)})
            update = Update(set={**_identity(dag_id, run_id), "state": str(TIS.QUEUED), **fields},
                            increment={"try_number": 1}, remove=["waiting_on_past"])
        else:
            cond = Condition("#st = :retry AND try_number = :prev", {"#st": "state"},
                             {":retry": str(TIS.UP_FOR_RETRY), ":prev": try_number - 1})
            update = Update(set={**_identity(dag_id, run_id), "state": str(TIS.QUEUED),
                                 "try_number": try_number, **fields})
        try:
            item = self.table.update(keys.ti_key(dag_id, run_id, task_id, map_index), update,
                                     condition=cond, returns="UPDATED_NEW")
        except ConditionFailed:
            return None
        return int(item.get("try_number", try_number or 1))

    def claim(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: int,
        try_number: int,
        now: str,
        fields: dict[str, Any],
        slot: TaskSlot | None = None,
    ) -> tuple[TaskInstance | None, TaskInstance | None, bool]:
        """queued → running for this try (or a due up_for_retry / up_for_reschedule → running).

        Returns (claimed, None, False); (None, what was found, False) when the claim was
        taken; (None, None, True) when the DAG's max_active_tasks has no room now."""
        cond = Condition(
            "(#st = :queued AND try_number = :try) OR "
            "(#st = :retry AND try_number = :prev AND next_retry_at <= :now) OR "
            "(#st = :resched AND try_number = :try AND next_poke_at <= :now)",
            {"#st": "state"},
            {":queued": str(TIS.QUEUED), ":retry": str(TIS.UP_FOR_RETRY), ":try": try_number,
             ":prev": try_number - 1, ":now": now, ":resched": str(TIS.UP_FOR_RESCHEDULE)},
        )
        key = keys.ti_key(dag_id, run_id, task_id, map_index)
        update = Update(set={"state": str(TIS.RUNNING), "try_number": try_number, "start_date": now, **fields},
                        remove=["end_date", "duration", "next_retry_at", "next_poke_at"])
        if slot is not None:
            try:
                self.table.transact([self.table.transact_update(key, update, cond), _slot_op(self.table, slot, 1)])
            except ConditionFailed as failed:
                if 0 in failed.failed_ops:
                    return None, TaskInstance.from_item(failed.item) if failed.item else None, False
                return None, None, True
            claimed = self.table.get(key, consistent=True)
            return (TaskInstance.from_item(claimed) if claimed else None), None, False
        try:
            item = self.table.update(key, update, condition=cond, returns="ALL_NEW")
        except ConditionFailed as failed:
            found = TaskInstance.from_item(failed.item) if failed.item else None
            return None, found, False
        return TaskInstance.from_item(item), None, False

    def finish(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: int,
        state: TIS,
        *,
        from_state: TIS,
        try_number: int | None,
        fields: dict[str, Any],
        run_counters: dict[str, int],
        slot: TaskSlot | None = None,
        counts_a_try: bool = False,
    ) -> bool:
        """Put the task instance in a final state and count it on its run, atomically (and,
        leaving `running` in a DAG with max_active_tasks, give its place back).
        `counts_a_try`: the engine ran it without a worker (EmptyOperator), as one try."""
        names = {"#st": "state"}
        values: dict[str, Any] = {":from": str(from_state)}
        expr = "#st = :from"
        if from_state is TIS.NONE:
            expr = "(attribute_not_exists(#st) OR #st = :from)"
        if try_number is not None:
            expr += " AND try_number = :try"
            values[":try"] = try_number
        ti_op = self.table.transact_update(
            keys.ti_key(dag_id, run_id, task_id, map_index),
            Update(set={**_identity(dag_id, run_id), "state": str(state), **fields},
                   remove=TIMER_ATTRS, increment={"try_number": 1} if counts_a_try else {}),
            Condition(expr, names, values),
        )
        run_op = self.table.transact_update(keys.run_key(dag_id, run_id), Update(add=run_counters))
        ops = [ti_op, run_op]
        if slot is not None and from_state is TIS.RUNNING:
            ops.append(_slot_op(self.table, slot, -1))
        try:
            self.table.transact(ops)
        except ConditionFailed:
            return False
        return True

    def leave_running(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
        update: Update, slot: TaskSlot | None,
    ) -> bool:
        """running (this try) → another state, giving back a max_active_tasks place if any."""
        key = keys.ti_key(dag_id, run_id, task_id, map_index)
        cond = Condition("#st = :running AND try_number = :try", {"#st": "state"},
                         {":running": str(TIS.RUNNING), ":try": try_number})
        try:
            if slot is None:
                self.table.update(key, update, condition=cond)
            else:
                self.table.transact([self.table.transact_update(key, update, cond), _slot_op(self.table, slot, -1)])
        except ConditionFailed:
            return False
        return True

    def set_up_for_retry(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
        fields: dict[str, Any], slot: TaskSlot | None = None,
    ) -> bool:
        return self.leave_running(dag_id, run_id, task_id, map_index, try_number,
                                  Update(set={"state": str(TIS.UP_FOR_RETRY), **fields}), slot)

    def set_up_for_reschedule(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
        fields: dict[str, Any], slot: TaskSlot | None = None,
    ) -> bool:
        """running → up_for_reschedule (a sensor freeing its worker), keeping its try."""
        return self.leave_running(dag_id, run_id, task_id, map_index, try_number,
                                  Update(set={"state": str(TIS.UP_FOR_RESCHEDULE), **fields}), slot)

    def requeue_rescheduled(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
        fields: dict[str, Any],
    ) -> bool:
        """up_for_reschedule → queued for the same try (the scheduler's timer, past SQS's delay)."""
        cond = Condition("#st = :resched AND try_number = :try", {"#st": "state"},
                         {":resched": str(TIS.UP_FOR_RESCHEDULE), ":try": try_number})
        try:
            self.table.update(
                keys.ti_key(dag_id, run_id, task_id, map_index),
                Update(set={"state": str(TIS.QUEUED), **fields}, remove=["next_poke_at"]),
                condition=cond,
            )
        except ConditionFailed:
            return False
        return True

    def force_state(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, state: TIS,
        *, from_state: TIS, try_number: int, fields: dict[str, Any], slot: TaskSlot | None = None,
    ) -> bool:
        """Put an unfinished task instance in `state` (a timed-out run's), if still as seen."""
        update = Update(set={"state": str(state), **fields}, remove=TIMER_ATTRS)
        if from_state is TIS.RUNNING:
            return self.leave_running(dag_id, run_id, task_id, map_index, try_number, update, slot)
        cond = Condition("#st = :from AND try_number = :try", {"#st": "state"},
                         {":from": str(from_state), ":try": try_number})
        try:
            self.table.update(keys.ti_key(dag_id, run_id, task_id, map_index), update, condition=cond)
        except ConditionFailed:
            return False
        return True

    def reset(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, *,
        from_state: TIS, try_number: int, max_tries: int,
    ) -> bool:
        """Clear a task instance back to `none` (Airflow's clear): its tries so far are kept,
        and retries apply again up to `max_tries`. False if it changed since it was read."""
        cond = Condition("#st = :from AND try_number = :try", {"#st": "state"},
                         {":from": str(from_state), ":try": try_number})
        try:
            self.table.update(
                keys.ti_key(dag_id, run_id, task_id, map_index),
                Update(set={"state": str(TIS.NONE), "max_tries": max_tries},
                       remove=[*CLEARED_ATTRS, *TIMER_ATTRS]),
                condition=cond,
            )
        except ConditionFailed:
            return False
        return True

    def mark_waiting(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, fields: dict[str, Any]
    ) -> None:
        """A task instance held back by depends_on_past: still `none`, with a timer."""
        try:
            self.table.update(
                keys.ti_key(dag_id, run_id, task_id, map_index),
                Update(set={**_identity(dag_id, run_id), "waiting_on_past": True, **fields},
                       set_if_absent={"state": str(TIS.NONE), "try_number": 0}),
                condition=Condition("attribute_not_exists(#st) OR #st = :none", {"#st": "state"},
                                    {":none": str(TIS.NONE)}),
            )
        except ConditionFailed:
            pass

    def clear_waiting(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        self.table.update(keys.ti_key(dag_id, run_id, task_id, map_index),
                          Update(remove=["waiting_on_past", *TIMER_ATTRS]),
                          condition=Condition("attribute_exists(pk)"))

    def touch_timer(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, state: TIS, try_number: int,
        fields: dict[str, Any],
    ) -> bool:
        """Move a task instance's timer on, if it is still in `state` for `try_number`."""
        cond = Condition("#st = :st AND try_number = :try", {"#st": "state"},
                         {":st": str(state), ":try": try_number})
        try:
            self.table.update(keys.ti_key(dag_id, run_id, task_id, map_index), Update(set=fields),
                              condition=cond)
        except ConditionFailed:
            return False
        return True

    def tally(
        self, dag_id: str, run_id: str, task_id: str, map_index: int,
        upstream: str, upstream_state: TIS,
    ) -> TaskInstance:
        """Record that one upstream task instance finished; idempotent (a set, not a count)."""
        item = self.table.update(
            keys.ti_key(dag_id, run_id, task_id, map_index),
            Update(
                set=_identity(dag_id, run_id),
                set_if_absent={"state": str(TIS.NONE), "try_number": 0},
                add={UPSTREAM_SET[upstream_state]: {upstream}},
            ),
            returns="ALL_NEW",
        )
        return TaskInstance.from_item(item)

    def tally_and_queue(
        self, dag_id: str, run_id: str, task_id: str, upstream: str, upstream_state: TIS,
        fields: dict[str, Any],
    ) -> tuple[int | None, TaskInstance | None]:
        """Record a task instance's only upstream and queue it for its next try, in one
        conditional write (none → queued), for a task that this upstream's state alone runs.

        Returns (the try queued, None); or (None, the item as it was) when it was no longer
        `none` — queued already by an earlier delivery, or set by hand: then nothing changed."""
        cond = Condition("attribute_not_exists(#st) OR #st = :none", {"#st": "state"}, {":none": str(TIS.NONE)})
        update = Update(set={**_identity(dag_id, run_id), "state": str(TIS.QUEUED), **fields},
                        increment={"try_number": 1}, remove=["waiting_on_past"],
                        add={UPSTREAM_SET[upstream_state]: {upstream}})
        try:
            item = self.table.update(keys.ti_key(dag_id, run_id, task_id, -1), update, condition=cond,
                                     returns="UPDATED_NEW")
        except ConditionFailed as failed:
            return None, TaskInstance.from_item(failed.item) if failed.item else None
        return int(item.get("try_number", 1)), None

    def expand(
        self, dag_id: str, run_id: str, task_id: str, length: int, fields: dict[str, Any]
    ) -> bool:
        """A mapped task's decision record (map index -1) becomes `scheduled` with its length,
        and the run counts its instances, atomically: a repeat finds it done."""
        ti_op = self.table.transact_update(
            keys.ti_key(dag_id, run_id, task_id, -1),
            Update(set={**_identity(dag_id, run_id), "state": str(TIS.SCHEDULED), "map_length": length,
                        **fields}),
            Condition("attribute_not_exists(#st) OR #st = :none", {"#st": "state"}, {":none": str(TIS.NONE)}),
        )
        run_op = self.table.transact_update(keys.run_key(dag_id, run_id), Update(add={"tis_total": length - 1}))
        try:
            self.table.transact([ti_op, run_op])
        except ConditionFailed:
            return False
        return True

    def set_upstream_length(
        self, dag_id: str, run_id: str, task_id: str, upstream: str, length: int
    ) -> None:
        """Tell a downstream task instance how many instances a mapped upstream has."""
        self.table.update(
            keys.ti_key(dag_id, run_id, task_id, -1),
            Update(set={**_identity(dag_id, run_id), f"{UPSTREAM_LENGTH_PREFIX}{upstream}": length},
                   set_if_absent={"state": str(TIS.NONE), "try_number": 0}),
        )

    def batch_get(self, dag_id: str, run_id: str, task_ids: Sequence[str]) -> list[TaskInstance]:
        items = self.table.batch_get([keys.ti_key(dag_id, run_id, t) for t in task_ids])
        return [TaskInstance.from_item(i) for i in items]

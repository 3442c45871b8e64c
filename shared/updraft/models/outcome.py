"""Recording how a try ended: final, or up_for_retry with the retry handed to SQS or a timer."""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from updraft.dispatch.messages import TaskMessage
from updraft.models.records import DagRun, TaskInstance
from updraft.models.serialized import task_slot, tasks_by_id
from updraft.models.states import TaskInstanceState as TIS
from updraft.models.past import nudge_next_run
from updraft.models.taskinstance import advance, run_counters
from updraft.store.keys import ti_pk
from updraft.store.ti_history import record_try
from updraft.store.timers import timer_fields
from updraft.timeutil import iso, parse_iso

log = logging.getLogger("updraft.engine")


@dataclass
class Outcome:
    state: TIS
    error: str | None = None
    retry_allowed: bool = True
    skip_plan: Any = None  # an execution.context.SkipPlan from a branching operator
    rendered_fields: dict[str, Any] | None = None  # the try's template fields, as rendered
    rendered_map_index: str | None = None  # a mapped instance's name, from map_index_template
    retry_delay: Any = None  # a timedelta a retry policy set for the next retry (None: the task's)
    reschedule: Any = None  # an AirflowRescheduleException from a sensor in reschedule mode


def skip_plans(ti: TaskInstance) -> dict[str, tuple[set[str], bool]]:
    """The skips a finished task instance recorded, for repeating its dispatch."""
    if not ti.skip_downstream:
        return {}
    return {ti.task_id: (set(ti.skip_downstream), ti.skip_descendants)}


MAX_SQS_DELAY_SECONDS = 900

# Airflow's [core] max_task_retry_delay default: no computed backoff waits longer.
MAX_RETRY_DELAY_SECONDS = 24 * 60 * 60


def retry_delay(task: dict[str, Any], ti: TaskInstance, logical_date: datetime | None) -> timedelta:
    """The wait before the next try, as Airflow's next_retry_datetime: retry_delay, or with
    exponential backoff retry_delay * 2^(try-1) plus a jitter that is the same for the same
    task instance and try (so retries of many tasks spread out), capped by max_retry_delay."""
    delay = float(task.get("retry_delay") or 0)
    if not task.get("retry_exponential_backoff"):
        return timedelta(seconds=delay)
    try:
        min_backoff = max(math.ceil(delay * (2 ** (ti.try_number - 1))), 1)
    except OverflowError:
        min_backoff = MAX_RETRY_DELAY_SECONDS
    seed = f"{ti.dag_id}#{ti.task_id}#{logical_date}#{ti.try_number}".encode()
    ti_hash = int(hashlib.sha1(seed, usedforsecurity=False).hexdigest(), 16)
    wait = timedelta(seconds=min(min_backoff + ti_hash % min_backoff, MAX_RETRY_DELAY_SECONDS))
    cap = task.get("max_retry_delay")
    return min(wait, timedelta(seconds=float(cap))) if cap else wait


def record(
    services: Any, run: DagRun, serialized: dict[str, Any], ti: TaskInstance, outcome: Outcome, now: datetime
) -> None:
    """Write the try's outcome; a failure with tries left becomes up_for_retry."""
    task = tasks_by_id(serialized)[ti.task_id]
    started = ti.start_date
    duration = (now - datetime.fromisoformat(started)).total_seconds() if started else None
    common: dict[str, Any] = {"end_date": iso(now), "duration": duration, "error": outcome.error}
    if outcome.rendered_fields is not None:
        common["rendered_fields"] = outcome.rendered_fields
    if outcome.rendered_map_index is not None:
        common["rendered_map_index"] = outcome.rendered_map_index
    skips: dict[str, tuple[set[str], bool]] = {}
    if outcome.state is TIS.SUCCESS and outcome.skip_plan is not None and outcome.skip_plan.skip:
        # Kept on the item, so a repeated dispatch (after a crash) skips the same tasks.
        common["skip_downstream"] = sorted(outcome.skip_plan.skip)
        common["skip_descendants"] = outcome.skip_plan.descendants
        skips[ti.task_id] = (set(outcome.skip_plan.skip), outcome.skip_plan.descendants)
    if outcome.state is TIS.UP_FOR_RESCHEDULE:
        reschedule(services, run, ti, outcome, common, now, task_slot(serialized))
        return
    if outcome.state is TIS.FAILED and outcome.retry_allowed and ti.retries_left(int(task.get("retries", 0))):
        wait = outcome.retry_delay if outcome.retry_delay is not None else retry_delay(task, ti, parse_iso(run.logical_date))
        due = now + wait
        shard_of = f"{ti_pk(run.dag_id, run.run_id)}#{ti.task_id}"
        # When SQS can carry the wait, its delayed message runs the retry and the timer only
        # backs it up; beyond SQS's 15 minutes the scheduler's timer queues it.
        by_sqs = wait.total_seconds() <= MAX_SQS_DELAY_SECONDS
        timer_due = due + timedelta(seconds=services.settings.queued_timeout) if by_sqs else due
        if services.tis.set_up_for_retry(
            run.dag_id, run.run_id, ti.task_id, ti.map_index, ti.try_number,
            {**common, "next_retry_at": iso(due),
             **timer_fields(shard_of, timer_due, services.settings.timer_shards)},
            slot=task_slot(serialized),
        ):
            log.info("%s.%s try %s failed; retry at %s", run.dag_id, ti.task_id, ti.try_number, iso(due))
            # The API lists this try among the task instance's tries once the next one starts.
            record_try(services.table, ti, TIS.FAILED, end_date=common["end_date"], duration=duration,
                       error=outcome.error)
            if by_sqs:
                services.queue.send(
                    [TaskMessage(run.dag_id, run.run_id, ti.task_id, ti.try_number + 1, ti.map_index)],
                    delay_seconds=int(wait.total_seconds() + 0.999),
                )
        return
    if services.tis.finish(
        run.dag_id, run.run_id, ti.task_id, ti.map_index, outcome.state, from_state=TIS.RUNNING,
        try_number=ti.try_number, fields=common, run_counters=run_counters(task, outcome.state),
        slot=task_slot(serialized),
    ):
        advance(services, run, serialized, [(ti.task_id, outcome.state, ti.map_index)], now, skips=skips)
        if outcome.state in (TIS.SUCCESS, TIS.SKIPPED):
            nudge_next_run(services, run, task, ti.map_index, now)


def reschedule(
    services: Any, run: DagRun, ti: TaskInstance, outcome: Outcome, common: dict[str, Any], now: datetime,
    slot: Any = None,
) -> None:
    """A sensor that will poke again: up_for_reschedule, its worker freed. SQS brings it back
    when the wait fits a message delay; beyond that, the scheduler's timer does."""
    request = outcome.reschedule
    due = request.reschedule_date
    wait = max((due - now).total_seconds(), 0)
    by_sqs = wait <= MAX_SQS_DELAY_SECONDS
    shard_of = f"{ti_pk(run.dag_id, run.run_id)}#{ti.task_id}#{ti.map_index}"
    timer_due = due + timedelta(seconds=services.settings.queued_timeout) if by_sqs else due
    fields = {
        **{k: v for k, v in common.items() if k != "error"},
        "next_poke_at": iso(due),
        "first_poke_at": iso(request.started_at or now),
        "poke_count": request.poke_count,
        "poke_try": ti.try_number,
        **timer_fields(shard_of, timer_due, services.settings.timer_shards),
    }
    if services.tis.set_up_for_reschedule(run.dag_id, run.run_id, ti.task_id, ti.map_index, ti.try_number,
                                          fields, slot):
        log.info("%s.%s rescheduled to %s", run.dag_id, ti.task_id, iso(due))
        if by_sqs:
            services.queue.send(
                [TaskMessage(run.dag_id, run.run_id, ti.task_id, ti.try_number, ti.map_index)],
                delay_seconds=int(wait + 0.999),
            )

"""The worker's work for one SQS message: claim the try, run it, record it, dispatch onward.

A message may arrive twice and a worker may die at any point: the claim is a conditional
write, so a second delivery of a claimed try does nothing; one that finds the try already
finished repeats the (idempotent) dispatch in case the first worker died before it."""

from __future__ import annotations

import copy
import logging
import random
import time
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from updraft.dispatch.messages import TaskMessage
from updraft.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
)
from updraft.execution.airflow_vars import exported_context_vars
from updraft.execution.bundle import load_pinned_dag
from updraft.execution.callbacks import run_callbacks
from updraft.execution.context import (
    RuntimeTaskInstance,
    build_context,
    dag_callback_context,
    wants_previous_success,
)
from updraft.execution.current import set_current_context
from updraft.execution.logs import capture_task_log
from updraft.execution.masking import redact
from updraft.execution.timeout import kill_on_timeout, time_limit
from updraft.execution.xcom_results import push_result
from updraft.models.records import DagRun, TaskInstance
from updraft.models.states import FINISHED_STATES, DagRunState, TaskInstanceState as TIS
from updraft.models.outcome import Outcome, record, skip_plans
from updraft.models.serialized import task_slot
from updraft.models.taskinstance import advance
from updraft.store.bucket import dag_callback_log_key, log_key
from updraft.store.keys import ti_pk
from updraft.store.timers import timer_fields
from updraft.timeutil import iso, utcnow

log = logging.getLogger("updraft.worker")
task_log = logging.getLogger("updraft.task")

# How long a message for a task held back by max_active_tasks waits before it comes back.
THROTTLE_DELAY_SECONDS = 2

# How long past the worker's timeout a running task instance is presumed dead.
ZOMBIE_MARGIN_SECONDS = 60


def run_message(
    services: Any,
    body: str,
    clock: Callable[[], datetime] = utcnow,
    seconds_left: Callable[[], float] | None = None,
) -> None:
    message = TaskMessage.from_json(body)
    now = clock()
    if message.kind == "dag_callback":
        run_dag_callback(services, message)
        return
    if message.kind == "schedule_dag":
        from updraft.scheduling.scheduler import PassReport, schedule_dag

        schedule_dag(services, message.dag_id, now, PassReport(started_at=iso(now) or ""))
        return
    run = services.runs.get(message.dag_id, message.run_id, consistent=True)
    if run is None:
        log.warning("no DagRun %s %s for a task message; dropped", message.dag_id, message.run_id)
        return
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    shard_of = f"{ti_pk(message.dag_id, message.run_id)}#{message.task_id}"
    deadline = now + timedelta(seconds=services.settings.worker_timeout + ZOMBIE_MARGIN_SECONDS)
    claimed, found, throttled = services.tis.claim(
        message.dag_id, message.run_id, message.task_id, message.map_index, message.try_number,
        iso(now) or "",
        {"hostname": socket.gethostname(), **timer_fields(shard_of, deadline, services.settings.timer_shards)},
        slot=task_slot(serialized),
    )
    if throttled:
        # The DAG's max_active_tasks is reached: the task instance stays queued, and its
        # message comes back a little later.
        services.queue.send([message], delay_seconds=THROTTLE_DELAY_SECONDS + random.randint(0, 3))
        return
    recover = (
        claimed is None and found is not None and found.state in FINISHED_STATES
        and found.try_number == message.try_number
    )
    if claimed is None and not recover:
        log.info("message for %s.%s try %s found it %s; nothing to do", message.dag_id,
                 message.task_id, message.try_number, found.state if found else "absent")
        return
    if claimed is None:
        # The try finished, but its worker may have died before dispatching what follows
        # (nothing follows once the run itself is over).
        assert found is not None
        if run.state is not DagRunState.RUNNING:
            return
        advance(services, run, serialized, [(found.task_id, found.state, found.map_index)], now, recovering=True,
                skips=skip_plans(found))
        return
    outcome, log_text = execute(services, run, claimed, seconds_left() if seconds_left else None)
    key = log_key(run.dag_id, run.run_id, claimed.task_id, claimed.map_index, claimed.try_number)
    if claimed.poke_try == claimed.try_number:
        # Back after a reschedule: the try's log goes on (as Airflow appends to it), so a
        # sensor's earlier pokes and a long job's earlier log lines stay in it.
        log_text = (services.bucket.get(key) or b"").decode("utf-8", "replace") + log_text
    services.bucket.put(key, log_text)
    record(services, run, serialized, claimed, outcome, clock())


def execute(
    services: Any, run: DagRun, ti: TaskInstance, seconds_left: float | None = None
) -> tuple[Outcome, str]:
    """Run the task's operator with its log captured; returns the outcome and the log text.

    `seconds_left` is what remains of the worker Lambda's time: a task that would outlive it
    fails with an error that says so, rather than being killed without a word."""
    from updraft.execution.templates import render_map_index, render_template_fields, rendered_fields

    context: dict[str, Any] = {}
    task: Any = None
    rendered: dict[str, Any] | None = None
    with capture_task_log() as capture:
        task_log.info("Running %s.%s run_id=%s try=%s", run.dag_id, ti.task_id, run.run_id, ti.try_number)
        try:
            dag = load_pinned_dag(services, run)
            task = dag.get_task(ti.task_id)
            if getattr(task, "is_mapped", False):
                puller = RuntimeTaskInstance(task, run, ti.try_number, ti.map_index, services.xcoms)
                task = task.unmap(ti.map_index, lambda arg: puller.xcom_pull(task_ids=arg.operator.task_id, key=arg.key))
            else:
                task = copy.copy(task)
            runtime_ti = RuntimeTaskInstance(task, run, ti.try_number, ti.map_index, services.xcoms)
            runtime_ti.record = ti
            if seconds_left is not None:
                runtime_ti.lambda_deadline = time.monotonic() + seconds_left - LAMBDA_RESERVE_SECONDS
            previous = services.runs.previous_success(run) if wants_previous_success(task) else False
            context = build_context(dag, task, run, runtime_ti, previous)
            render_template_fields(task, context)
            rendered = rendered_fields(task)
            limit, make_error = _time_limit(task, seconds_left)
            with set_current_context(context), exported_context_vars(context), kill_on_timeout(task):
                result = _execute(task, context, limit, make_error)
            push_result(task, runtime_ti, result)
            outcome = Outcome(TIS.SUCCESS, skip_plan=runtime_ti.skip_plan)
        except AirflowRescheduleException as err:
            task_log.info("Rescheduling task, marking task as UP_FOR_RESCHEDULE: next poke at %s",
                          err.reschedule_date.isoformat())
            outcome = Outcome(TIS.UP_FOR_RESCHEDULE, reschedule=err)
        except AirflowSkipException as err:
            task_log.info("Skipping task: %s", err)
            outcome = Outcome(TIS.SKIPPED)
        except AirflowSensorTimeout as err:
            task_log.exception("Sensor timed out")
            outcome = Outcome(TIS.FAILED, f"{type(err).__name__}: {err}", retry_allowed=False)
        except AirflowFailException as err:
            task_log.exception("Task failed without retries")
            outcome = Outcome(TIS.FAILED, f"{type(err).__name__}: {err}", retry_allowed=False)
        except Exception as err:  # noqa: BLE001 - any error of user code fails the try
            task_log.exception("Task failed with exception")
            outcome = _failed(task, err, ti.try_number, context)
            context["exception"] = err
        if rendered is not None and getattr(task, "overwrite_rtif_after_execution", False):
            rendered = rendered_fields(task)  # @task.bash: the command it ran, not a placeholder
        try:
            outcome.rendered_map_index = render_map_index(task, context, succeeded=outcome.state is TIS.SUCCESS)
        except Exception as err:  # noqa: BLE001 - as in Airflow, a bad map_index_template fails the try
            task_log.exception("Task failed rendering map_index_template")
            outcome = Outcome(TIS.FAILED, f"{type(err).__name__}: {err}")
        _finish_log(outcome, task, ti, run, context)
        if outcome.error:
            outcome.error = redact(outcome.error)  # the error is shown in the API and the UI
    outcome.rendered_fields = rendered
    return outcome, capture.text()


def _failed(task: Any, err: BaseException, try_number: int, context: dict[str, Any]) -> Outcome:
    """The outcome of a try that raised: its retry policy (if any) may fail it now or set the
    next retry's delay; else the task's retries decide."""
    from updraft.authoring.retry_policy import RetryAction, decide_retry

    outcome = Outcome(TIS.FAILED, f"{type(err).__name__}: {err}")
    decision = decide_retry(task, err, try_number, context) if task is not None else None
    if decision is not None and decision.action is RetryAction.FAIL:
        outcome.retry_allowed = False
    elif decision is not None and decision.action is RetryAction.RETRY and decision.retry_delay is not None:
        outcome.retry_delay = decision.retry_delay
    return outcome


def _execute(task: Any, context: dict[str, Any], limit: float | None, make_error: Any) -> Any:
    """Airflow's order: the pre_execute hook and method, on_execute_callback, execute (within
    the time limit), then the post_execute hook (given the result) and method."""
    from updraft.authoring.baseoperator import BaseOperator

    if task._pre_execute_hook is not None:
        task._pre_execute_hook(context)
    if type(task).pre_execute is not BaseOperator.pre_execute:
        task.pre_execute(context)
    run_callbacks(task.on_execute_callback, context, "on_execute")
    with time_limit(limit, make_error):
        result = task.execute(context)
    if task._post_execute_hook is not None:
        task._post_execute_hook(context, result)
    if type(task).post_execute is not BaseOperator.post_execute:
        task.post_execute(context)
    return result


# Time kept back from the Lambda's limit to record the outcome and write the log.
LAMBDA_RESERVE_SECONDS = 10


def _time_limit(task: Any, seconds_left: float | None) -> tuple[float | None, Any]:
    """The tighter of execution_timeout and the Lambda's remaining time, with its error."""
    timeout = task.execution_timeout.total_seconds() if task.execution_timeout else None
    lambda_left = seconds_left - LAMBDA_RESERVE_SECONDS if seconds_left is not None else None
    if lambda_left is not None and (timeout is None or lambda_left < timeout):
        return max(lambda_left, 0.1), lambda: AirflowTaskTimeout(
            f"Task {task.task_id} ran for the worker Lambda's whole time limit and was stopped. "
            "Work longer than a Lambda allows belongs on an engine made for it: submit it with "
            "EcsRunTaskOperator or BatchOperator, which wait without holding a worker."
        )
    return timeout, lambda: AirflowTaskTimeout(f"Timeout, task {task.task_id} ran longer than {timeout} seconds")


def _finish_log(outcome: Outcome, task: Any, ti: TaskInstance, run: DagRun, context: dict[str, Any]) -> None:
    """Airflow's closing lines and the task's callbacks, in the try's log."""
    if task is None or not context:
        return
    if outcome.state is TIS.SUCCESS:
        task_log.info("Marking task as SUCCESS. dag_id=%s, task_id=%s, run_id=%s",
                      run.dag_id, ti.task_id, run.run_id)
        run_callbacks(task.on_success_callback, context, "on_success")
    elif outcome.state is TIS.UP_FOR_RESCHEDULE:
        return
    elif outcome.state is TIS.SKIPPED:
        run_callbacks(task.on_skipped_callback, context, "on_skipped")
    elif outcome.retry_allowed and ti.retries_left(task.retries):
        from updraft.notifications.email import email_alert  # a failing try's, not every worker's

        task_log.info("Marking task as UP_FOR_RETRY. dag_id=%s, task_id=%s, run_id=%s",
                      run.dag_id, ti.task_id, run.run_id)
        run_callbacks(task.on_retry_callback, context, "on_retry")
        email_alert(task, context, outcome.error, retry=True)  # email_on_retry, through SES
    else:
        from updraft.notifications.email import email_alert

        task_log.info("Marking task as FAILED. dag_id=%s, task_id=%s, run_id=%s",
                      run.dag_id, ti.task_id, run.run_id)
        run_callbacks(task.on_failure_callback, context, "on_failure")
        email_alert(task, context, outcome.error, retry=False)  # email_on_failure, through SES


def run_dag_callback(services: Any, message: TaskMessage) -> None:
    """The DAG's on_success_callback / on_failure_callback for a finished run, with its log
    kept beside the run's task logs."""
    run = services.runs.get(message.dag_id, message.run_id, consistent=True)
    if run is None or not services.runs.claim_callback(run.dag_id, run.run_id, message.reason or ""):
        return
    with capture_task_log() as capture:
        try:
            dag = load_pinned_dag(services, run)
            callback = dag.on_success_callback if run.state is DagRunState.SUCCESS else dag.on_failure_callback
            context = dag_callback_context(dag, run, message.reason or "")
            run_callbacks(callback, context, f"DAG on_{'success' if run.state is DagRunState.SUCCESS else 'failure'}")
        except Exception:  # noqa: BLE001 - the run's state stands whatever its callback does
            task_log.exception("DAG callback of %s %s failed", run.dag_id, run.run_id)
    services.bucket.put(dag_callback_log_key(run.dag_id, run.run_id), capture.text())

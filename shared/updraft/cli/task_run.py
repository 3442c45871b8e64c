"""`updraft tasks test` and `updraft tasks render`: one task instance of a DAG parsed here, for
a run made up for the occasion (a manual run at the logical date), never recorded anywhere.

`tasks test` runs the operator as the worker does (execution.worker.execute: templates, the
context, callbacks, the log captured) on a throwaway local stack in this process, so that
XCom calls, variables and connections have a store to talk to; `tasks render` only renders
the template fields, against the same context, with no stack at all."""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from updraft.cli.errors import CliError, task_not_found
from updraft.models.records import DagRun, TaskInstance
from updraft.models.states import DagRunState, DagRunType, TaskInstanceState as TIS


def synthetic_run(
    dag: Any, fileloc: str, logical_date: datetime | None, now: datetime,
    manifest: dict[str, str] | None = None,
) -> DagRun:
    """A manual run at `logical_date` (default: now), with the timetable's manual interval."""
    from updraft.scheduling import run_id_for
    from updraft.timeutil import iso

    logical = logical_date or now
    interval = dag.timetable.infer_manual_data_interval(run_after=logical)
    manifest = dict(manifest or {})
    return DagRun(
        dag_id=dag.dag_id,
        run_id=run_id_for(DagRunType.MANUAL, logical, logical),
        run_type=str(DagRunType.MANUAL),
        state=DagRunState.RUNNING,
        logical_date=iso(logical),
        data_interval_start=iso(interval.start),
        data_interval_end=iso(interval.end),
        run_after=iso(logical) or "",
        fileloc=fileloc,
        bundle_version=manifest.get(fileloc),
        bundle_manifest=manifest,
        start_date=iso(now),
        triggered_by="test",
    )


def check_task(dag: Any, task_id: str, map_index: int) -> Any:
    """The task, refused with the closest task id when unknown, or a map index that does not fit."""
    if task_id not in dag.task_dict:
        raise task_not_found(dag.dag_id, task_id, dag.task_dict)
    task = dag.task_dict[task_id]
    mapped = bool(getattr(task, "is_mapped", False))
    if mapped and map_index < 0:
        raise CliError(f"Task '{task_id}' is mapped: name one of its instances with --map-index N")
    if not mapped and map_index >= 0:
        raise CliError(f"--map-index {map_index} given, but task '{task_id}' is not mapped")
    return task


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set (`--env-vars`), as it was afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_task_test(
    dag_id: str,
    task_id: str,
    *,
    dags_folder: Path,
    logical_date: datetime | None = None,
    task_params: dict[str, Any] | None = None,
    env_vars: dict[str, str] | None = None,
    map_index: int = -1,
    out: TextIO | None = None,
    now: datetime | None = None,
) -> TIS:
    """Run one task instance as the worker would, print its log; returns the state it ended in."""
    from updraft.cli.dag_test import folder_files, project_root
    from updraft.cli.local_dags import find_local_dag
    from updraft.config import Settings
    from updraft.execution.bundle import load_pinned_dag
    from updraft.execution.worker import execute
    from updraft.local.stack import LocalStack
    from updraft.services import Services
    from updraft.store.bucket import DAGS_PREFIX
    from updraft.timeutil import utcnow

    out = out or sys.stdout
    with environment(env_vars or {}):
        found = find_local_dag(dags_folder, dag_id)
        check_task(found.dag, task_id, map_index)
        with tempfile.TemporaryDirectory(prefix="updraft-task-test-") as bundles:
            # Only this process uses the stack, and it invokes no handler: see `dags test`.
            stack = LocalStack(project_root(), env_overrides={"UPDRAFT_BUNDLE_DIR": bundles},
                               in_process=True, lazy_handlers=True)
            stack.start()
            try:
                services = Services.from_settings(Settings.from_env(), session=stack.session)
                manifest = {}
                for path in folder_files(found.folder):
                    key = DAGS_PREFIX + path.relative_to(found.folder).as_posix()
                    manifest[key] = services.bucket.put(key, path.read_bytes()) or "null"
                run = synthetic_run(found.dag, found.key, logical_date, now or utcnow(), manifest)
                dag = load_pinned_dag(services, run)  # what execute() loads too: the same object
                if task_params:
                    dag.get_task(task_id).params.update(task_params)
                ti = TaskInstance(dag_id, run.run_id, task_id, map_index, state=TIS.RUNNING, try_number=1)
                out.write(f"[{dag_id}] {task_id} for {run.run_id}: testing, nothing is recorded\n")
                out.flush()
                outcome, log_text = execute(services, run, ti)
            finally:
                stack.stop()
    out.write(log_text if log_text.endswith("\n") or not log_text else log_text + "\n")
    out.write(f"[{dag_id}] {task_id}: {outcome.state}\n")
    out.flush()
    return outcome.state


class NoXComs:
    """The XCom store `tasks render` gives its task instance: nothing is there, nothing kept."""

    def push(self, *args: Any) -> None:
        pass

    def get(self, *args: Any) -> tuple[bool, Any]:
        return False, None

    def get_all_indexes(self, *args: Any) -> list[Any]:
        return []

    def length(self, *args: Any) -> int | None:
        return None


def render_task(
    dag_id: str,
    task_id: str,
    *,
    dags_folder: Path,
    logical_date: datetime,
    map_index: int = -1,
    now: datetime | None = None,
) -> list[tuple[str, Any]]:
    """(field name, rendered value) for each template field of the task, as the worker renders
    them for a manual run at `logical_date`."""
    from updraft.cli.local_dags import find_local_dag
    from updraft.execution.context import RuntimeTaskInstance, build_context
    from updraft.execution.templates import render_template_fields
    from updraft.timeutil import utcnow

    found = find_local_dag(dags_folder, dag_id)
    task = check_task(found.dag, task_id, map_index)
    run = synthetic_run(found.dag, found.key, logical_date, now or utcnow())
    xcoms: Any = NoXComs()
    if getattr(task, "is_mapped", False):
        puller = RuntimeTaskInstance(task, run, 1, map_index, xcoms)
        try:
            task = task.unmap(map_index, lambda arg: puller.xcom_pull(task_ids=arg.operator.task_id, key=arg.key))
        except Exception as err:  # noqa: BLE001 - the instance's arguments come from absent XComs
            raise CliError(f"Cannot render instance {map_index} of mapped task '{task_id}': {err}") from None
    else:
        task = copy.copy(task)
    ti = RuntimeTaskInstance(task, run, 1, map_index, xcoms)
    context = build_context(found.dag, task, run, ti)
    try:
        render_template_fields(task, context)
    except Exception as err:  # noqa: BLE001 - a template error is the user's to see, in one line
        raise CliError(f"Rendering {dag_id}.{task_id} failed: {type(err).__name__}: {err}") from None
    return [(name, getattr(task, name, None)) for name in task.template_fields]

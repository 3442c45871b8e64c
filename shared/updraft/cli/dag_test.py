"""`updraft dags test`: one DagRun to completion in one process, through the real handlers on
the local stack (moto answering in this process), printing each task's state and log as it goes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from pathlib import Path
from typing import Any, TextIO

from updraft.exceptions import AirflowException, DagNotFound
from updraft.models.states import DagRunState, DagRunType, TaskInstanceState as TIS
from updraft.store.bucket import DAGS_PREFIX, log_key
from updraft.timeutil import coerce_datetime, utcnow

RUN_TIMEOUT_SECONDS = 3600
PROGRESS_SECONDS = 0.2  # how often the run is looked at while its tasks keep running


def project_root() -> Path:
    """The folder holding template.yaml and functions/ (the stack the local run emulates)."""
    env = os.environ.get("UPDRAFT_ROOT")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "template.yaml").exists() and (parent / "functions").is_dir():
            return parent
    cwd = Path.cwd()
    if (cwd / "template.yaml").exists():
        return cwd
    raise AirflowException("Cannot find template.yaml: run from the Updraft checkout or set UPDRAFT_ROOT")


def folder_files(folder: Path) -> list[Path]:
    """The files of a DAG folder that are uploaded: all of them but Python's caches."""
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


def upload_folder(
    bucket: Any, folder: Path, on_upload: Callable[[str], None] | None = None
) -> list[str]:
    """Put every file of the DAG folder under the bucket's dags/ prefix; returns the keys."""
    keys = []
    for path in folder_files(folder):
        key = DAGS_PREFIX + path.relative_to(folder).as_posix()
        bucket.put(key, path.read_bytes())
        keys.append(key)
        if on_upload is not None:
            on_upload(key)
    return keys


@dataclass
class Progress:
    """Prints each task instance's try as it ends, with its log."""

    services: Any
    dag_id: str
    run_id: str
    out: TextIO | None
    seen: set[tuple[str, int, int, str]] = field(default_factory=set)

    def report(self) -> None:
        for ti in sorted(self.services.tis.list(self.dag_id, self.run_id), key=lambda t: t.end_date or ""):
            if ti.state not in (TIS.SUCCESS, TIS.FAILED, TIS.SKIPPED, TIS.UPSTREAM_FAILED, TIS.UP_FOR_RETRY):
                continue
            mark = (ti.task_id, ti.map_index, ti.try_number, str(ti.state))
            if mark in self.seen:
                continue
            self.seen.add(mark)
            if self.out is None:
                continue
            self.out.write(f"[{self.dag_id}] {ti.task_id} try {ti.try_number}: {ti.state}\n")
            if ti.try_number > 0:
                body = self.services.bucket.get(
                    log_key(self.dag_id, self.run_id, ti.task_id, ti.map_index, ti.try_number)
                )
                if body:
                    for line in body.decode(errors="replace").splitlines():
                        self.out.write(f"    {line}\n")
            self.out.flush()


def run_dag_test(
    dag_id: str,
    *,
    dags_folder: Path,
    logical_date: str | None = None,
    conf: dict[str, Any] | None = None,
    out: TextIO | None = sys.stdout,
    timeout: float = RUN_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run one DagRun of `dag_id` on a fresh local stack; returns the run as a JSON document."""
    from updraft.config import Settings
    from updraft.local.stack import LocalStack
    from updraft.models.dagrun import create_dag_run, start_dag_run
    from updraft.scheduling import deserialize_timetable, run_id_for
    from updraft.services import Services

    if not dags_folder.is_dir():
        raise AirflowException(f"DAG folder {dags_folder} does not exist")
    # No other process needs this stack: moto answers in this one, and the API is never loaded.
    stack = LocalStack(project_root(), env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "true"},
                       in_process=True, lazy_handlers=True)
    stack.start()
    try:
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        keys = upload_folder(services.bucket, dags_folder)
        stack.run_until(lambda: _all_processed(services, keys), timeout=120)
        dag = services.dags.get(dag_id, consistent=True)
        if dag is None:
            errors = services.dags.list_import_errors()
            detail = "".join(f"\n{e['stack_trace']}" for e in errors)
            known = sorted(d["dag_id"] for d in services.dags.list_all())
            raise DagNotFound(
                f"Dag id {dag_id} not found in {dags_folder}"
                + (f" (found: {', '.join(known)})" if known else "")
                + (f"\nImport errors:{detail}" if errors else "")
            )
        now = utcnow()
        logical = coerce_datetime(logical_date) if logical_date else now
        assert logical is not None
        interval = deserialize_timetable(dag["timetable"]).infer_manual_data_interval(run_after=logical)
        run = create_dag_run(
            services, dag, run_id=run_id_for("manual", logical, logical), run_type=DagRunType.MANUAL,
            logical_date=logical, data_interval=(interval.start, interval.end), run_after=logical,
            now=now, conf=conf, triggered_by="test",
        )
        if out is not None:
            out.write(f"[{dag_id}] DagRun {run.run_id} created\n")
        start_dag_run(services, run, now)
        progress = Progress(services, dag_id, run.run_id, out)

        def finished() -> bool:
            progress.report()
            current = services.runs.get(dag_id, run.run_id, consistent=True)
            return current is not None and current.state in (DagRunState.SUCCESS, DagRunState.FAILED)

        # While tasks keep coming, look at the run (a Query and a GetItem) five times a second.
        if not stack.run_until(finished, timeout=timeout, tick_every=1.0, check_every=PROGRESS_SECONDS):
            raise AirflowException(f"DagRun {run.run_id} did not finish within {timeout} seconds")
        final = services.runs.get(dag_id, run.run_id, consistent=True)
        assert final is not None
        document = run_document(services, final, dag)
        if out is not None:
            out.write(f"[{dag_id}] DagRun {run.run_id} finished: {final.state}\n")
        return document
    finally:
        stack.stop()


def _all_processed(services: Any, keys: list[str]) -> bool:
    py = [k for k in keys if k.endswith(".py")]
    return all(services.dags.get_file(k) is not None for k in py)


def run_document(services: Any, run: Any, dag: dict[str, Any]) -> dict[str, Any]:
    """The run's state and, per task instance, its state, try number and XCom return value."""
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    stored = {(t.task_id, t.map_index): t for t in services.tis.list(run.dag_id, run.run_id)}
    xcoms = {
        (x["task_id"], int(x["map_index"])): x["value"]
        for x in services.xcoms.list(run.dag_id, run.run_id)
        if x["key"] == "return_value"
    }
    tis = []
    for task in serialized["tasks"]:
        parent = stored.get((task["task_id"], -1))
        # A mapped task expanded to N instances is those instances (as in Airflow); one not
        # expanded (yet, or to nothing) is its own record.
        length = (parent.map_length or 0) if parent is not None else 0
        indexes = list(range(length)) if task.get("is_mapped") and length else [-1]
        for map_index in indexes:
            ti = stored.get((task["task_id"], map_index))
            tis.append({
                "task_id": task["task_id"],
                "map_index": map_index,
                "state": str(ti.state) if ti and ti.state is not TIS.NONE else None,
                "try_number": ti.try_number if ti else 0,
                "xcom_return_value": xcoms.get((task["task_id"], map_index)),
            })
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": str(run.state),
        "logical_date": run.logical_date,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "task_instances": tis,
    }


def print_json(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


__all__ = ["folder_files", "project_root", "run_dag_test", "upload_folder"]

"""`updraft dags trigger|list-runs|state`: DagRuns on the stack."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from updraft.cli import parsing
from updraft.cli.output import print_rows
from updraft.models.records import DagRun
from updraft.models.states import FINISHED_STATES, DagRunState, TaskInstanceState as TIS

RUN_STATES = tuple(str(s) for s in DagRunState)
POLL_SECONDS = 0.5


def register(dags: Any) -> None:
    p = parsing.verb(
        dags, "trigger", "Trigger a new DAG run",
        description=(
            "Trigger a new DAG run of the DAG's current version, with its conf. With --wait, "
            "follow the run until it finishes (a progress bar on a terminal, one line per "
            "finished task instance otherwise) and exit non-zero if it failed."
        ),
        example=[
            "updraft dags trigger example_etl",
            "updraft dags trigger example_etl --conf '{\"source\": \"manual\"}' --wait",
            "updraft dags trigger example_etl -l 2024-03-01 -r backfill_march_1",
        ],
    )
    parsing.add_dag_id(p)
    p.add_argument("-r", "--run-id", help="Helps to identify this run")
    p.add_argument("-c", "--conf", help="JSON object that becomes the DagRun's conf, e.g. '{\"key\": \"value\"}'")
    p.add_argument("-l", "--logical-date", type=parsing.date_type(),
                   help=f"The logical date of the DAG run: {parsing.DATE_FORMATS}")
    p.add_argument("--wait", action="store_true",
                   help="Wait for the run to finish; exit non-zero if it failed")
    parsing.add_output(p, default=None)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_trigger)

    p = parsing.verb(
        dags, "list-runs", "List DAG runs given a DAG id",
        description=(
            "List DAG runs given a DAG id, the latest first. If state option is given, it will "
            "only search for all the dagruns with the given state. If start_date is given, it "
            "will filter out all the dagruns whose logical date is before it; if end_date is "
            "given, all those whose logical date is after it."
        ),
        example=[
            "updraft dags list-runs example_etl",
            "updraft dags list-runs example_etl --state failed -s 2024-03-01 -e 2024-03-31 -o json",
        ],
    )
    parsing.add_dag_id(p)
    p.add_argument("--state", choices=RUN_STATES, metavar=", ".join(RUN_STATES),
                   help="Only list the DAG runs corresponding to the state")
    p.add_argument("--no-backfill", action="store_true", help="Filter out the backfill dagruns")
    p.add_argument("--limit", type=parsing.positive_int, default=None,
                   help="Return a limited number of Dag runs, ordered by most recent run_after first")
    parsing.add_date_range(p, "list the runs")
    parsing.add_output(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_list_runs)

    p = parsing.verb(
        dags, "state", "Get the status of a dag run",
        description="Print the state of a DagRun (and its conf, if it has one); None if there is no such run.",
        example=[
            "updraft dags state example_etl 2024-03-01",
            "updraft dags state example_etl manual__2024-03-01T00:00:00+00:00",
        ],
    )
    parsing.add_dag_id(p)
    parsing.add_run(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_state)


def run_row(run: DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": str(run.state),
        "run_after": run.run_after,
        "logical_date": run.logical_date or "",
        "start_date": run.start_date or "",
        "end_date": run.end_date or "",
    }


def cmd_trigger(args: argparse.Namespace) -> int:
    from updraft.api.operations import trigger_dag_run
    from updraft.cli.errors import parse_json_object
    from updraft.cli.lookup import require_dag
    from updraft.cli.target import connect
    from updraft.timeutil import utcnow

    conf = parse_json_object(args.conf, "--conf")
    services = connect(args.stack)
    dag = require_dag(services, args.dag_id)
    run = trigger_dag_run(
        services, args.dag_id, run_id=args.run_id, logical_date=args.logical_date,
        conf=conf, triggered_by="cli", now=utcnow(),
    )
    if not args.output:
        print(f"Created DagRun {run.dag_id} {run.run_id} ({run.state})")
    if dag.get("is_paused") and run.state is DagRunState.QUEUED:
        print(f"[INFO] DAG {args.dag_id} is paused: the run stays queued until "
              f"`updraft dags unpause {args.dag_id}`.", file=sys.stderr)
    if args.wait:
        # With -o, the progress goes to stderr and the listing shows the finished run.
        run = wait_for_run(services, run, quiet=bool(args.output))
    if args.output:
        print_rows([run_row(run)], args.output)
    return 0 if not args.wait or run.state is DagRunState.SUCCESS else 1


def wait_for_run(
    services: Any,
    run: DagRun,
    *,
    quiet: bool = False,
    poll: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    out: Any = None,
) -> DagRun:
    """Follow a run until it is success or failed: each task instance that ends is shown
    (the bar counts them on a terminal), then the run's final state."""
    from updraft.cli.progress import Progress

    stream = out or (sys.stderr if quiet else sys.stdout)
    progress = Progress(run.tis_total, f"[{run.dag_id}]", out=stream)
    seen: set[tuple[str, int, int, str]] = set()
    current = run
    while True:
        current = services.runs.get(run.dag_id, run.run_id, consistent=True) or current
        finished = 0
        for ti in sorted(services.tis.list(run.dag_id, run.run_id), key=lambda t: t.end_date or ""):
            if ti.state not in FINISHED_STATES and ti.state is not TIS.UP_FOR_RETRY:
                continue
            if ti.state in FINISHED_STATES:
                finished += 1
            mark = (ti.task_id, ti.map_index, ti.try_number, str(ti.state))
            if mark not in seen:
                seen.add(mark)
                name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
                note = f"{name} try {ti.try_number}: {ti.state}"
                if progress.interactive:
                    progress.line(f"[{run.dag_id}] {note}")
                else:
                    progress.update(finished, f"[{run.dag_id}] {note}")
        progress.update(finished, total=max(current.tis_total, finished))
        if current.state in (DagRunState.SUCCESS, DagRunState.FAILED):
            break
        sleep(poll)
    progress.close()
    stream.write(f"[{run.dag_id}] DagRun {run.run_id} finished: {current.state}\n")
    stream.flush()
    return current


def cmd_list_runs(args: argparse.Namespace) -> int:
    from updraft.cli.lookup import all_runs, require_dag
    from updraft.cli.target import connect

    services = connect(args.stack)
    require_dag(services, args.dag_id)
    rows = []
    for run in all_runs(services, args.dag_id):
        if args.state and str(run.state) != args.state:
            continue
        if args.no_backfill and run.run_type == "backfill":
            continue
        if not in_range(run, args.start_date, args.end_date):
            continue
        rows.append(run_row(run))
        if args.limit and len(rows) >= args.limit:
            break
    print_rows(rows, args.output)
    return 0


def in_range(run: DagRun, start: datetime | None, end: datetime | None) -> bool:
    """Whether the run's logical date (its run_after when it has none) is within [start, end]."""
    if start is None and end is None:
        return True
    from updraft.timeutil import parse_iso

    when = parse_iso(run.logical_date) or parse_iso(run.run_after)
    if when is None:
        return False
    return (start is None or when >= start) and (end is None or when <= end)


def cmd_state(args: argparse.Namespace) -> int:
    from updraft.cli.lookup import find_run, require_dag
    from updraft.cli.target import connect

    services = connect(args.stack)
    require_dag(services, args.dag_id)
    run = find_run(services, args.dag_id, args.logical_date_or_run_id)
    if run is None:
        print(None)
    elif run.conf:
        print(f"{run.state}, {json.dumps(run.conf)}")
    else:
        print(run.state)
    return 0

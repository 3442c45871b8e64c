"""`updraft dags next-execution`: the next logical dates a DAG will run for.

From the stack, the first is the next run stored on the DAG's record (what the scheduler
will create) and the following ones come from its timetable; with --dags-folder the DAG
file is parsed here and every one comes from its timetable, as for a DAG seen for the
first time. The time is an argument, so the answer for any instant can be checked."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from updraft.cli import parsing
from updraft.cli.errors import CliError
from updraft.cli.output import print_rows
from updraft.timeutil import iso, parse_iso

if TYPE_CHECKING:
    from updraft.scheduling import DagRunInfo, DataInterval, Timetable

FIELDS = ("logical_date", "data_interval.start", "data_interval.end", "run_after")


def register(dags: Any) -> None:
    p = parsing.verb(
        dags, "next-execution", "Get the next logical datetimes of a DAG",
        description=(
            "Get the next logical datetimes of a DAG. It returns one execution unless the "
            "num-executions option is given. By default the DAG is read from the stack; with "
            "--dags-folder its file is parsed here instead."
        ),
        example=[
            "updraft dags next-execution example_etl",
            "updraft dags next-execution example_fan_out_fan_in -n 5 -o json",
            "updraft dags next-execution my_dag --dags-folder dags/ --field run_after",
        ],
    )
    parsing.add_dag_id(p)
    p.add_argument("-n", "--num-executions", type=parsing.positive_int, default=1, metavar="N",
                   help="The number of next executions to show")
    p.add_argument("--table", action="store_true",
                   help="Show a table of the attributes of the next executions (as -o table)")
    p.add_argument("--field", choices=FIELDS, default=None,
                   help="Show this attribute of the next executions instead of the logical date")
    parsing.add_dags_folder(p, "Parse the DAG from this folder's files instead of reading the stack")
    parsing.add_output(p, default=None)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_next_execution)


def next_executions(
    timetable: Timetable,
    *,
    start_date: datetime | None,
    end_date: datetime | None,
    catchup: bool,
    count: int,
    now: datetime,
    last_interval: DataInterval | None = None,
    first: DagRunInfo | None = None,
    first_known: bool = False,
) -> list[DagRunInfo | None]:
    """The next `count` runs; a None ends the list when the timetable has no more.

    `first` (with `first_known`) is the next run as already worked out (the stack's record);
    otherwise it comes from the timetable after `last_interval`, with the DAG's start date,
    end date and catchup. The following runs follow one another (catchup on, as Airflow's
    CLI lists them), and stop at the end date."""
    from updraft.scheduling import TimeRestriction

    if not first_known:
        first = timetable.next_dagrun_info(
            last_automated_data_interval=last_interval,
            restriction=TimeRestriction(earliest=start_date, latest=end_date, catchup=catchup),
            now=now,
        )
    infos: list[DagRunInfo | None] = [first]
    following = TimeRestriction(earliest=start_date, latest=end_date, catchup=True)
    info = first
    while info is not None and len(infos) < count:
        info = timetable.next_dagrun_info(
            last_automated_data_interval=info.data_interval, restriction=following, now=now
        )
        infos.append(info)
    return infos


def from_record(dag: dict[str, Any], count: int, now: datetime) -> list[DagRunInfo | None]:
    """Next executions of a DAG as the stack has it: its stored next run, then its timetable."""
    from updraft.scheduling import DagRunInfo, DataInterval, deserialize_timetable

    first = None
    if dag.get("next_dagrun_data_interval_start") and dag.get("next_dagrun_data_interval_end"):
        interval = DataInterval(
            parse_iso(dag["next_dagrun_data_interval_start"]),  # type: ignore[arg-type]
            parse_iso(dag["next_dagrun_data_interval_end"]),  # type: ignore[arg-type]
        )
        first = DagRunInfo(
            run_after=parse_iso(dag.get("next_dagrun_create_after")) or interval.end,
            data_interval=interval,
            logical_date=parse_iso(dag.get("next_dagrun")) or interval.start,
        )
    return next_executions(
        deserialize_timetable(dag["timetable"]),
        start_date=parse_iso(dag.get("start_date")), end_date=parse_iso(dag.get("end_date")),
        catchup=bool(dag.get("catchup")), count=count, now=now, first=first, first_known=True,
    )


def from_dag(dag: Any, count: int, now: datetime) -> list[DagRunInfo | None]:
    """Next executions of a DAG parsed from its file, never run yet."""
    return next_executions(
        dag.timetable, start_date=dag.start_date, end_date=dag.end_date, catchup=dag.catchup,
        count=count, now=now,
    )


def info_row(info: DagRunInfo) -> dict[str, Any]:
    return {
        "logical_date": iso(info.logical_date),
        "data_interval_start": iso(info.data_interval.start),
        "data_interval_end": iso(info.data_interval.end),
        "run_after": iso(info.run_after),
    }


def cmd_next_execution(args: argparse.Namespace, now: datetime | None = None) -> int:
    from updraft.timeutil import utcnow

    if args.table and args.field:
        raise CliError("Cannot use --table and --field together")
    now = now or utcnow()
    if args.dags_folder is not None:
        from updraft.cli.local_dags import dags_folder, find_local_dag

        found = find_local_dag(dags_folder(args.dags_folder), args.dag_id)
        infos = from_dag(found.dag, args.num_executions, now)
    else:
        from updraft.cli.lookup import require_dag
        from updraft.cli.target import connect

        dag = require_dag(connect(args.stack), args.dag_id)
        if dag.get("is_paused"):
            print("[INFO] Please be reminded this DAG is PAUSED now.", file=sys.stderr)
        infos = from_record(dag, args.num_executions, now)
    output = "table" if args.table else args.output
    if output:
        print_rows([info_row(i) for i in infos if i is not None], output)
    for info in infos:
        if info is None:
            print("[WARN] No following schedule can be found. "
                  "This DAG may have schedule interval '@once' or `None`.", file=sys.stderr)
            if not output:
                print(None)
        elif not output:
            print(_field(info, args.field or "logical_date"))
    return 0


def _field(info: DagRunInfo, name: str) -> str | None:
    value = {
        "logical_date": info.logical_date,
        "data_interval.start": info.data_interval.start,
        "data_interval.end": info.data_interval.end,
        "run_after": info.run_after,
    }[name]
    return iso(value)

"""`updraft backfill create`: runs for every logical date in a range, as Airflow 3's."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from updraft.cli.errors import date_type, parse_json_object
from updraft.cli.parsing import add_stack, examples, positive_int


def register(sub: Any) -> None:
    group = sub.add_parser(
        "backfill", help="Manage backfills",
        description="Create runs of a DAG for past logical dates.",
    ).add_subparsers(dest="backfill_command", metavar="VERB", required=True)
    p = group.add_parser(
        "create", help="Create a backfill for a DAG between two dates",
        description=(
            "Create one run (of type backfill) for every logical date the DAG's schedule gives "
            "between --from-date and --to-date, inclusive. The runs start a few at a time "
            "(--max-active-runs); running the same command again creates no duplicates. On a "
            "terminal a progress bar follows the runs until they end."
        ),
        epilog=examples(
            "updraft backfill create --dag-id example_etl --from-date 2024-01-01 --to-date 2024-01-31",
            "updraft backfill create --dag-id example_etl --from-date 2024-01-01 --to-date 2024-01-07 "
            "--reprocess-behavior failed --run-backwards --dry-run",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--dag-id", required=True, help="The id of the dag to backfill")
    p.add_argument("--from-date", required=True, type=date_type(), help="Earliest logical date to backfill")
    p.add_argument("--to-date", required=True, type=date_type(), help="Latest logical date to backfill")
    p.add_argument("--dag-run-conf", help="JSON conf for every run of the backfill")
    p.add_argument("--run-backwards", action="store_true", help="Run the latest logical dates first")
    p.add_argument("--max-active-runs", type=positive_int, default=10,
                   help="How many of the backfill's runs may be running at once (default 10)")
    p.add_argument("--reprocess-behavior", choices=["none", "failed", "completed"], default="none",
                   help="What to do with logical dates that already have a run: none (skip them), "
                        "failed (run the failed ones again), completed (run all of them again)")
    p.add_argument("--dry-run", action="store_true", help="Print what would be run, and create nothing")
    p.add_argument("--no-wait", action="store_true", help="Return once the runs are created, even on a terminal")
    add_stack(p)
    p.set_defaults(func=cmd_create)


def cmd_create(args: argparse.Namespace) -> int:
    from updraft.cli.progress import Progress
    from updraft.cli.target import connect
    from updraft.models.backfill import backfill_progress, create_backfill
    from updraft.timeutil import utcnow

    services = connect(args.stack)
    backfill = create_backfill(
        services, args.dag_id, args.from_date, args.to_date, now=utcnow(),
        reprocess_behavior=args.reprocess_behavior, max_active_runs=args.max_active_runs,
        run_backwards=args.run_backwards,
        dag_run_conf=parse_json_object(args.dag_run_conf, "--dag-run-conf"), dry_run=args.dry_run,
    )
    heading = "Dry run of creating backfill" if args.dry_run else f"Created backfill {backfill.backfill_id}"
    print(f"{heading} for dag {args.dag_id}:")
    for entry in backfill.entries:
        reason = f" ({entry.reason})" if entry.reason else ""
        print(f"  - {entry.logical_date.isoformat()}: {entry.action} {entry.run_id}{reason}")
    if args.dry_run or args.no_wait or not backfill.run_ids or not sys.stdout.isatty():
        return 0
    progress = Progress(len(backfill.run_ids), "backfill")
    while True:
        counts = backfill_progress(services, args.dag_id, backfill.run_ids)
        done = counts.get("success", 0) + counts.get("failed", 0)
        progress.update(done, ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if done >= len(backfill.run_ids):
            progress.close()
            return 1 if counts.get("failed") else 0
        time.sleep(1)

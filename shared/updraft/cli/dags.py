"""`updraft dags …`: list, upload, pause, unpause, delete and test DAGs; their runs are in
cli/dag_runs.py, their next runs in cli/next_execution.py."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from updraft.cli import parsing
from updraft.cli.output import print_rows


def default_dags_folder() -> Path:
    from updraft.cli.dag_test import project_root

    try:
        return project_root() / "examples" / "dags"
    except Exception:  # noqa: BLE001 - outside a checkout the current folder's dags/ is meant
        return Path("dags")


def register(sub: Any) -> None:
    from updraft.cli import dag_runs, next_execution

    group = sub.add_parser(
        "dags", help="Manage DAGs",
        description="Manage DAGs: list, upload, trigger, pause, inspect their runs, delete and test them.",
        epilog=parsing.examples(
            "updraft dags list",
            "updraft dags upload my_dags/",
            "updraft dags trigger example_etl --wait",
            "updraft dags list-runs example_etl --state failed",
        ),
    )
    dags = group.add_subparsers(dest="dags_command", metavar="VERB", required=True)

    p = parsing.verb(dags, "list", "List all the DAGs", example=["updraft dags list -o json"])
    parsing.add_output(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_list)

    p = parsing.verb(
        dags, "list-import-errors", "List all the DAGs that have import errors",
        description=(
            "List the DAG files that failed to import, with the error (file and line first). "
            "Exits non-zero when there is one, as Airflow does."
        ),
        example=["updraft dags list-import-errors", "updraft dags list-import-errors -o json"],
    )
    parsing.add_output(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_list_import_errors)

    p = parsing.verb(
        dags, "upload", "Upload a DAG file or folder to the stack's DAG bucket",
        description=(
            "Put a DAG file, or every file of a folder (helper modules, templates and data too), "
            "under the DAG bucket's dags/ prefix. The dag processor parses new and changed "
            "files within seconds; `dags list-import-errors` shows the files that failed."
        ),
        example=["updraft dags upload dags/", "updraft dags upload dags/etl.py --stack my-updraft"],
    )
    p.add_argument("path", type=Path, metavar="PATH", help="A DAG file, or a folder of them")
    parsing.add_stack(p)
    p.set_defaults(func=cmd_upload)

    dag_runs.register(dags)

    for verb, paused in (("pause", True), ("unpause", False)):
        p = parsing.verb(
            dags, verb, "Pause a DAG" if paused else "Resume a paused DAG",
            description=(
                "Pause a DAG: the scheduler creates no new runs of it." if paused else
                "Resume a paused DAG: the scheduler creates its runs again, from its next "
                "interval (with catchup, from the last one it ran)."
            ),
            example=[f"updraft dags {verb} example_etl"],
        )
        parsing.add_dag_id(p)
        parsing.add_stack(p)
        p.set_defaults(func=cmd_pause, paused=paused)

    next_execution.register(dags)

    p = parsing.verb(
        dags, "delete", "Delete all the records of a DAG",
        description=(
            "Delete the DAG's records: its summary, serialized versions, runs, task instances "
            "and XComs. Its files stay in the bucket (so the DAG comes back when its file is "
            "uploaded again) and so do its task logs, as in Airflow."
        ),
        example=["updraft dags delete my_old_dag", "updraft dags delete my_old_dag -y"],
    )
    parsing.add_dag_id(p)
    parsing.add_yes(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_delete)

    p = parsing.verb(
        dags, "test", "Execute one single DagRun",
        description=(
            "Execute one single DagRun for a given DAG and logical date, in this process, on a "
            "throwaway local stack (moto answering in this process): each task's state and log is "
            "printed as it ends. Exits non-zero if the run fails."
        ),
        example=[
            "updraft dags test example_etl",
            "updraft dags test example_etl 2024-03-01 -o json",
            "updraft dags test my_dag --dags-folder dags/ --conf '{\"full\": true}'",
        ],
    )
    parsing.add_dag_id(p)
    parsing.add_logical_date(p, optional=True)
    parsing.add_dags_folder(p)
    p.add_argument("-c", "--conf", help="JSON object that becomes the DagRun's conf")
    p.add_argument("-o", "--output", choices=["text", "json"], default="text",
                   help="json: print one JSON document with the run and its task instances")
    p.set_defaults(func=cmd_test)


def cmd_list(args: argparse.Namespace) -> int:
    from updraft.cli.target import connect

    services = connect(args.stack)
    rows = [
        {
            "dag_id": d["dag_id"],
            "fileloc": d.get("fileloc"),
            "owners": d.get("owners"),
            "is_paused": d.get("is_paused"),
            "schedule": d.get("timetable_summary"),
            "next_dagrun": d.get("next_dagrun"),
        }
        for d in services.dags.list_all()
        if d.get("is_active", True)
    ]
    print_rows(rows, args.output)
    return 0


def cmd_list_import_errors(args: argparse.Namespace) -> int:
    from updraft.cli.target import connect

    services = connect(args.stack)
    rows = [
        {"filepath": e.get("filename"), "error": e.get("stack_trace"), "timestamp": e.get("timestamp")}
        for e in sorted(services.dags.list_import_errors(), key=lambda e: e.get("filename") or "")
    ]
    print_rows(rows, args.output)
    return 1 if rows else 0


def cmd_upload(args: argparse.Namespace) -> int:
    from updraft.cli.dag_test import folder_files, upload_folder
    from updraft.cli.errors import CliError
    from updraft.cli.progress import Progress
    from updraft.cli.target import connect
    from updraft.store.bucket import DAGS_PREFIX

    path: Path = args.path
    if not path.exists():
        raise CliError(f"argument PATH: {path} is neither a file nor a folder")
    services = connect(args.stack)
    if path.is_file():
        key = DAGS_PREFIX + path.name
        services.bucket.put(key, path.read_bytes())
        print(f"uploaded s3://{services.bucket.name}/{key}")
        return 0
    progress = Progress(len(folder_files(path)), "uploading")
    done = 0

    def uploaded(key: str) -> None:
        nonlocal done
        done += 1
        progress.update(done, key if progress.interactive else f"uploaded s3://{services.bucket.name}/{key}")

    keys = upload_folder(services.bucket, path, on_upload=uploaded)
    progress.close()
    if progress.interactive:
        print(f"uploaded {len(keys)} files to s3://{services.bucket.name}/{DAGS_PREFIX}")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    from updraft.api.operations import set_paused
    from updraft.cli.lookup import require_dag
    from updraft.cli.target import connect
    from updraft.timeutil import utcnow

    services = connect(args.stack)
    require_dag(services, args.dag_id)
    set_paused(services, args.dag_id, args.paused, utcnow())
    print(f"Dag: {args.dag_id}, paused: {args.paused}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from updraft.cli.errors import confirm, dag_not_found
    from updraft.cli.target import connect
    from updraft.store.deletion import delete_dag_records

    services = connect(args.stack)
    if services.dags.get(args.dag_id, consistent=True) is None:
        raise dag_not_found(args.dag_id, [d["dag_id"] for d in services.dags.list_all()])
    question = "This will drop all existing records related to the specified DAG. Proceed? (y/n)"
    if not args.yes and not confirm(question):
        print("Cancelled")
        return 0
    count = delete_dag_records(services.table, services.bucket, args.dag_id)
    print(f"Removed {count} record(s)")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    import sys

    from updraft.cli.dag_test import print_json, run_dag_test
    from updraft.cli.errors import parse_json_object
    from updraft.timeutil import iso

    folder = args.dags_folder or default_dags_folder()
    as_json = args.output == "json"
    document = run_dag_test(
        args.dag_id, dags_folder=folder, logical_date=iso(args.logical_date),
        conf=parse_json_object(args.conf, "--conf"), out=None if as_json else sys.stdout,
    )
    if as_json:
        print_json(document)
    return 0 if document["state"] == "success" else 1

"""`updraft dags …`: list, upload, trigger, pause, unpause and test DAGs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from updraft.cli.output import print_rows


def default_dags_folder() -> Path:
    from updraft.cli.dag_test import project_root

    try:
        return project_root() / "examples" / "dags"
    except Exception:  # noqa: BLE001 - outside a checkout the current folder's dags/ is meant
        return Path("dags")


def _conf(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--conf is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise ValueError("--conf must be a JSON object, e.g. '{\"key\": \"value\"}'")
    return value


def register(sub: Any) -> None:
    dags = sub.add_parser("dags", help="Manage DAGs").add_subparsers(dest="dags_command", metavar="VERB", required=True)

    def with_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--stack", help="A deployed stack's name (default: the running local stack)")
        return p

    def with_output(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("-o", "--output", choices=["table", "json", "yaml", "plain"], default="table")
        return p

    p = with_output(with_stack(dags.add_parser("list", help="List the DAGs")))
    p.set_defaults(func=cmd_list)

    p = with_stack(dags.add_parser("upload", help="Upload a DAG file or folder to the stack's DAG bucket"))
    p.add_argument("path", type=Path)
    p.set_defaults(func=cmd_upload)

    p = with_stack(dags.add_parser("trigger", help="Trigger a DAG run"))
    p.add_argument("dag_id")
    p.add_argument("-c", "--conf", help="JSON conf for the run")
    p.add_argument("-l", "--logical-date", help="The run's logical date (ISO 8601)")
    p.add_argument("-r", "--run-id", help="The run's id")
    p.set_defaults(func=cmd_trigger)

    for verb, paused in (("pause", True), ("unpause", False)):
        p = with_stack(dags.add_parser(verb, help=f"{verb.capitalize()} a DAG"))
        p.add_argument("dag_id")
        p.set_defaults(func=cmd_pause, paused=paused)

    p = dags.add_parser("test", help="Run one DagRun to completion in this process, on the local stack")
    p.add_argument("dag_id")
    p.add_argument("logical_date", nargs="?", help="The run's logical date (default: now)")
    p.add_argument("--dags-folder", type=Path, default=None, help="Folder of DAG files (default: examples/dags)")
    p.add_argument("-c", "--conf", help="JSON conf for the run")
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


def cmd_upload(args: argparse.Namespace) -> int:
    from updraft.cli.dag_test import upload_folder
    from updraft.cli.target import connect
    from updraft.store.bucket import DAGS_PREFIX

    services = connect(args.stack)
    path: Path = args.path
    if path.is_dir():
        keys = upload_folder(services.bucket, path)
    elif path.is_file():
        key = DAGS_PREFIX + path.name
        services.bucket.put(key, path.read_bytes())
        keys = [key]
    else:
        raise ValueError(f"{path} is neither a file nor a folder")
    for key in keys:
        print(f"uploaded s3://{services.bucket.name}/{key}")
    return 0


def cmd_trigger(args: argparse.Namespace) -> int:
    from updraft.api.operations import trigger_dag_run
    from updraft.cli.target import connect
    from updraft.timeutil import coerce_datetime, utcnow

    services = connect(args.stack)
    run = trigger_dag_run(
        services, args.dag_id, run_id=args.run_id,
        logical_date=coerce_datetime(args.logical_date) if args.logical_date else None,
        conf=_conf(args.conf), triggered_by="cli", now=utcnow(),
    )
    print(f"Created DagRun {run.dag_id} {run.run_id} ({run.state})")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    from updraft.api.operations import set_paused
    from updraft.cli.target import connect
    from updraft.timeutil import utcnow

    services = connect(args.stack)
    set_paused(services, args.dag_id, args.paused, utcnow())
    print(f"Dag: {args.dag_id}, paused: {args.paused}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    import sys

    from updraft.cli.dag_test import print_json, run_dag_test

    folder = args.dags_folder or default_dags_folder()
    as_json = args.output == "json"
    document = run_dag_test(
        args.dag_id, dags_folder=folder, logical_date=args.logical_date, conf=_conf(args.conf),
        out=None if as_json else sys.stdout,
    )
    if as_json:
        print_json(document)
    return 0 if document["state"] == "success" else 1

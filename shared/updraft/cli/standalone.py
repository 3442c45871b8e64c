"""`updraft standalone`: the whole stack on this machine — moto for AWS, the real handlers
wired as the template wires them, the API on localhost — until stopped."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from updraft.cli.parsing import examples


def register(sub: Any) -> None:
    p = sub.add_parser(
        "standalone", help="Run the whole stack locally (moto on loopback) until stopped",
        description=(
            "Run the whole stack on this machine until stopped: a moto server stands in for AWS, "
            "the resources are made from template.yaml and the real handlers are driven by "
            "AWS-shaped S3, SQS and schedule events. The API and UI are served on localhost. "
            "While it runs, every other command talks to it."
        ),
        epilog=examples(
            "updraft standalone",
            "updraft standalone --dags-folder my_dags/ --port 8081 --unpause",
        ),
    )
    p.add_argument("--dags-folder", type=Path, default=None, help="Folder of DAG files (default: examples/dags)")
    p.add_argument("--port", type=int, default=8080, help="Port of the REST API (default 8080)")
    p.add_argument("--moto-port", type=int, default=None, help="Port of the moto server (default: a free one)")
    p.add_argument("--tick", type=float, default=None,
                   help="Seconds between scheduler passes (default: the template's SchedulerRate)")
    p.add_argument("--unpause", action="store_true", help="Start new DAGs unpaused")
    p.set_defaults(func=cmd_standalone)


def cmd_standalone(args: argparse.Namespace) -> int:
    from updraft.cli.dag_test import project_root, upload_folder
    from updraft.cli.dags import default_dags_folder
    from updraft.cli.target import clear_standalone_state, updraft_home, write_standalone_state
    from updraft.cli.users import ensure_admin
    from updraft.config import Settings
    from updraft.local.stack import LocalStack
    from updraft.services import Services

    folder = args.dags_folder or default_dags_folder()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)
    for name in ("updraft.engine", "updraft.scheduler", "updraft.dag_processor", "updraft.worker"):
        logging.getLogger(name).setLevel(logging.INFO)
    overrides = {"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false" if args.unpause else "true"}
    stack = LocalStack(project_root(), moto_port=args.moto_port, env_overrides=overrides)
    stack.start()
    try:
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        env = {k: v for k, v in stack.environment.items()}
        write_standalone_state(stack.moto.url, env, api_url=f"http://127.0.0.1:{args.port}/api/v2")
        if folder.is_dir():
            keys = upload_folder(services.bucket, folder)
            print(f"Uploaded {len(keys)} files from {folder}")
        login = ensure_admin(services, updraft_home() / "standalone_admin_password")
        print(f"Updraft is running: UI on http://127.0.0.1:{args.port}/, API on http://127.0.0.1:{args.port}/api/v2, "
              f"AWS (moto) on {stack.moto.url}")
        if login:
            print(f"Login with username: {login[0]}  password: {login[1]}  "
                  f"(POST http://127.0.0.1:{args.port}/auth/token for a token; more users: updraft users create)")
        print("Try: updraft dags list; updraft dags trigger example_etl. Stop with Ctrl-C.")
        sys.stdout.flush()
        stack.serve(http_port=args.port, tick_seconds=args.tick)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        clear_standalone_state()
        stack.stop()
    return 0

"""`updraft`: Airflow's verbs for Updraft, on the local stack or a deployed one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from updraft.exceptions import AirflowException


def build_parser() -> argparse.ArgumentParser:
    from updraft.cli import connections, dags, standalone, users, variables
    from updraft.cli import backfill, completion, info, parsing, tasks

    parser = parsing.Parser(
        prog="updraft",
        description=(
            "Airflow's way of writing data pipelines, on a serverless AWS stack. The verbs are "
            "Airflow's; they talk to the running local stack (`updraft standalone`), or to a "
            "deployed one with --stack NAME."
        ),
        epilog=parsing.examples(
            "updraft standalone                          # the whole stack on this machine",
            "updraft dags list",
            "updraft dags trigger example_etl --wait",
            "updraft tasks states-for-dag-run example_etl RUN_ID",
            "updraft dags list --stack my-updraft        # a deployed stack",
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    dags.register(sub)
    tasks.register(sub)
    backfill.register(sub)
    standalone.register(sub)
    variables.register(sub)
    connections.register(sub)
    users.register(sub)
    info.register(sub)
    version = sub.add_parser("version", help="Show Updraft's version", description="Print Updraft's version.")
    version.set_defaults(func=_version)
    completion.register(sub)
    parsing.fill_descriptions(parser)
    return parser


def _version(args: argparse.Namespace) -> int:
    from updraft import __version__

    print(__version__)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError

    from updraft.cli.target import NoStackError
    from updraft.store.errors import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
    except (NoStackError, AirflowException, ValueError, StoreError) as err:
        print(f"updraft: error: {err}", file=sys.stderr)
        code = 1
    except BotoCoreError as err:  # the endpoint is not answering, credentials are missing, …
        print(f"updraft: error: cannot reach the stack: {err}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    if argv is None:  # the command line's: the process ends with this command
        _leave_objects_to_exit()
    return code


def _leave_objects_to_exit() -> None:
    """Python's exit runs the cycle collector over every object still alive: after a local
    stack (moto's backends, botocore's models, the DAG's modules), a few hundred thousand, half
    a second of `updraft dags test`. Frozen, they are left to the operating system, as they
    would be anyway; nothing the command wrote is waiting on them (files are closed, the
    standard streams are flushed at exit as ever)."""
    import gc

    gc.freeze()


if __name__ == "__main__":
    sys.exit(main())

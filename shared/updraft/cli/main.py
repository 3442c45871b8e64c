"""`updraft`: Airflow's verbs for Updraft, on the local stack or a deployed one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from updraft.exceptions import AirflowException


def build_parser() -> argparse.ArgumentParser:
    from updraft.cli import connections, dags, standalone, variables

    parser = argparse.ArgumentParser(
        prog="updraft",
        description="Airflow's way of writing data pipelines, on a serverless AWS stack.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    dags.register(sub)
    standalone.register(sub)
    variables.register(sub)
    connections.register(sub)
    version = sub.add_parser("version", help="Show Updraft's version")
    version.set_defaults(func=_version)
    return parser


def _version(args: argparse.Namespace) -> int:
    from updraft import __version__

    print(__version__)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from updraft.cli.target import NoStackError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (NoStackError, AirflowException, ValueError) as err:
        print(f"updraft: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

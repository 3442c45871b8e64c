"""`updraft info`: which versions run here, and which stack the CLI talks to, where, with
which resources — what to paste into an issue (`airflow info`'s counterpart)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from updraft.cli import parsing


def register(sub: Any) -> None:
    p = parsing.verb(
        sub, "info", "Show information about the current Updraft and environment",
        description=(
            "Show Updraft's version and its dependencies', and the stack the CLI talks to: the "
            "running local one, or the deployed one named with --stack, with its endpoint and "
            "resource names."
        ),
        example=["updraft info", "updraft info --stack my-updraft -o json"],
    )
    parsing.add_output(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_info)


def versions() -> dict[str, Any]:
    from updraft import __version__

    return {
        "updraft": __version__,
        "python": platform.python_version(),
        "boto3": _version("boto3"),
        "botocore": _version("botocore"),
        "moto": _version("moto"),
        "platform": platform.platform(),
        "python_location": sys.executable,
    }


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def stack_info(stack: str | None) -> dict[str, Any]:
    from updraft.cli.target import NoStackError, describe_target

    try:
        return describe_target(stack)
    except NoStackError as err:
        return {"stack": None, "reachable": False, "detail": str(err)}


def cmd_info(args: argparse.Namespace) -> int:
    sections = {"Updraft info": versions(), "Stack info": stack_info(args.stack)}
    if args.output == "json":
        print(json.dumps(sections, indent=2, default=str))
        return 0
    if args.output == "yaml":
        for title, values in sections.items():
            print(f"{title}:")
            for key, value in values.items():
                print(f"  {key}: {json.dumps(value, default=str)}")
        return 0
    from updraft.cli.output import print_rows

    for n, (title, values) in enumerate(sections.items()):
        print(("\n" if n else "") + title)
        print_rows([{"key": k, "value": v} for k, v in values.items()], args.output)
    return 0

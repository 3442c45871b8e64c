"""The arguments verbs share, with Airflow's flags and help, and the parser that reports a
mistake in one line."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from updraft.cli.errors import DATE_FORMATS, date_type, did_you_mean

OUTPUT_FORMATS = ("table", "json", "yaml", "plain")


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal line by line (their own line breaks kept); the
    examples epilog, and any indented line, printed as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        lines = []
        for line in text.splitlines():
            if not line.strip() or line[0].isspace():
                lines.append(indent + line)
            else:
                lines.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent))
        return "\n".join(lines)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (and where to find help) instead of usage and error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        choice = re.match(r"argument (.+?): invalid choice: '(.*?)' \(choose from (.*)\)$", message)
        if choice:
            argument, given, allowed = choice.groups()
            options = re.findall(r"'([^']*)'", allowed) or [a.strip() for a in allowed.split(",")]
            message = f"argument {argument}: invalid choice: '{given}'.{did_you_mean(given, options)}"
            if not did_you_mean(given, options):
                message += f" Choose from {', '.join(options)}."
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def fill_descriptions(parser: argparse.ArgumentParser) -> None:
    """A subcommand registered with a help line and no description shows the line in its --help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                if not child.description and helps.get(name):
                    child.description = helps[name]
                fill_descriptions(child)


def examples(*lines: str) -> str:
    """An epilog of example command lines, as Airflow's help shows them."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def verb(
    group: Any, name: str, help: str, *, description: str | None = None, example: Sequence[str] = ()
) -> argparse.ArgumentParser:
    """A subcommand with its one-line help, a longer description and examples."""
    return group.add_parser(
        name, help=help, description=description or help,
        epilog=examples(*example) if example else None,
    )


def positive_int(value: str) -> int:
    """An argparse `type` for counts, refused as Airflow's CLI refuses them."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid positive int value: '{value}'")
    return number


def add_stack(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stack", metavar="NAME",
        help="A deployed stack's CloudFormation name (default: the running local stack)",
    )


def add_output(p: argparse.ArgumentParser, default: str | None = "table") -> None:
    shown = f" (default: {default})" if default else ""
    p.add_argument(
        "-o", "--output", choices=OUTPUT_FORMATS, default=default, metavar="(table, json, yaml, plain)",
        help=f"Output format. Allowed values: json, yaml, plain, table{shown}",
    )


def add_yes(p: argparse.ArgumentParser) -> None:
    p.add_argument("-y", "--yes", action="store_true", help="Do not prompt to confirm. Use with care!")


def add_dag_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("dag_id", metavar="DAG_ID", help="The id of the dag")


def add_task_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("task_id", metavar="TASK_ID", help="The id of the task")


def add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "logical_date_or_run_id", metavar="LOGICAL_DATE_OR_RUN_ID",
        help="The logical date of the DAG or run_id of the DAGRun",
    )


def add_logical_date(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
    p.add_argument(
        "logical_date", metavar="LOGICAL_DATE", nargs="?" if optional else None,
        type=date_type(),
        help=f"The logical date of the DAG{' (default: now)' if optional else ''}: {DATE_FORMATS}",
    )


def add_date_range(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-s", "--start-date", type=date_type(),
                   help=f"Only {what} from this logical date on: {DATE_FORMATS}")
    p.add_argument("-e", "--end-date", type=date_type(),
                   help=f"Only {what} up to this logical date (inclusive): {DATE_FORMATS}")


def add_map_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map-index", type=int, default=-1, help="Mapped task index")


def add_dags_folder(p: argparse.ArgumentParser, purpose: str = "Folder of DAG files") -> None:
    p.add_argument("--dags-folder", type=Path, default=None, metavar="PATH",
                   help=f"{purpose} (default: examples/dags in a checkout, else ./dags)")

"""User errors on the command line: one line on stderr, a non-zero exit code, and words that
say what to do next — the closest known name for a mistyped one, the expected format for a
malformed date or JSON value. No traceback for a mistake of the user's."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from updraft.exceptions import AirflowException, DagNotFound, TaskNotFound

DATE_FORMATS = "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or ISO 8601 with an offset (2024-01-31T06:00:00+00:00)"


class CliError(AirflowException):
    """A mistake in what the user asked for; the message says how to put it right."""


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name nearest to `name`, if one is near enough to be a typo of it."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    match = closest(name, known)
    return f" Did you mean '{match}'?" if match else ""


def dag_not_found(dag_id: str, known: Iterable[str], where: str = "") -> DagNotFound:
    return DagNotFound(f"DAG '{dag_id}' not found{where}.{did_you_mean(dag_id, known)}")


def task_not_found(dag_id: str, task_id: str, known: Iterable[str]) -> TaskNotFound:
    return TaskNotFound(f"Task '{task_id}' not found in DAG '{dag_id}'.{did_you_mean(task_id, known)}")


def parse_date(value: str, argument: str) -> datetime:
    """A date or date-time given on the command line; naive ones are UTC, as in Airflow."""
    from updraft.timeutil import coerce_datetime

    try:
        parsed = coerce_datetime(value)
    except Exception:  # noqa: BLE001 - pendulum raises several types for text it cannot read
        parsed = None
    if parsed is None:
        raise CliError(f"{argument}: '{value}' is not a date; expected {DATE_FORMATS}")
    return parsed


def date_type() -> Callable[[str], datetime]:
    """An argparse `type` for dates: argparse names the argument, this says the format."""

    def convert(value: str) -> datetime:
        try:
            return parse_date(value, "date")
        except CliError:
            raise argparse.ArgumentTypeError(f"'{value}' is not a date; expected {DATE_FORMATS}") from None

    convert.__name__ = "date"
    return convert


def parse_json_object(text: str | None, argument: str, example: str = '{"key": "value"}') -> dict[str, Any]:
    """A JSON object given on the command line (`--conf`, `--task-params`); {} when absent."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(f"{argument} is not valid JSON: {err}; expected an object such as '{example}'") from None
    if not isinstance(value, dict):
        raise CliError(f"{argument} must be a JSON object, such as '{example}'")
    return value


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal, as Airflow's ask_yesno does; no input means no."""
    while True:
        try:
            answer = input(f"{question} ").strip().lower()
        except EOFError:
            print()
            return False
        if not sys.stdin.isatty():
            print(answer)  # echo what was read, so the output reads as a dialogue
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no", ""):
            return False
        print("Please answer y or n.")

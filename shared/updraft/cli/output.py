"""Printing listings as Airflow's CLI does (`-o table|json|yaml|plain`).

- table: a header, a rule and one row per record; a value of several lines (a stack trace)
  takes as many lines in its row.
- json: one JSON array of objects.
- yaml: a YAML list of mappings (each value written as JSON, which YAML reads as is).
- plain: a header and columns aligned with spaces, no rules (tabulate's "plain", as Airflow).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def print_rows(rows: Sequence[dict[str, Any]], fmt: str = "table", out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(list(rows), indent=2, default=str) + "\n")
        return
    if fmt == "yaml":
        out.write(yaml_text(rows))
        return
    if not rows:
        out.write("No data found\n")
        return
    columns = list(rows[0])
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    if fmt == "plain":
        _write_grid(out, columns, cells, sep="  ", rule=None)
        return
    _write_grid(out, columns, cells, sep=" | ", rule="=+=")


def yaml_text(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "[]\n"
    lines = []
    for row in rows:
        for n, (key, value) in enumerate(row.items()):
            lines.append(f"{'- ' if n == 0 else '  '}{key}: {json.dumps(value, default=str)}")
    return "\n".join(lines) + "\n"


def _write_grid(out: TextIO, columns: list[str], cells: list[list[str]], sep: str, rule: str | None) -> None:
    split = [[value.splitlines() or [""] for value in line] for line in cells]
    widths = [
        max(len(c), *(len(part) for line in split for part in line[i]))
        for i, c in enumerate(columns)
    ]
    out.write(sep.join(c.ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
    if rule:
        out.write(rule.join("=" * w for w in widths) + "\n")
    for line in split:
        for depth in range(max(len(parts) for parts in line)):
            values = [parts[depth] if depth < len(parts) else "" for parts in line]
            out.write(sep.join(v.ljust(w) for v, w in zip(values, widths)).rstrip() + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)

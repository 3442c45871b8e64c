"""Printing listings as Airflow's CLI does: table, json, yaml or plain (`-o`)."""

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
        for row in rows:
            first = True
            for key, value in row.items():
                out.write(f"{'- ' if first else '  '}{key}: {json.dumps(value, default=str)}\n")
                first = False
        return
    if not rows:
        out.write("No data found\n")
        return
    columns = list(rows[0])
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    if fmt == "plain":
        for line in cells:
            out.write("\t".join(line) + "\n")
        return
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    out.write(" | ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
    out.write("=+=".join("=" * w for w in widths) + "\n")
    for line in cells:
        out.write(" | ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)

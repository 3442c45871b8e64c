"""Progress of a long command: a bar redrawn in place on a terminal, plain lines otherwise
(a pipe, a file, CI logs), so that the output stays readable wherever it goes."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO


class Progress:
    """`update(done, note)` as work advances, `line(text)` for what must stay on screen, `close()`."""

    def __init__(self, total: int, label: str, out: TextIO | None = None, interactive: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.total = total
        self.label = label
        self.done = 0
        self.interactive = _is_terminal(self.out) if interactive is None else interactive
        self._drawn = False
        self._note = ""

    def update(self, done: int, note: str = "", total: int | None = None) -> None:
        """Work done so far; on a terminal the bar is redrawn, elsewhere `note` (if any) is printed."""
        self.done = done
        if total is not None:
            self.total = total
        if self.interactive:
            self._note = note
            self._draw(note)
        elif note:
            self.out.write(note + "\n")
            self.out.flush()

    def line(self, text: str) -> None:
        """A line kept in the output on a terminal too: printed above the bar."""
        if self.interactive and self._drawn:
            self.out.write("\r\033[K")
        self.out.write(text + "\n")
        if self.interactive and self._drawn:
            self._draw(self._note)
        self.out.flush()

    def close(self) -> None:
        if self.interactive and self._drawn:
            self.out.write("\n")
            self.out.flush()
        self._drawn = False

    def bar(self, note: str = "", width: int | None = None) -> str:
        """The bar's text: `label [#####-----] 3/10 note`, cut to the terminal's width."""
        columns = width or shutil.get_terminal_size((80, 24)).columns
        total = max(self.total, 0)
        cells = 24
        filled = cells if total == 0 else min(cells, cells * self.done // total)
        text = f"{self.label} [{'#' * filled}{'-' * (cells - filled)}] {self.done}/{total}"
        if note:
            text += f" {note}"
        return text[: max(columns - 1, 10)]

    def _draw(self, note: str) -> None:
        self.out.write("\r\033[K" + self.bar(note))
        self.out.flush()
        self._drawn = True


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False

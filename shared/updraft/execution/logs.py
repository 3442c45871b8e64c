"""Capturing what a task prints and logs, per try, in Airflow's log line format.

Capture is per thread: print() and logging from the thread running the task go to that
task's log, so several task instances can run in one process (the local stack) unmixed."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TextIO

from updraft.execution.masking import SecretsMasker, current_masker
from updraft.execution.secrets import task_run_scope

_local = threading.local()
_installed = False
_install_lock = threading.Lock()


class TaskLogFormatter(logging.Formatter):
    """`[2024-01-01T00:00:00.000+0000] {file.py:12} INFO - message`, as Airflow writes."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, tz=timezone.utc)
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}+0000"
        text = f"[{stamp}] {{{record.filename}:{record.lineno}}} {record.levelname} - {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _ThreadRouter(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr: a capturing thread's writes go to its task log."""

    def __init__(self, original: TextIO, level: int) -> None:
        self.original = original
        self.level = level

    def write(self, text: str) -> int:
        capture: TaskLogCapture | None = getattr(_local, "capture", None)
        if capture is None:
            return self.original.write(text)
        capture.write_stream(text, self.level)
        return len(text)

    def flush(self) -> None:
        if getattr(_local, "capture", None) is None:
            self.original.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.original, "encoding", "utf-8")


class _ThreadHandler(logging.Handler):
    """A root handler that sends records from a capturing thread to its task log."""

    def emit(self, record: logging.LogRecord) -> None:
        capture: TaskLogCapture | None = getattr(_local, "capture", None)
        if capture is not None:
            capture.add(capture.formatter.format(record))


def _install() -> None:
    global _installed
    with _install_lock:
        # Someone (a test runner, a notebook) may have swapped the streams since: wrap again.
        if not isinstance(sys.stdout, _ThreadRouter):
            sys.stdout = _ThreadRouter(sys.stdout, logging.INFO)  # type: ignore[assignment]
        if not isinstance(sys.stderr, _ThreadRouter):
            sys.stderr = _ThreadRouter(sys.stderr, logging.WARNING)  # type: ignore[assignment]
        if _installed:
            return
        root = logging.getLogger()
        root.addHandler(_ThreadHandler())
        # A task's own loggers log at INFO, as in Airflow; AWS clients' chatter stays out.
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        _installed = True


class TaskLogCapture:
    """The log of one try of one task instance."""

    def __init__(self, echo: TextIO | None = None) -> None:
        self.lines: list[str] = []
        self.formatter = TaskLogFormatter()
        self._partial = ""
        self.echo = echo
        self.masker: SecretsMasker | None = None

    def write_stream(self, text: str, level: int) -> None:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self._emit_stream_line(line, level)

    def _emit_stream_line(self, line: str, level: int) -> None:
        record = logging.LogRecord("task.stdout", level, "", 0, line, None, None)
        record.filename = "print" if level == logging.INFO else "stderr"
        record.lineno = 0
        self.add(self.formatter.format(record))

    def add(self, line: str) -> None:
        """Keep a line, with the secrets this task run has fetched so far replaced by ***."""
        self.lines.append(self.masker.redact_text(line) if self.masker else line)

    def text(self) -> str:
        if self._partial:
            self._emit_stream_line(self._partial, logging.INFO)
            self._partial = ""
        return "\n".join(self.lines) + ("\n" if self.lines else "")


@contextmanager
def capture_task_log() -> Iterator[TaskLogCapture]:
    """Within the block, this thread's prints and log records belong to the task's log."""
    _install()
    capture = TaskLogCapture()
    previous: Any = getattr(_local, "capture", None)
    _local.capture = capture
    task_logger = logging.getLogger("updraft.task")
    old_level = task_logger.level
    task_logger.setLevel(logging.INFO)
    try:
        with task_run_scope():  # the try's own secrets cache and masker
            capture.masker = current_masker()
            yield capture
    finally:
        _local.capture = previous
        task_logger.setLevel(old_level)

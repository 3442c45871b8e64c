"""FileSensor: wait for a file, or a folder with a file in it, on the worker's filesystem
(Airflow's providers/standard/sensors/filesystem.py). In Lambda that is the worker's own
disk (/tmp, or a mounted EFS), which a file must reach from the same or an earlier task."""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Sequence
from functools import cached_property
from glob import glob
from typing import Any

from updraft.hooks.filesystem import FSHook
from updraft.sensors.base import BaseSensorOperator

log = logging.getLogger("updraft.task")


class FileSensor(BaseSensorOperator):
    """Done when `filepath` (a glob, relative to the `fs_conn_id` connection's folder; `**`
    matches folders too with `recursive`) matches a file, or a folder with a file somewhere
    in it. `deferrable=True` waits in reschedule mode: Updraft has no triggerer, and
    reschedule mode holds no worker either."""

    template_fields: Sequence[str] = ("filepath", "fs_conn_id")
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str,
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        deferrable: bool = False,
        start_from_trigger: bool = False,
        trigger_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if deferrable:
            kwargs["mode"] = "reschedule"
        super().__init__(**kwargs)
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive
        self.deferrable = deferrable
        self.start_from_trigger = start_from_trigger
        self.trigger_kwargs = trigger_kwargs

    @cached_property
    def path(self) -> str:
        hook = FSHook(self.fs_conn_id)
        basepath = hook.get_path()
        full_path = os.path.join(basepath, self.filepath)
        return full_path

    def poke(self, context: Any) -> bool:
        log.info("Poking for file %s", self.path)
        for path in glob(self.path, recursive=self.recursive):
            if os.path.isfile(path):
                mod_time = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%Y%m%d%H%M%S")
                log.info("Found File %s last modified: %s", path, mod_time)
                return True
            for _, _, files in os.walk(path):
                if files:
                    return True
        return False

"""BaseNotifier: a callback object (`on_failure_callback=SnsNotifier(...)`) whose template
fields are rendered with the callback's context before it sends, as Airflow's BaseNotifier."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any


class BaseNotifier:
    """Subclasses set `template_fields` and implement `notify(context)`."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()

    def __init__(self, **kwargs: Any) -> None:
        self.log = logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")

    def notify(self, context: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement notify()")

    def render_template_fields(self, context: dict[str, Any]) -> None:
        """Render each template field with the context (in place, as Airflow)."""
        from updraft.execution.templates import render

        dag = context.get("dag")
        env = _environment(dag)
        for name in self.template_fields:
            value = getattr(self, name, None)
            if value is not None:
                setattr(self, name, render(value, context, env, self.template_ext))

    def __call__(self, *args: Any) -> None:
        """Called as a callback with the context: render a copy (the notifier object belongs to
        the DAG and serves every run) and send; a failure to send is logged, never raised."""
        context = dict(args[0]) if len(args) == 1 else {
            "dag": args[0], "task_list": args[1], "blocking_task_list": args[2], "blocking_tis": args[3],
        }
        notifier = copy.copy(self)
        for name in self.template_fields:  # Airflow adds the notifier's fields to the context
            context[name] = getattr(self, name, None)
        try:
            notifier.render_template_fields(context)
            notifier.notify(context)
        except Exception as err:  # noqa: BLE001 - a notification must not change the task's outcome
            self.log.exception("Failed to send notification: %s", err)


def _environment(dag: Any) -> Any:
    """The DAG's Jinja environment (its macros, filters and template folder), or a plain sandbox."""
    from updraft.execution.templates import jinja_environment

    return jinja_environment(dag if dag is not None and getattr(dag, "fileloc", None) else None, False)

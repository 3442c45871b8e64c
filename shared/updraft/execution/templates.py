"""Rendering an operator's `template_fields` with Jinja in a sandbox, as Airflow does.

XComArgs inside template fields are resolved here too, so `@task` arguments that come from
other tasks reach the function as values. Jinja is imported only when a task renders."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from updraft.authoring.xcomarg import XComArg

if TYPE_CHECKING:
    import jinja2

    from updraft.authoring.baseoperator import BaseOperator
    from updraft.authoring.dag import DAG


def jinja_environment(dag: "DAG") -> "jinja2.Environment":
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.nativetypes import NativeEnvironment
    from jinja2.sandbox import SandboxedEnvironment

    searchpath = [os.path.dirname(dag.fileloc)]
    extra = dag.template_searchpath
    if extra:
        searchpath += [extra] if isinstance(extra, str) else list(extra)
    if dag.render_template_as_native_obj:
        class NativeSandbox(SandboxedEnvironment, NativeEnvironment):  # type: ignore[misc]
            pass

        env_cls: type = NativeSandbox
    else:
        env_cls = SandboxedEnvironment
    env = env_cls(
        loader=FileSystemLoader(searchpath),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        cache_size=0,
    )
    env.globals.update(dag.user_defined_macros)
    env.filters.update(dag.user_defined_filters)
    return env


def render_template_fields(task: "BaseOperator", context: dict[str, Any]) -> None:
    """Replace each template field of `task` by its rendered value (in place, as Airflow)."""
    if not task.template_fields:
        return
    assert task.dag is not None
    env = None
    for name in task.template_fields:
        value = getattr(task, name, None)
        if value is None:
            continue
        if env is None and _needs_jinja(value):
            env = jinja_environment(task.dag)
        setattr(task, name, render(value, context, env, task.template_ext))


def _needs_jinja(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(_needs_jinja(v) for v in value)
    if isinstance(value, dict):
        return any(_needs_jinja(v) for v in value.values())
    return False


def render(value: Any, context: dict[str, Any], env: Any, template_ext: Any = ()) -> Any:
    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, str):
        if template_ext and value.endswith(tuple(template_ext)):
            return env.get_template(value).render(**context)
        if "{{" not in value and "{%" not in value:
            return value
        return env.from_string(value).render(**context)
    if isinstance(value, list):
        return [render(v, context, env, template_ext) for v in value]
    if isinstance(value, tuple):
        return tuple(render(v, context, env, template_ext) for v in value)
    if isinstance(value, set):
        return {render(v, context, env, template_ext) for v in value}
    if isinstance(value, dict):
        return {k: render(v, context, env, template_ext) for k, v in value.items()}
    return value


# What is kept of one rendered field for the UI and the API (Airflow truncates too).
MAX_RENDERED_CHARS = 4096


def rendered_fields(task: "BaseOperator") -> dict[str, Any]:
    """The task's template fields after rendering, as JSON (long values truncated), with the
    task run's secrets as *** (a field named like a secret hidden whole), as Airflow keeps them."""
    import json

    from updraft.execution.masking import redact

    out: dict[str, Any] = {}
    for name in task.template_fields:
        value = redact(getattr(task, name, None), name)
        try:
            text = json.dumps(value, default=lambda other: redact(repr(other)))
        except (TypeError, ValueError):
            text = json.dumps(redact(repr(value)))
        if len(text) > MAX_RENDERED_CHARS:
            out[name] = redact(repr(value))[:MAX_RENDERED_CHARS] + "... (truncated)"
        else:
            out[name] = json.loads(text)
    return out

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


def _filters() -> dict[str, Any]:
    """Airflow's own Jinja filters (`{{ logical_date | ds }}`)."""

    def stamp(fmt: str | None) -> Any:
        def apply(value: Any) -> str | None:
            if value is None:
                return None
            return value.isoformat() if fmt is None else value.strftime(fmt)

        return apply

    return {
        "ds": stamp("%Y-%m-%d"),
        "ds_nodash": stamp("%Y%m%d"),
        "ts": stamp(None),
        "ts_nodash": stamp("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": lambda v: None if v is None else v.isoformat().replace("-", "").replace(":", ""),
    }


def jinja_environment(dag: "DAG | None", native: bool | None = None) -> "jinja2.Environment":
    """The DAG's environment as Airflow builds it: its folder and `template_searchpath` to load
    from, `template_undefined` (strict by default), `jinja_environment_kwargs`, its macros and
    filters, Airflow's filters, in a sandbox (native rendering too)."""
    import jinja2
    from jinja2.nativetypes import NativeEnvironment
    from jinja2.sandbox import SandboxedEnvironment, is_internal_attribute

    class Sandbox(SandboxedEnvironment):
        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            # As Airflow's: `_private` attributes are allowed, `__dunder__` ones are not.
            return not is_internal_attribute(obj, attr)

    class NativeSandbox(Sandbox, NativeEnvironment):  # type: ignore[misc]
        is_native = True

    options: dict[str, Any] = {
        "undefined": getattr(dag, "template_undefined", None) or jinja2.StrictUndefined,
        "extensions": ["jinja2.ext.do"],
        "cache_size": 0,
    }
    if dag is not None and getattr(dag, "fileloc", None):
        searchpath = [os.path.dirname(dag.fileloc)]
        extra = dag.template_searchpath
        if extra:
            searchpath += [extra] if isinstance(extra, str) else list(extra)
        options["loader"] = jinja2.FileSystemLoader(searchpath)
    options.update(getattr(dag, "jinja_environment_kwargs", None) or {})
    if native is None:
        native = bool(getattr(dag, "render_template_as_native_obj", False))
    env = (NativeSandbox if native else Sandbox)(**options)
    env.filters.update(_filters())
    if dag is not None:
        env.globals.update(dag.user_defined_macros)
        env.filters.update(dag.user_defined_filters)
    return env


def task_renders_native(task: Any) -> bool:
    """A task's own `render_template_as_native_obj` wins over its DAG's (Airflow 3.3)."""
    own = getattr(task, "render_template_as_native_obj", None)
    if own is not None:
        return bool(own)
    return bool(getattr(task.dag, "render_template_as_native_obj", False))


def render_template_fields(task: "BaseOperator", context: dict[str, Any]) -> None:
    """Replace each template field of `task` by its rendered value (in place, as Airflow)."""
    if not task.template_fields:
        return
    env = jinja_environment(task.dag, task_renders_native(task))
    render_fields(task, task.template_fields, context, env, getattr(task, "template_ext", ()), set())


def render_fields(parent: Any, fields: Any, context: dict[str, Any], env: Any, template_ext: Any,
                  seen: set[int]) -> None:
    """Airflow's `_do_render_template_fields`: empty values stay; a callable is called with the
    context and the environment; anything else is rendered."""
    for name in fields:
        try:
            value = getattr(parent, name)
        except AttributeError:
            raise AttributeError(
                f"{name!r} is configured as a template field but {type(parent).__name__} "
                "does not have this attribute."
            ) from None
        try:
            if not value:
                continue
        except Exception:  # noqa: BLE001 - values without truth (a DataFrame) are rendered
            pass
        if callable(value) and not isinstance(value, XComArg) and not hasattr(value, "resolve"):
            rendered = value(context=context, jinja_env=env)
        else:
            rendered = render(value, context, env, template_ext, seen)
        setattr(parent, name, rendered)


def render(value: Any, context: dict[str, Any], env: Any, template_ext: Any = (),
           seen: set[int] | None = None) -> Any:
    """Airflow's `render_template`: every string is a template (a file when it ends with one of
    `template_ext`); XComArgs and `literal(...)` resolve; containers are rendered item by item;
    an object with `template_fields` of its own has them rendered in place."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return value
    if isinstance(value, str):
        if template_ext and value.endswith(tuple(template_ext)):
            template = env.get_template(value)
        else:
            template = env.from_string(value)
        return _render_template(template, context)
    if not isinstance(value, os.PathLike) and (resolve := getattr(value, "resolve", None)) is not None \
            and not isinstance(value, type):
        return resolve(context)
    if value.__class__ is tuple:
        return tuple(render(v, context, env, template_ext, seen) for v in value)
    if isinstance(value, tuple):  # a named tuple
        return value.__class__(*(render(v, context, env, template_ext, seen) for v in value))
    if isinstance(value, list):
        return [render(v, context, env, template_ext, seen) for v in value]
    if isinstance(value, dict):
        return {k: render(v, context, env, template_ext, seen) for k, v in value.items()}
    if isinstance(value, set):
        return {render(v, context, env, template_ext, seen) for v in value}
    nested = getattr(value, "template_fields", None)
    if nested is not None and not isinstance(value, type):
        seen.add(id(value))
        render_fields(value, nested, context, env, getattr(value, "template_ext", ()), seen)
    return value


def _render_template(template: Any, context: dict[str, Any]) -> Any:
    """Render as Airflow does: the template's own globals under the context, and in a native
    environment the nodes joined by Jinja's `native_concat` (so `"42"` renders to 42)."""
    env = template.environment
    values = dict(context)
    if template.globals:
        values.update((k, v) for k, v in template.globals.items() if k not in values)
    try:
        nodes = template.root_render_func(env.context_class(env, values, template.name, template.blocks))
        if getattr(env, "is_native", False):
            from jinja2.nativetypes import native_concat

            return native_concat(nodes)
        return "".join(nodes)
    except Exception:  # noqa: BLE001 - Jinja rewrites the traceback to point into the template
        return env.handle_exception()


def render_map_index(task: Any, context: dict[str, Any], *, succeeded: bool) -> str | None:
    """Airflow's `_render_map_index`: `map_index_template` (from the context, which the task may
    have changed while it ran) rendered with the context once the try ends. After a failure a
    template that cannot render is passed over, so it does not hide the task's own error."""
    template = context.get("map_index_template")
    if template is None or task is None:
        return None
    try:
        return str(jinja_environment(task.dag, False).from_string(template).render(context))
    except Exception:  # noqa: BLE001 - a failed try keeps its own error
        if succeeded:
            raise
        return None


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

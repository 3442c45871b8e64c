"""Load each function's handler from its CodeUri, and invoke it as Lambda would.

Every function's entry module is called `app.py`; loaded under their own names
(`updraft_fn_worker`, ...) the four can live in one process without replacing each other.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from updraft.local.events import LambdaContext
from updraft.local.resources import FunctionSpec

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


def module_name(code_uri: str) -> str:
    """`functions/worker/` -> `updraft_fn_worker`."""
    stem = Path(code_uri.rstrip("/")).name or "root"
    return "updraft_fn_" + re.sub(r"\W", "_", stem)


def load_handler(root: Path, code_uri: str, handler: str) -> Handler:
    """The callable that Handler ("app.handler", or "pkg.mod.fn") names under CodeUri.

    The code directory is on sys.path while the module loads, as it is in Lambda, so that a
    helper module beside app.py imports; it is then taken out of sys.modules again, so that
    another function's module of the same name is its own. (Such imports must therefore be
    at the top of the module, not inside the handler.)"""
    module_path, _, attribute = handler.rpartition(".")
    code_dir = (Path(root) / code_uri).resolve()
    source = code_dir / (module_path.replace(".", "/") + ".py")
    if not source.is_file():
        raise FileNotFoundError(f"Handler {handler}: no {source}")
    name = module_name(code_uri) + ("" if module_path == "app" else "_" + module_path.replace(".", "_"))
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.modules[name] = module
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.path.remove(str(code_dir))
        _forget_modules_under(code_dir, before, keep=name)
    function = getattr(module, attribute, None)
    if not callable(function):
        raise AttributeError(f"Handler {handler}: {source} has no callable '{attribute}'")
    return function


def _forget_modules_under(code_dir: Path, before: set[str], keep: str) -> None:
    """Drop the modules this load imported from the code directory itself (not, say, the
    updraft package when CodeUri is the repository root)."""
    local_tops = {p.stem if p.is_file() else p.name for p in code_dir.iterdir()
                  if p.suffix == ".py" or p.is_dir()}  # one listing, not two stats per module
    for other in set(sys.modules) - before - {keep}:
        path = getattr(sys.modules[other], "__file__", None)
        if other.split(".")[0] in local_tops and path and Path(path).resolve().is_relative_to(code_dir):
            del sys.modules[other]


class LocalFunction:
    """A handler with its settings. Reserved concurrency is honoured by making extra
    invocations wait (AWS would throttle them and the source would retry); the timeout is
    reported, not enforced, since a thread cannot be killed."""

    def __init__(self, spec: FunctionSpec, handler: Handler | None = None, *,
                 loader: Callable[[], Handler] | None = None) -> None:
        if handler is None and loader is None:
            raise ValueError(f"{spec.logical_id}: a handler or a loader is needed")
        self.spec = spec
        self._handler = handler
        self._loader = loader
        self._loading = threading.Lock()
        limit = spec.reserved_concurrency
        self._slots = threading.BoundedSemaphore(limit) if limit else None

    @classmethod
    def load(cls, root: Path, spec: FunctionSpec) -> "LocalFunction":
        return cls(spec, load_handler(root, spec.code_uri, spec.handler))

    @classmethod
    def lazy(cls, root: Path, spec: FunctionSpec) -> "LocalFunction":
        """The handler is loaded when first invoked, as Lambda's cold start is: a function
        that is never invoked is never imported."""
        return cls(spec, loader=lambda: load_handler(root, spec.code_uri, spec.handler))

    @property
    def handler(self) -> Handler:
        if self._handler is None:
            with self._loading:
                if self._handler is None:
                    assert self._loader is not None
                    self._handler = self._loader()
        return self._handler

    def context(self) -> LambdaContext:
        return LambdaContext(
            self.spec.name,
            self.spec.memory_size,
            self.spec.timeout,
            invoked_function_arn=self.spec.arn,
        )

    def invoke(self, event: Any) -> Any:
        """Call the handler with the event and a fresh context; its exceptions propagate."""
        if self._slots is not None:
            self._slots.acquire()
        started = time.monotonic()
        try:
            return self.handler(event, self.context())
        finally:
            elapsed = time.monotonic() - started
            if self._slots is not None:
                self._slots.release()
            if elapsed > self.spec.timeout:
                logger.warning(
                    "%s ran %.1fs, over its %ss timeout: AWS would have stopped it",
                    self.spec.logical_id, elapsed, self.spec.timeout,
                )

"""Modules that load when first used, so that importing the API stays cheap.

Routes name their request bodies and query parameters in their signatures
(`body: bodies.VariableBody`, `Annotated[int, openapi.Query(ge=0)]`), which the event handler
reads to validate requests and to write the OpenAPI document. With postponed annotations
those names are only looked up then — on a route's first request — so the modules behind
them (pydantic, and the models built with it) are imported on first use, not at a cold start."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module `name`, executed when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"No module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

"""The web UI's files: one page (`index.html`) for every UI address, whose script draws the
view the address names, and the assets it loads from `/static`. Served by the API function
itself, so the UI needs no other server; files are read once per process."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from aws_lambda_powertools.event_handler import Response

# Addresses that are the API's, never a page: an unknown route there is a JSON 404.
API_PREFIXES = ("/api/", "/auth/", "/ui/", "/static/", "/openapi.json")

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


# Files a browser asks for by itself (favicon.ico, robots.txt, source maps): a 404, not the page.
FILE_SUFFIXES = (".ico", ".txt", ".map", ".png", ".js", ".css", ".svg", ".json", ".xml", ".webmanifest")


def is_page(path: str) -> bool:
    """Whether `path` is a UI address (task ids with groups have dots, so a dot alone is no file)."""
    return not path.startswith(API_PREFIXES) and not path.lower().endswith(FILE_SUFFIXES)


@lru_cache(maxsize=None)
def _read(name: str) -> str | None:
    if "/" in name or name.startswith(".") or not name.endswith(tuple(TYPES)):
        return None
    found = resources.files("updraft.ui").joinpath(name)
    return found.read_text(encoding="utf-8") if found.is_file() else None


# The page runs only its own scripts and styles and cannot be framed: what a DAG author or a
# variable writes is shown as text, and a stray <script> in it would not run anyway.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def page() -> Response:
    """The UI's page; never cached, so a deploy's new assets are picked up on the next load."""
    return Response(status_code=200, content_type=TYPES[".html"], body=_read("index.html"),
                    headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})


def asset(name: str) -> Response | None:
    body = _read(name)
    if body is None:
        return None
    suffix = name[name.rindex("."):]
    return Response(status_code=200, content_type=TYPES[suffix], body=body,
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

"""The web UI's files served by the API function: its page for every UI address, its
assets under /static, and JSON 404s kept for the API's own addresses."""

from __future__ import annotations

import re
from typing import Any

import pytest

from updraft.api.app import resolve


def get(path: str) -> dict[str, Any]:
    event = {
        "version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": path, "rawQueryString": "",
        "headers": {"accept": "text/html"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": "request", "routeKey": "ANY /{proxy+}", "stage": "$default",
            "time": "01/Jun/2024:12:00:00 +0000", "timeEpoch": 1717243200000,
        },
        "isBase64Encoded": False,
    }
    return resolve(event, None)


def content_type(response: dict[str, Any]) -> str:
    return (response.get("headers") or {}).get("Content-Type", "")


@pytest.mark.parametrize("path", ["/", "/dags", "/dags/etl", "/login", "/variables",
                                  "/dags/etl/runs/manual__2024-01-01T00%3A00%3A00%2B00%3A00/tasks/load.clean"])
def test_every_ui_address_is_the_page_without_a_token(path: str) -> None:
    response = get(path)
    assert response["statusCode"] == 200
    assert content_type(response).startswith("text/html")
    assert '<script type="module" src="/static/main.js">' in response["body"]


def test_the_page_loads_only_assets_that_are_served() -> None:
    page = get("/")["body"]
    names = set(re.findall(r'/static/([\w.-]+)', page))
    script = get("/static/main.js")["body"]
    names |= {f"{m}.js" for m in re.findall(r'from "\./([\w-]+)\.js"', script)}
    assert {"main.js", "style.css", "logo.svg"} <= names
    for name in names:
        response = get(f"/static/{name}")
        assert response["statusCode"] == 200, name
        suffix = name.rsplit(".", 1)[1]
        assert content_type(response).startswith(
            {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[suffix]), name


def test_every_script_imports_only_modules_that_exist() -> None:
    from importlib import resources

    folder = resources.files("updraft.ui")
    scripts = {p.name for p in folder.iterdir() if p.name.endswith(".js")}
    for name in scripts:
        for imported in re.findall(r'from "\./([\w-]+\.js)"', folder.joinpath(name).read_text()):
            assert imported in scripts, f"{name} imports {imported}"


@pytest.mark.parametrize("path", ["/static/missing.js", "/static/..%2Fapp.py", "/static/__init__.py"])
def test_no_file_outside_the_ui_assets_is_served(path: str) -> None:
    response = get(path)
    assert response["statusCode"] == 404
    assert content_type(response).startswith("application/json")


@pytest.mark.parametrize("path", ["/api/v2/nothing", "/ui/nothing", "/auth/nothing", "/favicon.ico"])
def test_unknown_api_addresses_stay_json_404s(path: str) -> None:
    response = get(path)
    assert response["statusCode"] == 404
    assert content_type(response).startswith("application/json")


def test_the_page_runs_only_its_own_scripts() -> None:
    headers = get("/")["headers"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"

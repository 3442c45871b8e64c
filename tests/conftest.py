"""Shared fixtures: a moto server on loopback, the stack's resources made from template.yaml,
and the real Lambda handlers driven with AWS-shaped events."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Any]:
    from updraft.local.server import start_moto

    handle = start_moto()
    yield handle
    handle.stop()


@pytest.fixture
def stack_env(moto_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh stack on the moto server; the process environment is what the functions get."""
    import boto3

    from updraft.local.resources import create_resources
    from updraft.local.server import aws_environment
    from updraft.local.template import load_template
    from updraft.services import services_from_env

    moto_server.reset()
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in aws_environment(moto_server.url).items():
        monkeypatch.setenv(key, value)
    resources = create_resources(load_template(ROOT / "template.yaml"), boto3.session.Session(), "test")
    env = {
        **resources.function_environment("WorkerFunction"),
        "UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false",
        "UPDRAFT_BUNDLE_DIR": str(tmp_path / "bundles"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    services_from_env.cache_clear()
    yield {**env, "queue_arn": resources.get_att("TaskQueue", "Arn"), "bucket": resources.ref("DagBucket")}
    services_from_env.cache_clear()


@pytest.fixture
def services(stack_env: dict[str, str]) -> Any:
    """What the handlers use: the same Services object they get from the environment."""
    from updraft.services import services_from_env

    return services_from_env()


@pytest.fixture
def handlers(stack_env: dict[str, str]) -> dict[str, Any]:
    """The template's four handlers, loaded from functions/ as Lambda loads them."""
    from updraft.local.functions import load_handler
    from updraft.local.resources import create_resources  # noqa: F401 - same env as stack_env

    return {
        name: load_handler(ROOT, f"functions/{folder}/", "app.handler")
        for name, folder in {
            "worker": "worker", "scheduler": "scheduler", "dag_processor": "dag_processor", "api": "api",
        }.items()
    }

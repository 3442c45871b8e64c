"""Shared fixtures: the stack's resources, made from template.yaml, on moto."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def services(aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Services over the template's table, bucket and queue, in moto's in-process mock."""
    import boto3
    from moto import mock_aws

    from updraft.config import Settings
    from updraft.local.resources import create_resources
    from updraft.local.template import load_template
    from updraft.services import Services

    monkeypatch.setenv("UPDRAFT_BUNDLE_DIR", str(tmp_path / "bundles"))
    with mock_aws():
        session = boto3.session.Session()
        resources = create_resources(load_template(ROOT / "template.yaml"), session, "test")
        env = resources.function_environment("WorkerFunction")
        settings = Settings.from_env({**env, "UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
        yield Services.from_settings(settings, session=session)


def pytest_configure(config: Any) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

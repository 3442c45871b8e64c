"""Servers on loopback for the provider tests (PostgreSQL, sshd, HTTP), one of each per test
session, skipped with the reason when one cannot run here (e.g. its binaries are absent)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.servers import HttpService, Postgres, Sshd, Unavailable, http_server, postgres_server, ssh_server


def _serve(server: AbstractContextManager[Any]) -> Iterator[Any]:
    try:
        value = server.__enter__()
    except Unavailable as why:
        pytest.skip(str(why))
    try:
        yield value
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    yield from _serve(postgres_server())


@pytest.fixture(scope="session")
def sshd() -> Iterator[Sshd]:
    yield from _serve(ssh_server())


@pytest.fixture(scope="session")
def http_service() -> Iterator[HttpService]:
    yield from _serve(http_server())

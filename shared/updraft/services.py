"""Everything a handler talks to, made once per process from the stack's settings."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from updraft.config import Settings
from updraft.dispatch.sqs import TaskQueue
from updraft.store.bucket import Bucket
from updraft.store.dags import DagStore
from updraft.store.runs import RunStore
from updraft.store.secrets import SecretStore
from updraft.store.table import Table
from updraft.store.task_instances import TaskInstanceStore
from updraft.store.timers import TimerStore
from updraft.store.xcom import XComStore


@dataclass
class Services:
    settings: Settings
    table: Table
    bucket: Bucket
    queue: TaskQueue
    session: Any = field(default=None, repr=False)
    dags: DagStore = field(init=False)
    runs: RunStore = field(init=False)
    tis: TaskInstanceStore = field(init=False)
    xcoms: XComStore = field(init=False)
    timers: TimerStore = field(init=False)
    _versions: dict[tuple[str, str], dict[str, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.dags = DagStore(self.table)
        self.runs = RunStore(self.table)
        self.tis = TaskInstanceStore(self.table)
        self.xcoms = XComStore(self.table, self.bucket)
        self.timers = TimerStore(self.table, self.settings.timer_shards)

    @functools.cached_property
    def secrets(self) -> SecretStore:
        """Variables and connections in Parameter Store; the client is made on first use, as
        most invocations never need one."""
        import boto3
        from botocore.config import Config

        session = self.session or boto3.session.Session()
        client = session.client("ssm", config=Config(retries={"mode": "standard", "max_attempts": 5}))
        return SecretStore(client, self.settings.secrets_prefix)

    @functools.cached_property
    def jwt_signing_key(self) -> bytes:
        """The key that signs the API's tokens, from Parameter Store (read once per process)."""
        from updraft.store.jwt_key import signing_key

        return signing_key(self.secrets)

    def serialized_dag(self, dag_id: str, version_hash: str) -> dict[str, Any]:
        """A serialized DAG version; versions never change, so each is read once per process."""
        cache_key = (dag_id, version_hash)
        if cache_key not in self._versions:
            body = self.dags.get_version(dag_id, version_hash)
            if body is None:
                raise LookupError(f"DAG '{dag_id}' has no serialized version {version_hash}")
            self._versions[cache_key] = body
        return self._versions[cache_key]

    @classmethod
    def from_settings(cls, settings: Settings, session: Any = None) -> "Services":
        import boto3
        from botocore.config import Config

        session = session or boto3.session.Session()
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        return cls(
            settings=settings,
            table=Table(session.client("dynamodb", config=config), settings.table),
            bucket=Bucket(session.client("s3", config=config), settings.bucket),
            queue=TaskQueue(session.client("sqs", config=config), settings.queue_url),
            session=session,
        )


@functools.lru_cache(maxsize=1)
def services_from_env() -> Services:
    """The handlers' services: made on a cold start, reused by every warm invocation."""
    return Services.from_settings(Settings.from_env())


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)

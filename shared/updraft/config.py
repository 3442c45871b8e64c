"""The stack's settings, read from the environment the template gives each function."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Names of the stack's resources and the engine's tunables."""

    table: str
    bucket: str
    queue_url: str
    timer_shards: int = 1
    dags_are_paused_at_creation: bool = True
    # A queued task instance whose message has not been picked up after this long is re-sent.
    queued_timeout: int = 900
    # The worker function's timeout: a running task instance older than this (plus a margin)
    # lost its worker, and the scheduler fails it (or retries it) as Airflow does a zombie.
    worker_timeout: int = 900
    # A run waiting to start (its roots not yet sent) is picked up by the scheduler after this.
    run_start_grace: int = 60
    # How often the scheduler's pass runs (the template's SchedulerRate): each pass also hands
    # the runs due before the next one to SQS, delayed to their due time.
    scheduler_tick_seconds: int = 60
    # Parameter Store path holding the stack's variables and connections (SecureString).
    secrets_prefix: str = "/updraft/default"
    # The SNS topic told when a DagRun fails (empty: no alerts).
    alert_topic_arn: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            table=env.get("UPDRAFT_TABLE", ""),
            bucket=env.get("UPDRAFT_BUCKET", ""),
            queue_url=env.get("UPDRAFT_QUEUE_URL", ""),
            timer_shards=int(env.get("UPDRAFT_TIMER_SHARDS") or 1),
            dags_are_paused_at_creation=_bool(env.get("UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION"), True),
            queued_timeout=int(env.get("UPDRAFT_QUEUED_TIMEOUT") or 900),
            worker_timeout=int(env.get("UPDRAFT_WORKER_TIMEOUT") or 900),
            run_start_grace=int(env.get("UPDRAFT_RUN_START_GRACE") or 60),
            secrets_prefix=env.get("UPDRAFT_SECRETS_PREFIX") or "/updraft/default",
            alert_topic_arn=env.get("UPDRAFT_ALERT_TOPIC_ARN", ""),
        )

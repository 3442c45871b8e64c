"""Which stack a command talks to: the running local stack, or a deployed one by name."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from updraft.config import Settings


class NoStackError(Exception):
    """No stack could be reached; the message says what to do."""


def updraft_home() -> Path:
    return Path(os.environ.get("UPDRAFT_HOME") or Path.home() / ".updraft")


def standalone_state_file() -> Path:
    return updraft_home() / "standalone.json"


def write_standalone_state(endpoint: str, env: dict[str, str]) -> None:
    path = standalone_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"endpoint": endpoint, "env": env, "pid": os.getpid()}, indent=2))


def clear_standalone_state() -> None:
    try:
        standalone_state_file().unlink()
    except FileNotFoundError:
        pass


def connect(stack: str | None = None) -> Any:
    """Services for `--stack NAME` (a deployed stack) or else the running local stack."""
    from updraft.services import Services

    if stack:
        return Services.from_settings(_deployed_settings(stack))
    path = standalone_state_file()
    if not path.exists():
        raise NoStackError(
            "No stack reachable: start the local one with `updraft standalone`, "
            "or name a deployed one with --stack NAME"
        )
    state = json.loads(path.read_text())
    os.environ.update(state["env"])
    return Services.from_settings(Settings.from_env(state["env"]))


def _deployed_settings(stack: str) -> Settings:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as err:
        raise NoStackError(f"Stack '{stack}' is not reachable: {err}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    try:
        return Settings(
            table=outputs["StateTableName"], bucket=outputs["DagBucketName"], queue_url=outputs["TaskQueueUrl"]
        )
    except KeyError as missing:
        raise NoStackError(f"Stack '{stack}' has no output {missing}: is it an Updraft stack?") from None

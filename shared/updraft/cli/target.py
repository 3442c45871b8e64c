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


def write_standalone_state(endpoint: str, env: dict[str, str], api_url: str | None = None) -> None:
    path = standalone_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"endpoint": endpoint, "env": env, "pid": os.getpid(), "api_url": api_url}
    path.write_text(json.dumps(state, indent=2))


def read_standalone_state() -> dict[str, Any]:
    """What the running `updraft standalone` recorded; NoStackError if none is running."""
    path = standalone_state_file()
    if not path.exists():
        raise NoStackError(
            "No stack reachable: start the local one with `updraft standalone`, "
            "or name a deployed one with --stack NAME"
        )
    state = json.loads(path.read_text())
    pid = state.get("pid")
    if isinstance(pid, int) and not _alive(pid):
        raise NoStackError(
            f"No stack reachable: the local stack recorded in {path} (pid {pid}) is not running; "
            "start it with `updraft standalone`, or name a deployed one with --stack NAME"
        )
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    state = read_standalone_state()
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
            table=outputs["StateTableName"], bucket=outputs["DagBucketName"], queue_url=outputs["TaskQueueUrl"],
            secrets_prefix=outputs.get("SecretsPrefix") or f"/updraft/{stack}",
        )
    except KeyError as missing:
        raise NoStackError(f"Stack '{stack}' has no output {missing}: is it an Updraft stack?") from None


def describe_target(stack: str | None = None) -> dict[str, Any]:
    """Which stack a command would talk to and where: for `updraft info`."""
    if not stack:
        state = read_standalone_state()
        env = state["env"]
        return {
            "stack": f"local (updraft standalone, pid {state.get('pid')})",
            "endpoint": state.get("endpoint"),
            "api_url": state.get("api_url"),
            "region": env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION"),
            "table": env.get("UPDRAFT_TABLE"),
            "bucket": env.get("UPDRAFT_BUCKET"),
            "queue_url": env.get("UPDRAFT_QUEUE_URL"),
            "state_file": str(standalone_state_file()),
        }
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session()
    try:
        described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as err:
        raise NoStackError(f"Stack '{stack}' is not reachable: {err}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {
        "stack": f"{stack} ({described.get('StackStatus', 'unknown status')})",
        "endpoint": os.environ.get("AWS_ENDPOINT_URL") or f"AWS ({session.region_name})",
        "api_url": outputs.get("ApiUrl"),
        "region": session.region_name,
        "table": outputs.get("StateTableName"),
        "bucket": outputs.get("DagBucketName"),
        "queue_url": outputs.get("TaskQueueUrl"),
    }

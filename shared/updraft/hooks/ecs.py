"""EcsHook: Amazon ECS, as Airflow's."""

from __future__ import annotations

from typing import Any

from updraft.hooks.base_aws import AwsBaseHook


class EcsHook(AwsBaseHook):
    """Interact with Amazon ECS (`boto3.client("ecs")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "ecs"
        super().__init__(*args, **kwargs)

    def get_task_state(self, cluster: str, task: str) -> str:
        """The task's lastStatus (PROVISIONING … RUNNING … STOPPED)."""
        response = self.get_conn().describe_tasks(cluster=cluster, tasks=[task])
        return response["tasks"][0]["lastStatus"]

"""EcsRunTaskOperator: run a task on Amazon ECS (Fargate or EC2) and wait for it to stop, the
reschedule way (Airflow's EcsRunTaskOperator, without holding a worker while it runs)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Container, Sequence
from datetime import timedelta
from typing import Any

from updraft.exceptions import AirflowException, AirflowSkipException
from updraft.hooks.ecs import EcsHook
from updraft.operators.remote_job import RemoteJobOperator

log = logging.getLogger("updraft.task")


class EcsOperatorError(Exception):
    """ECS refused to start the task (RunTask's `failures`)."""

    def __init__(self, failures: list[Any], message: str) -> None:
        super().__init__(message)
        self.failures = failures
        self.message = message


class EcsTaskFailToStart(AirflowException):
    """The task stopped before it started (stopCode TaskFailedToStart)."""


class EcsRunTaskOperator(RemoteJobOperator):
    """Run `task_definition` on `cluster` (`launch_type="FARGATE"`, or a capacity provider
    strategy), with `overrides` and `network_configuration` as RunTask takes them. The try
    ends when the task stops: success when every container exited 0, failure with the stop
    reason otherwise. With `awslogs_group` and `awslogs_stream_prefix` the container's
    CloudWatch log is copied into the task log as it is written. XCom: `ecs_task_arn`, and
    (as in Airflow) the last log line as the return value when logs are read."""

    job_kind = "ECS task"
    ui_color = "#f0ede4"
    aws_hook_class = EcsHook
    template_fields: Sequence[str] = (
        "task_definition", "cluster", "overrides", "launch_type", "capacity_provider_strategy",
        "volume_configurations", "group", "placement_constraints", "placement_strategy", "platform_version",
        "network_configuration", "tags", "awslogs_group", "awslogs_region", "awslogs_stream_prefix",
        "awslogs_fetch_interval", "container_name", "propagate_tags", "reattach", "number_logs_exception",
        "wait_for_completion", "aws_conn_id", "region_name", "verify",
    )
    template_fields_renderers = {"overrides": "json", "network_configuration": "json", "tags": "json"}

    def __init__(
        self,
        *,
        task_definition: str,
        cluster: str,
        overrides: dict[str, Any] | None = None,
        launch_type: str = "EC2",
        capacity_provider_strategy: list[dict[str, Any]] | None = None,
        volume_configurations: list[dict[str, Any]] | None = None,
        group: str | None = None,
        placement_constraints: list[dict[str, Any]] | None = None,
        placement_strategy: list[dict[str, Any]] | None = None,
        platform_version: str | None = None,
        network_configuration: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        awslogs_group: str | None = None,
        awslogs_region: str | None = None,
        awslogs_stream_prefix: str | None = None,
        awslogs_fetch_interval: timedelta = timedelta(seconds=30),
        container_name: str | None = None,
        propagate_tags: str | None = None,
        quota_retry: dict[str, Any] | None = None,
        reattach: bool = False,
        number_logs_exception: int = 10,
        wait_for_completion: bool = True,
        waiter_delay: int = 6,
        waiter_max_attempts: int = 1000000,
        deferrable: bool = False,
        skip_on_exit_code: int | Container[int] | None = None,
        stop_task_on_failure: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(wait_for_completion=wait_for_completion, **kwargs)
        self.task_definition = task_definition
        self.cluster = cluster
        self.overrides = overrides if overrides is not None else {}
        self.launch_type = launch_type
        self.capacity_provider_strategy = capacity_provider_strategy
        self.volume_configurations = volume_configurations
        self.group = group
        self.placement_constraints = placement_constraints
        self.placement_strategy = placement_strategy
        self.platform_version = platform_version
        self.network_configuration = network_configuration
        self.tags = tags
        self.awslogs_group = awslogs_group
        self.awslogs_region = awslogs_region
        self.awslogs_stream_prefix = awslogs_stream_prefix
        self.awslogs_fetch_interval = awslogs_fetch_interval
        self.container_name = container_name
        self.propagate_tags = propagate_tags
        self.quota_retry = quota_retry
        self.reattach = reattach
        self.number_logs_exception = number_logs_exception
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.deferrable = deferrable  # waiting never holds a worker in Updraft; accepted for compatibility
        if skip_on_exit_code is None:
            self.skip_on_exit_code: Container[int] = []
        elif isinstance(skip_on_exit_code, Container):
            self.skip_on_exit_code = skip_on_exit_code
        else:
            self.skip_on_exit_code = [skip_on_exit_code]
        self.stop_task_on_failure = stop_task_on_failure

    @property
    def client(self) -> Any:
        return self.hook.conn

    @property
    def poll_interval(self) -> float:
        return float(self.waiter_delay)

    @property
    def max_polls(self) -> int | None:
        return self.waiter_max_attempts

    # ------------------------------------------------------------------ submitting
    def submit_job(self, context: Any) -> str:
        log.info("Running ECS Task - Task definition: %s - on cluster %s", self.task_definition, self.cluster)
        log.info("EcsOperator overrides: %s", self.overrides)
        started_by = None
        if self.reattach:
            ti = context["ti"]
            started_by = _started_by(ti)
            log.info("Try to find run with startedBy=%r", started_by)
            running = self.client.list_tasks(cluster=self.cluster, desiredStatus="RUNNING",
                                             startedBy=started_by)["taskArns"]
            if running:
                log.info("Reattaching previously launched task: %s", running[0])
                return running[0]
            log.info("No active previously launched task found to reattach")
        options: dict[str, Any] = {
            "cluster": self.cluster,
            "taskDefinition": self.task_definition,
            "overrides": self.overrides,
            "startedBy": started_by or self.owner,
        }
        if self.capacity_provider_strategy:
            options["capacityProviderStrategy"] = self.capacity_provider_strategy
        elif self.launch_type:
            options["launchType"] = self.launch_type
        optional = {
            "volumeConfigurations": self.volume_configurations, "platformVersion": self.platform_version,
            "group": self.group, "placementConstraints": self.placement_constraints,
            "placementStrategy": self.placement_strategy, "networkConfiguration": self.network_configuration,
            "propagateTags": self.propagate_tags,
        }
        options.update({k: v for k, v in optional.items() if v is not None})
        if self.tags is not None:
            options["tags"] = [{"key": k, "value": v} for k, v in self.tags.items()]
        response = self.client.run_task(**options)
        failures = response.get("failures") or []
        if failures:
            raise EcsOperatorError(failures, f"ECS could not start the task: {failures}")
        arn = response["tasks"][0]["taskArn"]
        log.info("ECS task ID is: %s", _task_id(arn))
        return arn

    def on_submitted(self, context: Any, job: dict[str, Any]) -> None:
        if self.do_xcom_push:
            context["ti"].xcom_push("ecs_task_arn", job["job_id"])

    # ------------------------------------------------------------------ checking
    def check_job(self, context: Any, job: dict[str, Any]) -> bool:
        response = self.client.describe_tasks(cluster=self.cluster, tasks=[job["job_id"]])
        if response.get("failures"):
            raise AirflowException(f"ECS could not describe task {job['job_id']}: {response['failures']}")
        task = response["tasks"][0]
        stopped = task.get("lastStatus") == "STOPPED"
        if self._logs_enabled():
            self.copy_new_log_lines(job, str(self.awslogs_group), self._log_stream(task, job["job_id"]),
                                    self.awslogs_region or self.region_name, max_pages=None if stopped else 20)
        if not stopped:
            log.info("ECS task %s is %s", _task_id(job["job_id"]), task.get("lastStatus"))
            return False
        self._check_success(task, job)
        return True

    def _logs_enabled(self) -> bool:
        return bool(self.awslogs_group and self.awslogs_stream_prefix)

    def _log_stream(self, task: dict[str, Any], arn: str) -> str:
        """`prefix/container/task-id`, as the awslogs driver names a Fargate task's stream."""
        prefix = str(self.awslogs_stream_prefix)
        container = self.container_name or next(
            (c.get("name") for c in task.get("containers", []) if c.get("name")), None)
        if container and not prefix.endswith(f"/{container}"):
            return f"{prefix}/{container}/{_task_id(arn)}"
        return f"{prefix}/{_task_id(arn)}"

    def _check_success(self, task: dict[str, Any], job: dict[str, Any]) -> None:
        """Airflow's checks of a stopped task: it started, its host did not vanish, and every
        container exited 0."""
        reason = task.get("stoppedReason", "")
        if task.get("stopCode") == "TaskFailedToStart":
            raise EcsTaskFailToStart(f"The task failed to start due to: {reason}")
        if re.match(r"Host EC2 \(instance .+?\) (stopped|terminated)\.", reason):
            raise AirflowException(f"The task was stopped because the host instance terminated: {reason}")
        for container in task.get("containers", []):
            status, exit_code = container.get("lastStatus"), container.get("exitCode")
            if status == "STOPPED" and exit_code != 0:
                code = 1 if exit_code is None else exit_code
                exception: type[AirflowException] = (
                    AirflowSkipException if code in self.skip_on_exit_code else AirflowException)
                detail = f"container {container.get('name')} exited with code {exit_code}"
                if container.get("reason"):
                    detail += f" ({container['reason']})"
                message = f"This task is not in success state: {detail}; stopped reason: {reason or 'none given'}"
                if self._logs_enabled() and job.get("log_stream"):
                    message += f" - last {self.number_logs_exception} logs from Cloudwatch:\n" + "\n".join(
                        self._last_log_lines(job))
                raise exception(message)
            if status == "PENDING":
                raise AirflowException(
                    f"This task is still pending: container {container.get('name')} never started; "
                    f"stopped reason: {reason or 'none given'}")
            if "error" in (container.get("reason") or "").lower():
                raise AirflowException(
                    f"This containers encounter an error during launching: {container['reason'].lower()}")
        log.info("ECS task %s stopped successfully (%s)", _task_id(job["job_id"]), reason or "essential container exited")

    def _last_log_lines(self, job: dict[str, Any]) -> list[str]:
        from updraft.hooks.logs import AwsLogsHook

        client = AwsLogsHook(aws_conn_id=self.aws_conn_id, region_name=self.awslogs_region or self.region_name,
                             verify=self.verify, config=self.botocore_config).get_conn()
        try:
            events = client.get_log_events(logGroupName=self.awslogs_group, logStreamName=job["log_stream"],
                                           startFromHead=False, limit=self.number_logs_exception)["events"]
        except Exception:  # noqa: BLE001 - the failure's message stands without the lines
            return []
        return [event["message"] for event in events]

    def stop_job(self, job: dict[str, Any], reason: str) -> None:
        if not self.stop_task_on_failure:
            return
        log.warning("Stopping ECS task %s: %s", job["job_id"], reason)
        self.client.stop_task(cluster=self.cluster, task=job["job_id"], reason=f"Updraft: {reason}"[:255])

    def job_result(self, context: Any, job: dict[str, Any]) -> Any:
        if self.do_xcom_push and self._logs_enabled() and self.wait_for_completion:
            return job.get("last_log")
        return None


def _task_id(arn: str) -> str:
    return arn.split("/")[-1]


def _started_by(ti: Any) -> str:
    """The same id for every try of one task instance (Airflow's reattach key)."""
    name = f"{ti.dag_id}{ti.task_id}{ti.run_id}{ti.map_index}"
    return str(uuid.uuid5(uuid.NAMESPACE_OID, name))

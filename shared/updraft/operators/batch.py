"""BatchOperator: submit an AWS Batch job and wait for it to end, the reschedule way (Airflow's
BatchOperator, without holding a worker while the job runs)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.batch_client import BatchClientHook, failure_reason
from updraft.operators.remote_job import RemoteJobOperator

log = logging.getLogger("updraft.task")


class BatchOperator(RemoteJobOperator):
    """Submit `job_name` to `job_queue` with `job_definition` (and `container_overrides`,
    `parameters`, …, as SubmitJob takes them). The try ends when the job does: success when it
    SUCCEEDED (the job id is the XCom), failure with the job's status reason when it FAILED.
    The job's CloudWatch log (its container's stream) is copied into the task log as it is
    written. With `job_id`, an existing job is waited for instead of submitting one."""

    job_kind = "AWS Batch job"
    ui_color = "#c3dae0"
    aws_hook_class = BatchClientHook
    template_fields: Sequence[str] = (
        "job_id", "job_name", "job_definition", "job_queue", "container_overrides", "array_properties",
        "ecs_properties_override", "eks_properties_override", "node_overrides", "parameters",
        "retry_strategy", "waiters", "tags", "wait_for_completion", "awslogs_enabled",
        "awslogs_fetch_interval", "aws_conn_id", "region_name", "verify",
    )
    template_fields_renderers = {"container_overrides": "json", "parameters": "json", "node_overrides": "json",
                                 "retry_strategy": "json"}

    def __init__(
        self,
        *,
        job_name: str,
        job_definition: str,
        job_queue: str,
        container_overrides: dict[str, Any] | None = None,
        ecs_properties_override: dict[str, Any] | None = None,
        eks_properties_override: dict[str, Any] | None = None,
        node_overrides: dict[str, Any] | None = None,
        share_identifier: str | None = None,
        scheduling_priority_override: int | None = None,
        array_properties: dict[str, Any] | None = None,
        parameters: dict[str, Any] | None = None,
        retry_strategy: dict[str, Any] | None = None,
        job_id: str | None = None,
        waiters: Any = None,
        max_retries: int = 4200,
        status_retries: int | None = None,
        tags: dict[str, str] | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = False,
        poll_interval: int = 30,
        awslogs_enabled: bool = True,
        awslogs_fetch_interval: timedelta = timedelta(seconds=30),
        submit_job_timeout: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wait_for_completion=wait_for_completion, **kwargs)
        self.job_id = job_id
        self.job_name = job_name
        self.job_definition = job_definition
        self.job_queue = job_queue
        self.container_overrides = container_overrides
        self.ecs_properties_override = ecs_properties_override
        self.eks_properties_override = eks_properties_override
        self.node_overrides = node_overrides
        self.share_identifier = share_identifier
        self.scheduling_priority_override = scheduling_priority_override
        self.array_properties = array_properties
        self.parameters = parameters or {}
        self.retry_strategy = retry_strategy
        self.waiters = waiters
        self.max_retries = max_retries
        self.status_retries = status_retries
        self.tags = tags or {}
        self.deferrable = deferrable  # waiting never holds a worker in Updraft; accepted for compatibility
        self.poll_interval_seconds = poll_interval
        self.awslogs_enabled = awslogs_enabled
        self.awslogs_fetch_interval = awslogs_fetch_interval
        self.submit_job_timeout = submit_job_timeout

    @property
    def client(self) -> Any:
        return self.hook.conn

    @property
    def poll_interval(self) -> float:
        return float(self.poll_interval_seconds)

    @property
    def max_polls(self) -> int | None:
        return self.max_retries

    def submit_job(self, context: Any) -> str:
        if self.waiters is not None:
            log.warning("`waiters` is ignored: the job is checked every poll_interval (%ss) without a waiter",
                        self.poll_interval)
        if self.job_id:
            log.info("Waiting for AWS Batch job %s, submitted elsewhere", self.job_id)
            return str(self.job_id)
        log.info("Running AWS Batch job - job definition: %s - on queue %s", self.job_definition, self.job_queue)
        if self.container_overrides:
            log.info("AWS Batch job - container overrides: %s", self.container_overrides)
        options = {
            "jobName": self.job_name,
            "jobQueue": self.job_queue,
            "jobDefinition": self.job_definition,
            "arrayProperties": self.array_properties,
            "parameters": self.parameters,
            "tags": self.tags,
            "containerOverrides": self.container_overrides,
            "ecsPropertiesOverride": self.ecs_properties_override,
            "eksPropertiesOverride": self.eks_properties_override,
            "nodeOverrides": self.node_overrides,
            "retryStrategy": self.retry_strategy,
            "shareIdentifier": self.share_identifier,
            "schedulingPriorityOverride": self.scheduling_priority_override,
            "timeout": {"attemptDurationSeconds": self.submit_job_timeout} if self.submit_job_timeout else None,
        }
        response = self.client.submit_job(**{k: v for k, v in options.items() if v})
        job_id = response["jobId"]
        log.info("AWS Batch job (%s) started: %s", job_id, response.get("jobArn"))
        return job_id

    def check_job(self, context: Any, job: dict[str, Any]) -> bool:
        description = self.hook.get_job_description(job["job_id"])
        status = description.get("status")
        done = status in (BatchClientHook.SUCCESS_STATE, BatchClientHook.FAILURE_STATE)
        stream = BatchClientHook.job_log_stream(description) if self.awslogs_enabled else None
        if stream is not None:
            self.copy_new_log_lines(job, stream[0], stream[1], max_pages=None if done else 20)
        if status == BatchClientHook.SUCCESS_STATE:
            log.info("AWS Batch job (%s) succeeded", job["job_id"])
            return True
        if status == BatchClientHook.FAILURE_STATE:
            raise AirflowException(f"AWS Batch job ({job['job_id']}) failed: {failure_reason(description)}")
        if status not in BatchClientHook.INTERMEDIATE_STATES:
            raise AirflowException(f"AWS Batch job ({job['job_id']}) has unknown status: {status}")
        log.info("AWS Batch job (%s) is %s", job["job_id"], status)
        return False

    def stop_job(self, job: dict[str, Any], reason: str) -> None:
        log.warning("Terminating AWS Batch job %s: %s", job["job_id"], reason)
        self.hook.terminate_job(job["job_id"], f"Updraft: {reason}")

    def job_result(self, context: Any, job: dict[str, Any]) -> Any:
        return job["job_id"]

"""BatchClientHook: AWS Batch, as Airflow's."""

from __future__ import annotations

from typing import Any

from updraft.exceptions import AirflowException
from updraft.hooks.base_aws import AwsBaseHook


class BatchClientHook(AwsBaseHook):
    """Interact with AWS Batch (`boto3.client("batch")`)."""

    FAILURE_STATE = "FAILED"
    SUCCESS_STATE = "SUCCEEDED"
    RUNNING_STATE = "RUNNING"
    INTERMEDIATE_STATES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", RUNNING_STATE)

    def __init__(self, *args: Any, max_retries: int | None = None, status_retries: int | None = None,
                 **kwargs: Any) -> None:
        kwargs["client_type"] = "batch"
        super().__init__(*args, **kwargs)
        self.max_retries = max_retries
        self.status_retries = status_retries

    @property
    def client(self) -> Any:
        return self.conn

    def get_job_description(self, job_id: str) -> dict[str, Any]:
        """The job as DescribeJobs gives it; an error when Batch does not know it."""
        jobs = self.get_conn().describe_jobs(jobs=[job_id]).get("jobs", [])
        if not jobs:
            raise AirflowException(f"AWS Batch job ({job_id}) description error: no such job")
        return jobs[0]

    def terminate_job(self, job_id: str, reason: str) -> dict[str, Any]:
        response = self.get_conn().terminate_job(jobId=job_id, reason=reason)
        self.log.info(response)
        return response

    def check_job_success(self, job_id: str) -> bool:
        """True if the job SUCCEEDED; an error with the job's reason otherwise."""
        job = self.get_job_description(job_id)
        status = job.get("status")
        if status == self.SUCCESS_STATE:
            self.log.info("AWS Batch job (%s) succeeded", job_id)
            return True
        if status == self.FAILURE_STATE:
            raise AirflowException(f"AWS Batch job ({job_id}) failed: {failure_reason(job)}")
        if status in self.INTERMEDIATE_STATES:
            raise AirflowException(f"AWS Batch job ({job_id}) is not complete: {status}")
        raise AirflowException(f"AWS Batch job ({job_id}) has unknown status: {status}")

    @staticmethod
    def job_log_stream(job: dict[str, Any]) -> tuple[str, str] | None:
        """(log group, stream) of the job's latest attempt's container, if it has one: the
        group is the job definition's awslogs-group, by default `/aws/batch/job`."""
        container = job.get("container") or {}
        stream = container.get("logStreamName")
        attempts = job.get("attempts") or []
        if attempts:
            stream = (attempts[-1].get("container") or {}).get("logStreamName") or stream
        if not stream:
            return None
        options = (container.get("logConfiguration") or {}).get("options") or {}
        return options.get("awslogs-group", "/aws/batch/job"), stream


def failure_reason(job: dict[str, Any]) -> str:
    """Why a Batch job failed, in a line: its statusReason, and its container's reason and exit
    code when it has them."""
    parts = [job.get("statusReason") or "no reason given"]
    container = job.get("container") or {}
    attempts = job.get("attempts") or []
    if attempts:
        container = {**container, **(attempts[-1].get("container") or {})}
    if container.get("reason"):
        parts.append(f"container: {container['reason']}")
    if container.get("exitCode") is not None:
        parts.append(f"exit code {container['exitCode']}")
    return "; ".join(parts)

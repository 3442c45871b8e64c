"""Work that outgrows a Lambda, run elsewhere and waited for the reschedule way.

An operator built on `RemoteJobOperator` submits its job (an ECS task, a Batch job) on the
first run of a try, records the job's id in XCom with the try number, and frees the worker:
the try becomes `up_for_reschedule`, and SQS (or, past 15 minutes, the scheduler's timer)
brings it back after the poll interval. Each return looks at the job once, copies the job's
new CloudWatch log lines into the try's log, and either reschedules again or ends the try:
success when the job succeeded, failure with the job's reason when it failed.

One job per try: every run of a try reads the recorded id first and only submits when this
try has none, so a message delivered twice, or a reschedule that comes back, never submits a
second job. A retry is a new try, and submits a new job, as in Airflow."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from updraft.exceptions import AirflowException, AirflowRescheduleException, AirflowTaskTimeout
from updraft.operators.base_aws import AwsBaseOperator

log = logging.getLogger("updraft.task")

XCOM_JOB_KEY = "remote_job"
# Pages of CloudWatch events read per check, so that a chatty job cannot hold the worker.
MAX_LOG_PAGES_PER_CHECK = 20


class RemoteJobOperator(AwsBaseOperator):
    """Subclasses implement `submit_job`, `check_job`, `stop_job`; `job_kind` names the job in
    messages."""

    job_kind = "job"

    def __init__(self, *, wait_for_completion: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wait_for_completion = wait_for_completion

    # ------------------------------------------------------------------ to implement
    def submit_job(self, context: Any) -> str:
        """Start the job; its id."""
        raise NotImplementedError

    def check_job(self, context: Any, job: dict[str, Any]) -> bool:
        """Look at the job once (copying new log lines): True when it succeeded, False while it
        runs; raise with its reason when it failed."""
        raise NotImplementedError

    def stop_job(self, job: dict[str, Any], reason: str) -> None:
        """Stop a job this task gives up on."""
        raise NotImplementedError

    def job_result(self, context: Any, job: dict[str, Any]) -> Any:
        """What the task returns (its XCom) once the job succeeded."""
        return job["job_id"]

    @property
    def poll_interval(self) -> float:
        """Seconds between two checks."""
        raise NotImplementedError

    @property
    def max_polls(self) -> int | None:
        """How many checks before giving up (None: no limit)."""
        return None

    def on_submitted(self, context: Any, job: dict[str, Any]) -> None:
        """Called once, right after the job was submitted and recorded."""

    # ------------------------------------------------------------------ the loop
    def execute(self, context: Any) -> Any:
        ti = context["ti"]
        job = self.tracked_job(ti)
        if job is None:
            job = {"try_number": ti.try_number, "job_id": None, "submitted_at": _now().isoformat(), "checks": 0}
            job["job_id"] = self.submit_job(context)
            self._record(ti, job)
            log.info("Submitted %s %s; checking on it every %s seconds without holding a worker",
                     self.job_kind, job["job_id"], self.poll_interval)
            self.on_submitted(context, job)
            if not self.wait_for_completion:
                return self.job_result(context, job)
            return self._come_back(job)
        log.info("Checking on %s %s (submitted by this try at %s)", self.job_kind, job["job_id"], job["submitted_at"])
        job["checks"] = int(job.get("checks", 0)) + 1
        try:
            done = self.check_job(context, job)
        finally:
            self._record(ti, job)  # new log positions are kept, whatever the outcome
        if done:
            return self.job_result(context, job)
        self._give_up_if_due(job)
        return self._come_back(job)

    def tracked_job(self, ti: Any) -> dict[str, Any] | None:
        """The job this try submitted, if it did (recorded in XCom with its try number)."""
        job = ti.xcom_pull(task_ids=ti.task_id, key=XCOM_JOB_KEY, map_indexes=ti.map_index)
        if isinstance(job, dict) and job.get("try_number") == ti.try_number and job.get("job_id"):
            return job
        return None

    def _record(self, ti: Any, job: dict[str, Any]) -> None:
        ti.xcom_push(XCOM_JOB_KEY, job)

    def _give_up_if_due(self, job: dict[str, Any]) -> None:
        limit = self.max_polls
        if limit is not None and job["checks"] >= limit:
            reason = f"{self.job_kind} {job['job_id']} still not done after {job['checks']} checks"
            self._stop_quietly(job, reason)
            raise AirflowException(f"Max attempts exceeded: {reason}")
        timeout = self.execution_timeout
        elapsed = _now() - datetime.fromisoformat(job["submitted_at"])
        if timeout is not None and elapsed > timeout:
            self._stop_quietly(job, "execution_timeout reached")
            raise AirflowTaskTimeout(
                f"Timeout, {self.job_kind} {job['job_id']} of task {self.task_id} ran longer than "
                f"{timeout.total_seconds()} seconds; it was stopped")

    def _stop_quietly(self, job: dict[str, Any], reason: str) -> None:
        try:
            self.stop_job(job, reason)
        except Exception:  # noqa: BLE001 - the task fails either way; say why the stop did not work
            log.exception("Could not stop %s %s", self.job_kind, job["job_id"])

    def _come_back(self, job: dict[str, Any]) -> Any:
        started = datetime.fromisoformat(job["submitted_at"])
        raise AirflowRescheduleException(_now() + timedelta(seconds=self.poll_interval),
                                         started_at=started, poke_count=int(job.get("checks", 0)))

    # ------------------------------------------------------------------ logs
    def copy_new_log_lines(self, job: dict[str, Any], group: str, stream: str, region: str | None = None,
                           max_pages: int | None = MAX_LOG_PAGES_PER_CHECK) -> None:
        """Copy the stream's events written since the last check into the task log (a stream
        that does not exist yet is simply not there yet)."""
        from botocore.exceptions import ClientError

        from updraft.hooks.logs import AwsLogsHook

        hook = AwsLogsHook(aws_conn_id=self.aws_conn_id, region_name=region or self.region_name,
                           verify=self.verify, config=self.botocore_config)
        client = hook.get_conn()
        token = job.get("log_token") if job.get("log_stream") == stream else None
        pages = 0
        try:
            while max_pages is None or pages < max_pages:
                kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
                if token:
                    kwargs["nextToken"] = token
                response = client.get_log_events(**kwargs)
                pages += 1
                events = response.get("events", [])
                for event in events:
                    stamp = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc)
                    log.info("[%s] %s", stamp.strftime("%Y-%m-%d %H:%M:%S,%f")[:-3], event["message"])
                    job["last_log"] = event["message"]
                following = response.get("nextForwardToken")
                if not events or not following or following == token:
                    token = following or token
                    break
                token = following
        except ClientError as err:
            if err.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            log.info("No CloudWatch log stream %s in %s yet", stream, group)
        job["log_stream"], job["log_token"] = stream, token


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""Work that outgrows a Lambda, on ECS and AWS Batch (moto), through the real handlers: the
job is submitted once per try, each check is one short worker invocation that reschedules
(no worker waits), its CloudWatch log lines land in the try's log as they are written, and
the try ends with the job — success, or failure with the job's reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws_fakes import (
    batch_job,
    batch_jobs_keep_running,
    end_batch_job,
    ecs_task,
    put_log_lines,
    states_held,
    stop_ecs_task,
    without_docker,
)
from tests.engine_driver import Driver


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


@pytest.fixture
def session(stack_env: dict[str, str]) -> Any:
    import boto3

    return boto3.session.Session()


def task_log(driver: Driver, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
    from updraft.store.bucket import log_key

    return (driver.services.bucket.get(log_key(dag_id, run_id, task_id, -1, try_number)) or b"").decode()


# ------------------------------------------------------------------ ECS


@pytest.fixture
def ecs(session: Any) -> Any:
    """A cluster and a task definition; tasks stay RUNNING until a test stops them."""
    client = session.client("ecs")
    client.create_cluster(clusterName="etl")
    client.register_task_definition(family="transform", containerDefinitions=[
        {"name": "main", "image": "example/transform:1", "memory": 512}])
    with states_held("ecs::task"):
        yield client


ECS_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EcsRunTaskOperator

    with DAG("ecs_job", schedule=None, start_date=datetime(2024, 1, 1)):
        EcsRunTaskOperator(
            task_id="transform", cluster="etl", task_definition="transform", launch_type="FARGATE",
            overrides={"containerOverrides": [{"name": "main", "command": ["transform", "{{ ds }}"]}]},
            network_configuration={"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}},
            awslogs_group="/ecs/transform", awslogs_stream_prefix="ecs", waiter_delay=0, __MORE__
        )
"""


def ecs_dag(**more: Any) -> str:
    return ECS_DAG.replace("__MORE__", ", ".join(f"{k}={v!r}" for k, v in more.items()))


def only_task(ecs: Any) -> str:
    [arn] = ecs.list_tasks(cluster="etl")["taskArns"]
    return arn


def test_ecs_task_is_checked_the_reschedule_way_and_its_log_lands_in_the_try(driver: Driver, ecs: Any,
                                                                             session: Any) -> None:
    driver.upload("ecs_job.py", ecs_dag())
    run = driver.trigger("ecs_job")
    driver.drain(rounds=3)  # submitted, then checked: each check one short invocation

    arn = only_task(ecs)
    ti = driver.services.tis.get("ecs_job", run.run_id, "transform")
    assert (str(ti.state), ti.try_number) in {("up_for_reschedule", 1), ("queued", 1)}
    task = ecs.describe_tasks(cluster="etl", tasks=[arn])["tasks"][0]
    assert task["launchType"] == "FARGATE"
    assert task["overrides"]["containerOverrides"][0]["command"] == ["transform", run.logical_date[:10]]
    stream = f"ecs/main/{arn.split('/')[-1]}"
    put_log_lines(session, "/ecs/transform", stream, "reading 3 files", "wrote part 1")
    driver.drain(rounds=3)
    put_log_lines(session, "/ecs/transform", stream, "wrote part 2", "done")
    stop_ecs_task("etl", arn, exit_code=0)
    driver.drain()

    assert driver.states("ecs_job", run.run_id) == {"transform": ("success", 1)}
    xcoms = driver.services.xcoms
    assert xcoms.get("ecs_job", run.run_id, "transform", -1, "ecs_task_arn") == (True, arn)
    assert xcoms.get("ecs_job", run.run_id, "transform", -1, "return_value") == (True, "done")
    log = task_log(driver, "ecs_job", run.run_id, "transform")
    lines = [line.split("] ", 2)[-1] for line in log.splitlines()]
    copied = [line for line in lines if line in ("reading 3 files", "wrote part 1", "wrote part 2", "done")]
    assert copied == ["reading 3 files", "wrote part 1", "wrote part 2", "done"]  # each once, in order
    assert log.count("Checking on ECS task") >= 3
    assert len(ecs.list_tasks(cluster="etl")["taskArns"]) == 1


def test_ecs_task_that_exits_non_zero_fails_the_task_with_its_reason(driver: Driver, ecs: Any,
                                                                      session: Any) -> None:
    driver.upload("ecs_job.py", ecs_dag(number_logs_exception=2))
    run = driver.trigger("ecs_job")
    driver.drain(rounds=2)
    arn = only_task(ecs)
    put_log_lines(session, "/ecs/transform", f"ecs/main/{arn.split('/')[-1]}",
                  "reading 3 files", "Traceback (most recent call last):", "KeyError: 'amount'")
    stop_ecs_task("etl", arn, exit_code=3)
    driver.drain()

    assert driver.states("ecs_job", run.run_id) == {"transform": ("failed", 1)}
    error = driver.services.tis.get("ecs_job", run.run_id, "transform").error
    assert error == (
        "AirflowException: This task is not in success state: container main exited with code 3; "
        "stopped reason: Essential container in task exited - last 2 logs from Cloudwatch:\n"
        "Traceback (most recent call last):\nKeyError: 'amount'"
    )


def test_a_message_delivered_twice_never_starts_a_second_ecs_task(driver: Driver, ecs: Any) -> None:
    driver.upload("ecs_job.py", ecs_dag())
    run = driver.trigger("ecs_job")
    driver.drain(duplicate=True, rounds=2)
    arn = only_task(ecs)
    stop_ecs_task("etl", arn, exit_code=0)
    driver.drain(duplicate=True)

    assert driver.states("ecs_job", run.run_id) == {"transform": ("success", 1)}
    assert ecs.list_tasks(cluster="etl")["taskArns"] == [arn]


def test_a_task_still_running_after_its_last_attempt_is_stopped(driver: Driver, ecs: Any) -> None:
    driver.upload("ecs_job.py", ecs_dag(waiter_max_attempts=2))
    run = driver.trigger("ecs_job")
    driver.drain()

    assert driver.states("ecs_job", run.run_id) == {"transform": ("failed", 1)}
    arn = only_task(ecs)
    assert driver.services.tis.get("ecs_job", run.run_id, "transform").error == (
        f"AirflowException: Max attempts exceeded: ECS task {arn} still not done after 2 checks")
    task = ecs_task("etl", arn)
    assert (task.desired_status, task.stopped_reason) == (
        "STOPPED", f"Updraft: ECS task {arn} still not done after 2 checks")


# ------------------------------------------------------------------ Batch


@pytest.fixture
def batch(session: Any, moto_server: Any) -> Any:
    """A queue and a job definition; jobs stay RUNNING until a test ends them."""
    client = session.client("batch")
    role = session.client("iam").create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    env = client.create_compute_environment(computeEnvironmentName="etl-env", type="UNMANAGED", state="ENABLED",
                                            serviceRole=role)
    client.create_job_queue(jobQueueName="etl-queue", state="ENABLED", priority=1, computeEnvironmentOrder=[
        {"order": 1, "computeEnvironment": env["computeEnvironmentArn"]}])
    client.register_job_definition(jobDefinitionName="aggregate", type="container", containerProperties={
        "image": "example/aggregate:1", "vcpus": 1, "memory": 512, "command": ["aggregate"]})
    with without_docker(moto_server.url), batch_jobs_keep_running(), states_held("batch::job"):
        yield client


BATCH_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import BatchOperator

    with DAG("batch_job", schedule=None, start_date=datetime(2024, 1, 1)):
        BatchOperator(
            task_id="aggregate", job_name="aggregate-{{ ds_nodash }}", job_queue="etl-queue",
            job_definition="aggregate", parameters={"day": "{{ ds }}"},
            container_overrides={"command": ["aggregate", "--day", "{{ ds }}"]}, poll_interval=0, __MORE__
        )
"""


def batch_dag(**more: Any) -> str:
    return BATCH_DAG.replace("__MORE__", ", ".join(f"{k}={v!r}" for k, v in more.items()))


def only_job(batch: Any) -> str:
    [summary] = batch.list_jobs(jobQueue="etl-queue", jobStatus="RUNNING")["jobSummaryList"] or \
        batch.list_jobs(jobQueue="etl-queue", jobStatus="SUCCEEDED")["jobSummaryList"]
    return summary["jobId"]


def test_batch_job_is_checked_until_it_succeeds_and_its_id_is_the_xcom(driver: Driver, batch: Any,
                                                                        session: Any) -> None:
    driver.upload("batch_job.py", batch_dag())
    run = driver.trigger("batch_job")
    driver.drain(rounds=3)

    job_id = only_job(batch)
    job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
    ds = run.logical_date[:10]
    assert job["jobName"] == f"aggregate-{ds.replace('-', '')}"
    assert job["parameters"]["day"] == ds
    assert job["container"]["command"] == ["aggregate", "--day", ds]
    ti = driver.services.tis.get("batch_job", run.run_id, "aggregate")
    assert (str(ti.state), ti.try_number) in {("up_for_reschedule", 1), ("queued", 1)}
    put_log_lines(session, "/aws/batch/job", f"aggregate/default/{job_id}", "aggregating 2024", "12 rows")
    driver.drain(rounds=3)
    end_batch_job(job_id, success=True)
    driver.drain()

    assert driver.states("batch_job", run.run_id) == {"aggregate": ("success", 1)}
    assert driver.services.xcoms.get("batch_job", run.run_id, "aggregate", -1, "return_value") == (True, job_id)
    log = task_log(driver, "batch_job", run.run_id, "aggregate")
    assert log.count("] aggregating 2024") == 1 and log.count("] 12 rows") == 1
    assert f"AWS Batch job ({job_id}) succeeded" in log


def test_batch_job_that_fails_fails_the_task_with_the_jobs_reason(driver: Driver, batch: Any) -> None:
    driver.upload("batch_job.py", batch_dag())
    run = driver.trigger("batch_job")
    driver.drain(rounds=2)
    job_id = only_job(batch)
    end_batch_job(job_id, success=False, reason="Essential container in task exited")
    batch_job(job_id).latest_attempt["container"]["exitCode"] = 137
    driver.drain()

    assert driver.states("batch_job", run.run_id) == {"aggregate": ("failed", 1)}
    assert driver.services.tis.get("batch_job", run.run_id, "aggregate").error == (
        f"AirflowException: AWS Batch job ({job_id}) failed: Essential container in task exited; exit code 137")


def test_a_message_delivered_twice_never_submits_a_second_batch_job(driver: Driver, batch: Any) -> None:
    driver.upload("batch_job.py", batch_dag())
    run = driver.trigger("batch_job")
    driver.drain(duplicate=True, rounds=2)
    job_id = only_job(batch)
    end_batch_job(job_id, success=True)
    driver.drain(duplicate=True)

    assert driver.states("batch_job", run.run_id) == {"aggregate": ("success", 1)}
    assert [j["jobId"] for j in batch.list_jobs(jobQueue="etl-queue", jobStatus="SUCCEEDED")["jobSummaryList"]] == \
        [job_id]


def test_a_retry_is_a_new_try_and_submits_a_new_job(driver: Driver, batch: Any) -> None:
    driver.upload("batch_job.py", batch_dag(retries=1, retry_delay=0))
    run = driver.trigger("batch_job")
    driver.drain(rounds=2)
    first = only_job(batch)
    end_batch_job(first, success=False, reason="Host terminated")
    driver.drain(rounds=3)
    [second] = batch.list_jobs(jobQueue="etl-queue", jobStatus="RUNNING")["jobSummaryList"]
    end_batch_job(second["jobId"], success=True)
    driver.drain()

    assert driver.states("batch_job", run.run_id) == {"aggregate": ("success", 2)}
    assert second["jobId"] != first
    assert driver.services.xcoms.get("batch_job", run.run_id, "aggregate", -1, "return_value") == \
        (True, second["jobId"])


# ------------------------------------------------------------------ the worker's time limit


def test_the_lambda_time_limit_error_points_at_operators_that_exist() -> None:
    from updraft import operators
    from updraft.execution.worker import LAMBDA_RESERVE_SECONDS, _time_limit

    task = operators.EmptyOperator(task_id="long")
    _, make_error = _time_limit(task, seconds_left=LAMBDA_RESERVE_SECONDS + 5)
    message = str(make_error())

    named = [name for name in ("EcsRunTaskOperator", "BatchOperator") if name in message]
    assert named == ["EcsRunTaskOperator", "BatchOperator"]
    assert all(hasattr(operators, name) for name in named)
    assert "without holding a worker" in message

"""AWS requests per task instance: run a DAG on the local stack and count every DynamoDB,
SQS and S3 request Updraft's own code makes, by service and operation.

The event sources' own traffic (Lambda's SQS poller receiving and deleting messages, the S3
notification emulation listing versions) is counted apart: in AWS that is Lambda's and S3's.

    python bench/aws_requests.py                 # 100-task fan-out/fan-in
    python bench/aws_requests.py --width 20      # a smaller one
Writes bench/results/aws_requests.json beside the table."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

# Operations that, in AWS, the event sources make rather than Updraft's code.
EVENT_SOURCE_OPS = {("sqs", "ReceiveMessage"), ("sqs", "DeleteMessage"), ("sqs", "DeleteMessageBatch"),
                    ("s3", "ListObjectVersions")}

def fan_out_source(width: int) -> str:
    return f'''
from datetime import datetime
from updraft import DAG, task

with DAG("bench_fan_out", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def start() -> int:
        return 0

    @task
    def work(seed: int, i: int) -> int:
        return seed + i

    @task
    def join(*values: int) -> int:
        return len(values)

    seed = start()
    join(*[work.override(task_id=f"work_{{i}}")(seed, i) for i in range({width})])
'''


class RequestCounter:
    """Counts every botocore API call made in this process, by (service, operation)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        self.local = threading.local()

    def uncounted(self, fn):  # type: ignore[no-untyped-def]
        """`fn` made so that its own requests (the bench watching the run) are not counted."""
        def wrapped():  # type: ignore[no-untyped-def]
            self.local.off = True
            try:
                return fn()
            finally:
                self.local.off = False
        return wrapped

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counted(client: BaseClient, operation_name: str, api_params: dict) -> dict:
            service = client.meta.service_model.service_name
            if getattr(counter.local, "off", False):
                return original(client, operation_name, api_params)
            with counter.lock:
                counter.counts[(service, operation_name)] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter(self.counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=100, help="parallel tasks in the fan-out")
    args = parser.parse_args()

    from updraft.cli.dag_test import upload_folder
    from updraft.config import Settings
    from updraft.local.stack import LocalStack
    from updraft.models.dagrun import create_dag_run, start_dag_run
    from updraft.models.states import DagRunType
    from updraft.services import Services
    from updraft.timeutil import utcnow

    counter = RequestCounter()
    counter.install()
    folder = Path(tempfile.mkdtemp()) / "dags"
    folder.mkdir()
    (folder / "bench_fan_out.py").write_text(fan_out_source(args.width))
    stack = LocalStack(ROOT, env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
    stack.start()
    try:
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        upload_folder(services.bucket, folder)
        stack.run_until(lambda: services.dags.get("bench_fan_out") is not None, timeout=60)
        dag = services.dags.get("bench_fan_out", consistent=True)
        before = counter.snapshot()
        started = time.perf_counter()
        now = utcnow()
        run = create_dag_run(services, dag, run_id="manual__bench", run_type=DagRunType.MANUAL,
                             logical_date=now, data_interval=(now, now), run_after=now, now=now)
        start_dag_run(services, run, now)
        done = stack.run_until(
            counter.uncounted(
                lambda: services.runs.get("bench_fan_out", "manual__bench", consistent=True).state
                in ("success", "failed")
            ),
            timeout=600,
        )
        elapsed = time.perf_counter() - started
        after = counter.snapshot()
        final = services.runs.get("bench_fan_out", "manual__bench", consistent=True)
    finally:
        stack.stop()

    polls = 0
    delta = after - before
    task_instances = args.width + 2
    own = {k: v for k, v in delta.items() if k not in EVENT_SOURCE_OPS}
    source = {k: v for k, v in delta.items() if k in EVENT_SOURCE_OPS}
    print(f"fan-out/fan-in of {args.width} tasks: {task_instances} task instances, run {final.state if done else 'unfinished'} in {elapsed:.2f} s")
    print(f"{'service':10} {'operation':24} {'requests':>9} {'per TI':>7}")
    for (service, operation), n in sorted(own.items()):
        shown = n - polls if (service, operation) == ("dynamodb", "GetItem") else n
        print(f"{service:10} {operation:24} {shown:9d} {shown / task_instances:7.2f}")
    total = sum(own.values()) - polls
    print(f"{'total':35} {total:9d} {total / task_instances:7.2f}")
    print("event sources (Lambda's SQS poller, S3 notifications):",
          ", ".join(f"{s}.{o}={n}" for (s, o), n in sorted(source.items())))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "aws_requests.json").write_text(json.dumps({
        "dag": "fan_out_fan_in", "width": args.width, "task_instances": task_instances,
        "seconds": round(elapsed, 3), "state": str(final.state),
        "requests": {f"{s}.{o}": (n - polls if (s, o) == ("dynamodb", "GetItem") else n) for (s, o), n in own.items()},
        "event_source_requests": {f"{s}.{o}": n for (s, o), n in source.items()},
        "per_task_instance": round(total / task_instances, 2),
    }, indent=2))
    return 0 if done and str(final.state) == "success" else 1


if __name__ == "__main__":
    raise SystemExit(main())

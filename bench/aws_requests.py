"""AWS requests per task instance: run DAGs on the local stack and count every DynamoDB, SQS
and S3 request made in the process, by service and operation.

Two DAGs: a fan-out/fan-in of N parallel tasks (`start >> work_0..work_N-1 >> join`, each
work task pulling start's XCom and join pulling all of theirs), and a mapped task expanded
over a list (`join(work.expand(x=start()))`), at 100 and at 1,000 instances, so that what
grows with the size of a run shows. Requests are split three ways:

- Updraft's own: claiming, finishing, tallying, queueing, sending, reading the run, the log;
- the DAG's data: XCom pushes and pulls (the DAG asks for them by returning values and by
  taking arguments; Airflow makes the same reads and writes in its database);
- the event sources' polling (Lambda's SQS poller receiving and deleting, the S3 notification
  emulation listing versions): in AWS that is Lambda's and S3's own, not billed per request
  to the stack (Lambda's poller's ReceiveMessage is, see docs/cost.md).

    python bench/aws_requests.py                          # fan-out 100, mapped 100 and 1000
    python bench/aws_requests.py --width 20 --mapped 50   # smaller
Writes bench/results/aws_requests.json beside the tables."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import ROOT, quiet_stack_logs, write_result  # noqa: E402

# Operations that, in AWS, the event sources make rather than Updraft's code.
EVENT_SOURCE_OPS = {("sqs", "ReceiveMessage"), ("sqs", "DeleteMessage"), ("sqs", "DeleteMessageBatch"),
                    ("s3", "ListObjectVersions")}
OWN_TARGET = 8.0  # requests per task instance from Updraft's own code


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


def mapped_source(dag_id: str, length: int) -> str:
    return f'''
from datetime import datetime
from updraft import DAG, task

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def start() -> list[int]:
        return list(range({length}))

    @task
    def work(x: int) -> int:
        return x + 1

    @task
    def join(values) -> int:
        return sum(values)

    join(work.expand(x=start()))
'''


def _is_xcom(service: str, operation: str, params: dict[str, Any]) -> bool:
    """Whether a request reads or writes the DAG's XCom data."""
    if service == "dynamodb":
        key = params.get("Key") or params.get("Item") or {}
        if str((key.get("pk") or {}).get("S", "")).startswith("XCOM#"):
            return True
        values = params.get("ExpressionAttributeValues") or {}
        return any(str(v.get("S", "")).startswith("XCOM#") for v in values.values() if isinstance(v, dict))
    if service == "s3":
        return str(params.get("Key", "")).startswith("xcom/")
    return False


class RequestCounter:
    """Counts every botocore API call made in this process after `install()`, by (service,
    operation, kind)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
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
        """A botocore event hook on every API call (`before-parameter-build`, once per call,
        with the caller's parameters), among botocore's built-in handlers, so that every
        session made afterwards — the stack's, each handler's — carries it."""
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS.append(("before-parameter-build", self.count))

    def count(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        if getattr(self.local, "off", False):
            return
        service, operation = model.service_model.service_name, model.name
        if (service, operation) in EVENT_SOURCE_OPS:
            kind = "event source"
        elif _is_xcom(service, operation, params):
            kind = "dag data"
        else:
            kind = "own"
        with self.lock:
            self.counts[(service, operation, kind)] += 1

    def snapshot(self) -> Counter[tuple[str, str, str]]:
        with self.lock:
            return Counter(self.counts)


def item_kb(item: dict[str, Any]) -> float:
    """A DynamoDB item's size as DynamoDB bills it: names plus values, roughly."""
    size = 0
    for name, value in item.items():
        size += len(name)
        if isinstance(value, (set, frozenset, list)):
            size += sum(len(str(v)) for v in value)
        else:
            size += len(str(value))
    return size / 1024


def run_dag(stack: Any, services: Any, counter: RequestCounter, dag_id: str, task_instances: int,
            label: str) -> dict[str, Any]:
    from updraft.models.dagrun import create_dag_run, start_dag_run
    from updraft.models.states import DagRunType
    from updraft.store import keys
    from updraft.timeutil import utcnow

    stack.run_until(lambda: services.dags.get(dag_id) is not None, timeout=120)
    dag = services.dags.get(dag_id, consistent=True)
    before = counter.snapshot()
    started = time.perf_counter()
    now = utcnow()
    run_id = "manual__bench"
    run = create_dag_run(services, dag, run_id=run_id, run_type=DagRunType.MANUAL,
                         logical_date=now, data_interval=(now, now), run_after=now, now=now)
    start_dag_run(services, run, now)
    done = stack.run_until(
        counter.uncounted(lambda: str(services.runs.get(dag_id, run_id, consistent=True).state) in ("success", "failed")),
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    delta = counter.snapshot() - before
    final = services.runs.get(dag_id, run_id, consistent=True)
    tis = services.tis.list(dag_id, run_id)
    largest = max((item_kb(services.table.get(keys.ti_key(dag_id, run_id, t.task_id, t.map_index)) or {})
                   for t in tis if t.map_index < 0), default=0.0)
    per_kind = {kind: sum(n for (_, _, k), n in delta.items() if k == kind)
                for kind in ("own", "dag data", "event source")}
    return {
        "dag": label, "dag_id": dag_id, "task_instances": task_instances, "state": str(final.state) if done else "unfinished",
        "seconds": round(elapsed, 2),
        "requests": {f"{s}.{o}.{k}": n for (s, o, k), n in sorted(delta.items())},
        "own_per_ti": round(per_kind["own"] / task_instances, 2),
        "dag_data_per_ti": round(per_kind["dag data"] / task_instances, 2),
        "event_source_per_ti": round(per_kind["event source"] / task_instances, 2),
        "largest_task_instance_item_kb": round(largest, 1),
    }


def print_table(result: dict[str, Any]) -> None:
    n = result["task_instances"]
    print(f"\n{result['dag']}: {n} task instances, run {result['state']} in {result['seconds']} s")
    print(f"  {'service':9} {'operation':20} {'kind':13} {'requests':>9} {'per TI':>7}")
    for name, count in result["requests"].items():
        service, operation, kind = name.split(".", 2)
        print(f"  {service:9} {operation:20} {kind:13} {count:9d} {count / n:7.2f}")
    print(f"  per task instance: Updraft's own {result['own_per_ti']} (target <= {OWN_TARGET:g}), "
          f"the DAG's XCom data {result['dag_data_per_ti']}, event sources {result['event_source_per_ti']}; "
          f"largest task instance item {result['largest_task_instance_item_kb']} KB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=100, help="parallel tasks in the fan-out (default 100)")
    parser.add_argument("--mapped", type=int, nargs="*", default=[100, 1000],
                        help="lengths of the mapped DAG's expansion (default 100 1000)")
    args = parser.parse_args()
    quiet_stack_logs()

    from updraft.cli.dag_test import upload_folder
    from updraft.config import Settings
    from updraft.local.stack import LocalStack
    from updraft.services import Services

    counter = RequestCounter()
    counter.install()
    folder = Path(tempfile.mkdtemp()) / "dags"
    folder.mkdir()
    plan = [("bench_fan_out", args.width + 2, f"fan-out/fan-in of {args.width}", fan_out_source(args.width))]
    for length in args.mapped:
        dag_id = f"bench_mapped_{length}"
        plan.append((dag_id, length + 2, f"mapped over {length}", mapped_source(dag_id, length)))
    for dag_id, _, _, source in plan:
        (folder / f"{dag_id}.py").write_text(source)
    stack = LocalStack(ROOT, env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
    stack.start()
    results = []
    try:
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        upload_folder(services.bucket, folder)
        for dag_id, task_instances, label, _ in plan:
            results.append(run_dag(stack, services, counter, dag_id, task_instances, label))
            print_table(results[-1])
    finally:
        stack.stop()
    print(f"\n{'DAG':26} {'TIs':>6} {'own/TI':>7} {'XCom/TI':>8} {'polling/TI':>11} {'largest TI item':>16}")
    for r in results:
        print(f"{r['dag']:26} {r['task_instances']:>6} {r['own_per_ti']:>7} {r['dag_data_per_ti']:>8} "
              f"{r['event_source_per_ti']:>11} {str(r['largest_task_instance_item_kb']) + ' KB':>16}")
    path = write_result("aws_requests", {"runs": results, "own_target_per_ti": OWN_TARGET})
    print(f"wrote {path.relative_to(ROOT)}")
    ok = all(r["state"] == "success" for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""One scheduler pass with 10, 100 and 1,000 DAGs of which 10 are due: the DynamoDB requests
it makes and the read units it consumes. A pass should scale with what is due, not with what
exists (the sparse `timers` index is what makes that so).

    python bench/scheduler_pass.py            # 10, 100 and 1000 DAGs
    python bench/scheduler_pass.py --dags 5000
Writes bench/results/scheduler_pass.json beside the table."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

DUE = 10


class DynamoMeter:
    """Counts DynamoDB requests by operation and sums the read and write units they consume."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.read_units = 0.0
        self.write_units = 0.0
        self.dag_records_read = 0

    def install(self, client: Any) -> None:
        events = client.meta.events
        events.register("provide-client-params.dynamodb.*", self._ask_for_capacity)
        events.register("after-call.dynamodb.*", self._record)

    def _ask_for_capacity(self, params: dict, model: Any, **_: Any) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _record(self, parsed: dict, model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        capacity = parsed.get("ConsumedCapacity") or []
        for entry in capacity if isinstance(capacity, list) else [capacity]:
            units = float(entry.get("CapacityUnits") or 0)
            if model.name in ("GetItem", "Query", "BatchGetItem", "Scan"):
                self.read_units += units
            else:
                self.write_units += units
        if model.name == "GetItem" and parsed.get("Item", {}).get("pk", {}).get("S") == "DAG":
            self.dag_records_read += 1


def seed(services: Any, total: int, now: datetime) -> None:
    """`total` DAGs, each with a daily schedule; DUE of them due now, the rest next month."""
    from updraft.authoring.dag import DAG
    from updraft.authoring.serialization import serialize_dag
    from updraft.operators import EmptyOperator
    from updraft.processing.processor import save_dag

    for n in range(total):
        with DAG(f"dag_{n:05d}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
                 is_paused_upon_creation=False, fileloc="bench") as dag:
            EmptyOperator(task_id="only")
        parsed_at = now - timedelta(days=1, hours=1) if n < DUE else now + timedelta(days=30)
        save_dag(services, serialize_dag(dag, f"dags/dag_{n:05d}.py"), None, parsed_at)


def one_pass(total: int) -> dict[str, Any]:
    import boto3

    from updraft.config import Settings
    from updraft.local.resources import create_resources
    from updraft.local.server import aws_environment, start_moto
    from updraft.local.template import load_template
    from updraft.scheduling.scheduler import run_pass
    from updraft.services import Services
    import os

    moto = start_moto()
    moto.reset()  # moto keeps its state per process: each size starts from nothing
    try:
        os.environ.update(aws_environment(moto.url))
        session = boto3.session.Session()
        resources = create_resources(load_template(ROOT / "template.yaml"), session, "bench")
        settings = Settings.from_env({**resources.function_environment("SchedulerFunction"),
                                      "UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
        services = Services.from_settings(settings, session=session)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        seed(services, total, now)
        meter = DynamoMeter()
        meter.install(services.table.client)
        started = time.perf_counter()
        report = run_pass(services, now)
        seconds = time.perf_counter() - started
    finally:
        moto.stop()
    return {
        "dags": total,
        "due": DUE,
        "runs_created": len(report.dagruns_created),
        "dynamodb_requests": sum(meter.requests.values()),
        "requests_by_operation": dict(meter.requests),
        "read_units": round(meter.read_units, 1),
        "write_units": round(meter.write_units, 1),
        "dag_records_read": meter.dag_records_read,
        "seconds": round(seconds, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, nargs="*", default=[10, 100, 1000])
    args = parser.parse_args()
    rows = [one_pass(n) for n in args.dags]
    print(f"{'DAGs':>6} {'due':>4} {'runs':>5} {'requests':>9} {'read units':>11} {'write units':>12} "
          f"{'DAG reads':>10} {'seconds':>8}")
    for r in rows:
        print(f"{r['dags']:>6} {r['due']:>4} {r['runs_created']:>5} {r['dynamodb_requests']:>9} "
              f"{r['read_units']:>11} {r['write_units']:>12} {r['dag_records_read']:>10} {r['seconds']:>8}")
    print("requests by operation:", "; ".join(f"{r['dags']} DAGs: {r['requests_by_operation']}" for r in rows))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "scheduler_pass.json").write_text(json.dumps(rows, indent=2))
    return 0 if all(r["runs_created"] == DUE for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

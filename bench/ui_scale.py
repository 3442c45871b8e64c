"""The UI at scale: the DAG list with 1,000 DAGs and the grid of a DAG with 10,000 runs, over
HTTP from the local stack's API, each under a second.

Seeds the table directly (batch writes, not the engine: what is measured is the reading):
1,000 DAG records with their serialized versions, two runs each and the newest run's task
instances, and one DAG, `big`, of 10 tasks (a task group and a mapped task among them) with
10,000 runs, task instances for the newest 50 runs and for 50 runs in the middle. Then times
GET /ui/dags (the first page, a search), GET /api/v2/dags?limit=50 and GET /ui/grid/big (the
first page, the next one through its cursor, and a page 5,000 runs deep) through the local
API gateway, counting the DynamoDB requests each makes.

The DAG folder's manifest (the S3 version of each of its files) is one bundle item, as the dag
processor writes it, and DAG records and runs keep its digest: `--manifest-files 1000` makes it
a folder of 1,000 files, which leaves the records, and so the listings, as small as before.

    python bench/ui_scale.py                       # 1000 DAGs, 10000 runs, 10 repetitions
    python bench/ui_scale.py --dags 200 --runs 2000 --repeat 5
    python bench/ui_scale.py --manifest-files 1000   # the DAGs of a folder of 1,000 files
Writes bench/results/ui_scale.json beside the table."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import socket
import statistics
import sys
import threading
import time
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

TARGET_MS = 1000.0
TAGS = ["finance", "marketing", "daily", "ml", "ops", "reporting", "sales", "hr"]
BIG_TASKS = 10
TI_RUNS = 50  # runs with task instances: the newest, and as many in the middle


# -- counting --------------------------------------------------------------------------
class DynamoCounter:
    """Counts every DynamoDB request made in this process (the API handler runs in it)."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counted(client: BaseClient, operation_name: str, api_params: dict) -> dict:
            if client.meta.service_model.service_name == "dynamodb":
                with counter.lock:
                    counter.requests[operation_name] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def total(self) -> int:
        with self.lock:
            return sum(self.requests.values())


# -- seeding ---------------------------------------------------------------------------
def dag_source(dag_id: str, tags: list[str], tasks: int) -> Any:
    """A DAG object shaped like a real one: a chain, a task group, a mapped task."""
    from updraft import DAG, TaskGroup
    from updraft.operators import BashOperator, EmptyOperator

    with DAG(dag_id, schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, tags=tags,
             description=f"{dag_id} loads data", is_paused_upon_creation=False) as dag:
        previous = EmptyOperator(task_id="start")
        with TaskGroup("extract") as group:
            [BashOperator(task_id=f"pull_{n}", bash_command="echo pull") for n in range(max(tasks - 4, 1))]
        mapped = BashOperator.partial(task_id="fan").expand(bash_command=["true", "true"])
        load = BashOperator(task_id="load", bash_command="echo load")
        end = EmptyOperator(task_id="end")
        previous >> group >> mapped >> load >> end
    return dag


class Writer:
    """BatchWriteItem in 25s, retrying what DynamoDB leaves unprocessed."""

    def __init__(self, table: Any) -> None:
        from updraft.store.codec import to_item

        self.table, self.to_item, self.pending, self.written = table, to_item, [], 0

    def put(self, item: dict[str, Any]) -> None:
        self.pending.append({"PutRequest": {"Item": self.to_item(item)}})
        if len(self.pending) == 25:
            self.flush()

    def flush(self) -> None:
        requests, self.pending = self.pending, []
        while requests:
            resp = self.table.client.batch_write_item(RequestItems={self.table.name: requests})
            self.written += len(requests)
            requests = (resp.get("UnprocessedItems") or {}).get(self.table.name, [])
            self.written -= len(requests)


def dag_items(dag: Any, fileloc: str, paused: bool, parsed: str, bundle: str) -> list[dict[str, Any]]:
    """The DAG's record and its serialized version, as the dag processor writes them."""
    from updraft.authoring.serialization import serialize_dag
    from updraft.scheduling.next_run import dag_schedule_fields
    from updraft.store import keys

    serialized = serialize_dag(dag, fileloc)
    version = {**keys.dag_version_key(dag.dag_id, serialized["version_hash"]), "kind": "dag_version",
               "dag_id": dag.dag_id, "version_hash": serialized["version_hash"], "fileloc": fileloc,
               "bundle_version": "v1", "data": json.dumps(serialized, separators=(",", ":"))}
    record = {**keys.dag_key(dag.dag_id), "kind": "dag", "dag_id": dag.dag_id,
              **dag_schedule_fields(serialized), "version_hash": serialized["version_hash"],
              "bundle_version": "v1", "bundle_manifest_id": bundle, "is_active": True,
              "last_parsed_time": parsed, "is_paused": paused}
    return [record, version]


def run_items(dag: Any, serialized_hash: str, n: int, start: datetime, with_tis: bool) -> list[dict[str, Any]]:
    """Run number `n` of the DAG (a day apart), finished, and its task instances if asked."""
    from updraft.models.records import DagRun
    from updraft.store import keys

    when = start + timedelta(days=n)
    stamp = when.isoformat()
    run_id = f"scheduled__{stamp}"
    failed = n % 17 == 0
    run = DagRun(dag_id=dag.dag_id, run_id=run_id, run_type="scheduled", state="failed" if failed else "success",
                 logical_date=stamp, data_interval_start=(when - timedelta(days=1)).isoformat(),
                 data_interval_end=stamp, run_after=stamp, dag_version=serialized_hash,
                 fileloc=f"dags/{dag.dag_id}.py", bundle_version="v1", queued_at=stamp, start_date=stamp,
                 end_date=(when + timedelta(minutes=5)).isoformat(), triggered_by="timetable")
    items = [{**keys.run_key(dag.dag_id, run_id), "kind": "run", "lsi1sk": f"{stamp}#{run_id}", **run.to_fields()}]
    if with_tis:
        for task in dag.topological_sort():
            state = "failed" if failed and task.task_id == "load" else "success"
            common = {"kind": "ti", "dag_id": dag.dag_id, "run_id": run_id, "state": state, "try_number": 1,
                      "queued_at": stamp, "start_date": stamp, "end_date": (when + timedelta(minutes=1)).isoformat(),
                      "operator": task.task_type}
            if getattr(task, "is_mapped", False):
                items.append({**keys.ti_key(dag.dag_id, run_id, task.task_id, -1), **common,
                              "state": "scheduled", "map_length": 2})
                items += [{**keys.ti_key(dag.dag_id, run_id, task.task_id, i), **common} for i in range(2)]
            else:
                items.append({**keys.ti_key(dag.dag_id, run_id, task.task_id), **common})
    return items


def seed(services: Any, dags: int, runs: int, manifest_files: int = 0) -> dict[str, Any]:
    writer = Writer(services.table)
    # The dag processor stores the DAG folder's manifest once; records keep its digest.
    manifest = {f"dags/dag_{n:04d}.py": f"{n:032x}" for n in range(manifest_files)}
    bundle = services.dags.save_bundle({**manifest, "dags/big.py": "v1"})
    parsed = datetime.now(timezone.utc).isoformat()
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    started = time.perf_counter()
    for n in range(dags):
        dag = dag_source(f"dag_{n:04d}", [TAGS[n % len(TAGS)], TAGS[(n * 3 + 1) % len(TAGS)]], 6)
        record, version = dag_items(dag, f"dags/dag_{n:04d}.py", paused=n % 7 == 0, parsed=parsed,
                                     bundle=bundle)
        for item in (record, version):
            writer.put(item)
        for r in range(2):
            for item in run_items(dag, record["version_hash"], 9000 + r, start, with_tis=r == 1):
                writer.put(item)
    big = dag_source("big", ["scale"], BIG_TASKS)
    record, version = dag_items(big, "dags/big.py", paused=False, parsed=parsed, bundle=bundle)
    writer.put(record)
    writer.put(version)
    middle = runs // 2
    for n in range(runs):
        with_tis = n >= runs - TI_RUNS or middle - TI_RUNS <= n < middle
        for item in run_items(big, record["version_hash"], n, start, with_tis):
            writer.put(item)
    writer.flush()
    return {"items": writer.written, "seconds": round(time.perf_counter() - started, 1),
            "middle_run": run_items(big, record["version_hash"], middle, start, False)[0]}


# -- timing ----------------------------------------------------------------------------
def fetch(url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - loopback only
        return resp.status, json.loads(resp.read())


def measure(base: str, path: str, token: str, counter: DynamoCounter, repeat: int) -> dict[str, Any]:
    status, body = fetch(base + path, token)  # warm-up: the version cache, the first import
    assert status == 200, (path, status, body)
    times, requests = [], []
    for _ in range(repeat):
        before = counter.total()
        started = time.perf_counter()
        status, body = fetch(base + path, token)
        times.append((time.perf_counter() - started) * 1000)
        requests.append(counter.total() - before)
        assert status == 200, (path, status, body)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"path": path, "median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "dynamodb_requests": max(requests), "body": body}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--manifest-files", type=int, default=0,
                        help="the DAG folder's bundle manifest lists this many files (one bundle item, "
                             "as the dag processor writes it; default: the big DAG's file alone)")
    parser.add_argument("--moto-as-is", action="store_true",
                        help="leave moto's Query reading the whole table (see updraft.local.moto_partitions)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("updraft", "werkzeug", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)

    from updraft.api.routes.ui import _cursor
    from updraft.api.tokens import issue
    from updraft.config import Settings
    from updraft.local.sources import HttpGateway
    from updraft.local.stack import LocalStack
    from updraft.models.records import DagRun
    from updraft.services import Services
    from updraft.store.users import UserStore

    from updraft.local import moto_partitions

    partitioned = not args.moto_as_is and moto_partitions.install()
    print(f"moto's Query: {'one partition (updraft.local.moto_partitions)' if partitioned else 'the whole table'}")
    counter = DynamoCounter()
    counter.install()
    stack = LocalStack(ROOT, env_overrides={"UPDRAFT_DAGS_ARE_PAUSED_AT_CREATION": "false"})
    stack.start()
    try:
        services = Services.from_settings(Settings.from_env(), session=stack.session)
        seeded = seed(services, args.dags, args.runs, args.manifest_files)
        print(f"seeded {seeded['items']} items ({args.dags} DAGs, `big` with {args.runs} runs) "
              f"in {seeded['seconds']} s", flush=True)
        # The seeded table lives as long as the stack: like what the stack makes when it starts,
        # it is left out of the cycle collector's passes (each would walk all of moto's items).
        gc.collect()
        gc.freeze()
        # Only the API is served: the event sources' background polling would blur the times.
        api_id, routes = next(iter(stack.http_routes.items()))
        stack.gateway = HttpGateway(stack.functions[api_id].invoke, "127.0.0.1", free_port(), routes=routes)
        stack.gateway.start()
        base = stack.gateway.url
        UserStore(services.table).create("bench", "viewer", "scrypt$unused", datetime.now(timezone.utc).isoformat())
        token = issue(services.jwt_signing_key, "bench", "viewer", datetime.now(timezone.utc))
        first = fetch(base + "/ui/grid/big", token)[1]
        deep = _cursor(DagRun.from_item(seeded["middle_run"]))
        cases = [
            ("DAG list, first page", "/ui/dags?limit=25"),
            ("DAG list, search", "/ui/dags?limit=25&search=dag_09"),
            ("REST API DAGs, 50", "/api/v2/dags?limit=50"),
            ("grid, first page", "/ui/grid/big?limit=25"),
            ("grid, next page (cursor)", f"/ui/grid/big?limit=25&before={first['next']}"),
            (f"grid, {args.runs // 2} runs deep", f"/ui/grid/big?limit=25&before={deep}"),
        ]
        rows = []
        for label, path in cases:
            result = measure(base, path, token, counter, args.repeat)
            rows.append({"case": label, **{k: v for k, v in result.items() if k != "body"},
                         "returned": _returned(result["body"])})
    finally:
        stack.stop()
    print(f"\n{'case':30} {'median ms':>10} {'p95 ms':>8} {'DynamoDB req':>13}  returned")
    for r in rows:
        print(f"{r['case']:30} {r['median_ms']:>10} {r['p95_ms']:>8} {r['dynamodb_requests']:>13}  {r['returned']}")
    ok = all(r["p95_ms"] < TARGET_MS for r in rows)
    print(f"target: each under {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "ui_scale.json").write_text(json.dumps({
        "dags": args.dags, "runs": args.runs, "repeat": args.repeat, "target_ms": TARGET_MS,
        "moto_query": "partition" if partitioned else "whole table", "manifest_files": args.manifest_files,
        "seeded_items": seeded["items"], "cases": rows,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }, indent=2))
    print(f"wrote {(results / 'ui_scale.json').relative_to(ROOT)}")
    return 0 if ok else 1


def _returned(body: dict[str, Any]) -> str:
    if "dag_runs" in body:
        cells = sum(len(r["task_instances"]) for r in body["dag_runs"])
        return f"{len(body['dag_runs'])} runs × {len(body['tasks'])} rows, {cells} cells"
    return f"{len(body['dags'])} of {body['total_entries']} DAGs"


if __name__ == "__main__":
    raise SystemExit(main())

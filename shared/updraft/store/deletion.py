"""Deleting a DAG's records (`updraft dags delete`), as Airflow's delete_dag drops its rows.

Every item of a DAG lives in a partition named after it (key design in updraft.store.keys),
so deleting is a Query per partition and BatchWriteItem deletes, never a Scan:

| partition                 | what                                  | found from             |
|---------------------------|---------------------------------------|------------------------|
| `XCOM#<dag_id>#<run_id>`  | the run's XComs (and their S3 bodies) | each run id            |
| `TI#<dag_id>#<run_id>`    | the run's task instances              | each run id            |
| `TIH#<dag_id>#<run_id>`   | the run's earlier tries               | each run id            |
| `RUN#<dag_id>`            | the DAG's runs                        | the DAG id             |
| `LD#<dag_id>`             | the runs' logical dates               | the DAG id             |
| `BACKFILL#<dag_id>`       | the DAG's backfills                   | the DAG id             |
| `DAGV#<dag_id>`           | the serialized versions               | the DAG id             |
| `DAG` / `<dag_id>`        | the summary                           | its key                |

The DAG is paused first (its scheduler timer removed), so no new run starts while its runs
are deleted, and the summary goes last: a deletion cut short can simply be run again.
Task logs in S3 are kept, as Airflow keeps log files; the DAG's files stay in the bucket,
so the DAG comes back if its file is uploaded or changed again, as in Airflow."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from updraft.store import keys
from updraft.store.bucket import Bucket
from updraft.store.errors import ConditionFailed, StoreError
from updraft.store.table import Condition, Table, Update
from updraft.store.timers import TIMER_ATTRS

BATCH = 25  # BatchWriteItem's limit


def delete_dag_records(table: Table, bucket: Bucket, dag_id: str) -> int:
    """Delete every record of the DAG; returns how many items were deleted."""
    try:
        table.update(keys.dag_key(dag_id), Update(set={"is_paused": True}, remove=TIMER_ATTRS),
                     condition=Condition("attribute_exists(pk)"))
    except ConditionFailed:
        pass  # no summary (a deletion cut short after it): the runs may still be there
    count = 0
    run_ids = [item["sk"] for item in table.query_all(keys.run_pk(dag_id))]
    for run_id in run_ids:
        count += delete_partition(table, keys.xcom_pk(dag_id, run_id), bucket=bucket)
        count += delete_partition(table, keys.ti_pk(dag_id, run_id))
        count += delete_partition(table, keys.ti_history_pk(dag_id, run_id))
    for pk in dag_partitions(dag_id):
        count += delete_partition(table, pk)
    if table.get(keys.dag_key(dag_id), consistent=True) is not None:
        table.delete(keys.dag_key(dag_id))
        count += 1
    return count


def delete_run_records(table: Table, bucket: Bucket, run: dict[str, Any]) -> int:
    """Delete one DagRun (`DELETE /dags/{dag_id}/dagRuns/{dag_run_id}`): the run first — giving
    its place back to its DAG's (or backfill's) max_active_runs if it was running, and leaving
    the DAG's waiting list if it was queued — then its logical date, XComs (with their S3
    bodies), task instances and earlier tries. Task logs in S3 are kept, as for a DAG."""
    dag_id, run_id = run["dag_id"], run["run_id"]
    delete_run = table.transact_delete(keys.run_key(dag_id, run_id))
    delete_run["Delete"].update({  # as read: a run that ended meanwhile gave its place back itself
        "ConditionExpression": "#st = :st", "ExpressionAttributeNames": {"#st": "state"},
        "ExpressionAttributeValues": {":st": {"S": str(run.get("state"))}},
    })
    ops = [delete_run]
    if run.get("state") == "running":
        slot = keys.backfill_key(dag_id, run["backfill_id"]) if run.get("backfill_id") else keys.dag_key(dag_id)
        ops.append(table.transact_update(slot, Update(add={"active_runs": -1})))
    if run.get("wait_order"):
        ops.append(table.transact_delete(keys.waiting_run_key(dag_id, run["wait_order"])))
    if run.get("logical_date"):
        ops.append(table.transact_delete(keys.logical_date_key(dag_id, run["logical_date"])))
    table.transact(ops)  # ConditionFailed: the run changed meanwhile; read it again and retry
    count = 1
    count += delete_partition(table, keys.xcom_pk(dag_id, run_id), bucket=bucket)
    count += delete_partition(table, keys.ti_pk(dag_id, run_id))
    count += delete_partition(table, keys.ti_history_pk(dag_id, run_id))
    return count


def dag_partitions(dag_id: str) -> list[str]:
    """The partitions keyed by the DAG id alone (those of each run are found from its runs)."""
    backfills = keys.backfill_key(dag_id, "")["pk"]
    waiting = keys.waiting_run_key(dag_id, "")["pk"]
    return [keys.run_pk(dag_id), keys.logical_date_pk(dag_id), backfills, waiting, keys.dag_version_pk(dag_id)]


def delete_partition(table: Table, pk: str, *, bucket: Bucket | None = None) -> int:
    """Delete every item of one partition; with `bucket`, the S3 objects items point to too."""
    count = 0
    batch: list[dict[str, str]] = []
    for item in table.query_all(pk, consistent=True):
        if bucket is not None and item.get("s3_key"):
            bucket.delete(item["s3_key"])
        batch.append({"pk": item["pk"], "sk": item["sk"]})
        if len(batch) == BATCH:
            count += _delete_batch(table, batch)
            batch = []
    if batch:
        count += _delete_batch(table, batch)
    return count


def _delete_batch(table: Table, item_keys: list[dict[str, str]]) -> int:
    pending: list[dict[str, Any]] = [
        {"DeleteRequest": {"Key": {k: {"S": v} for k, v in key.items()}}} for key in item_keys
    ]
    for attempt in range(8):
        try:
            resp = table.client.batch_write_item(RequestItems={table.name: pending})
        except ClientError as err:
            raise StoreError(f"DynamoDB batch_write_item on {table.name} failed: {err}") from err
        pending = (resp.get("UnprocessedItems") or {}).get(table.name) or []
        if not pending:
            return len(item_keys)
        time.sleep(min(0.05 * 2**attempt, 2.0))
    raise StoreError(f"DynamoDB kept {len(pending)} deletes of {table.name} unprocessed; run the deletion again")

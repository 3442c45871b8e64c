"""The DynamoDB key design: one table, every access pattern a GetItem or a Query.

| item            | pk                          | sk                              |
|-----------------|-----------------------------|---------------------------------|
| DAG             | `DAG`                       | `<dag_id>`                      |
| DAG version     | `DAGV#<dag_id>`             | `<version_hash>`                |
| DAG file        | `FILE`                      | `<file key>`                    |
| DAG bundle      | `BUNDLE`                    | `<manifest digest>`             |
| import error    | `IMPORT_ERROR`              | `<file key>`                    |
| DagRun          | `RUN#<dag_id>`              | `<run_id>`                      |
| logical date    | `LD#<dag_id>`               | `<logical date, ISO UTC>`       |
| backfill        | `BACKFILL#<dag_id>`         | `<backfill id>`                 |
| waiting run     | `WAIT#<dag_id>`             | `<queued at>#<seq>#<run_id>`    |
| task instance   | `TI#<dag_id>#<run_id>`      | `<task_id>#<map_index>`         |
| XCom            | `XCOM#<dag_id>#<run_id>`    | `<task_id>#<map_index>#<key>`   |
| task state      | `TSTATE#<dag_id>#<run_id>`  | `<task_id>#<map_index>#<key>`   |
| earlier try     | `TIH#<dag_id>#<run_id>`     | `<task_id>#<map_index>#<try, 5 digits>` |
| API user        | `USER`                      | `<username>`                    |
| heartbeat       | `HEARTBEAT`                 | `<job>` (`scheduler`)           |

Index `by_date` (local, on `lsi1sk` = `<run_after>#<run_id>`): a DAG's runs by date.
Index `timers` (global, sparse, on `tpk` = `TIMER#<shard>` and `tsk` = `<due, ISO UTC>`): every
item that needs the scheduler at a time — a DAG whose next run is due, a queued task instance
whose message may be lost, a running one whose worker may have died, one waiting to retry, a
run waiting to start. Only items with a pending timer are in it, so a scheduler pass reads
what is due, not what exists. Docs: docs/dynamodb.md.
"""

from __future__ import annotations

import zlib

DAG_PK = "DAG"
FILE_PK = "FILE"
BUNDLE_PK = "BUNDLE"
IMPORT_ERROR_PK = "IMPORT_ERROR"
USER_PK = "USER"
HEARTBEAT_PK = "HEARTBEAT"
TIMERS_INDEX = "timers"
BY_DATE_INDEX = "by_date"


def dag_key(dag_id: str) -> dict[str, str]:
    return {"pk": DAG_PK, "sk": dag_id}


def dag_version_pk(dag_id: str) -> str:
    return f"DAGV#{dag_id}"


def dag_version_key(dag_id: str, version_hash: str) -> dict[str, str]:
    return {"pk": dag_version_pk(dag_id), "sk": version_hash}


def file_key(fileloc: str) -> dict[str, str]:
    return {"pk": FILE_PK, "sk": fileloc}


def bundle_key(digest: str) -> dict[str, str]:
    """A DAG folder's files at their S3 versions, once per distinct set (content-addressed)."""
    return {"pk": BUNDLE_PK, "sk": digest}


def import_error_key(fileloc: str) -> dict[str, str]:
    return {"pk": IMPORT_ERROR_PK, "sk": fileloc}


def run_pk(dag_id: str) -> str:
    return f"RUN#{dag_id}"


def run_key(dag_id: str, run_id: str) -> dict[str, str]:
    return {"pk": run_pk(dag_id), "sk": run_id}


def logical_date_pk(dag_id: str) -> str:
    return f"LD#{dag_id}"


def waiting_run_key(dag_id: str, order: str) -> dict[str, str]:
    """A queued run waiting for a place to start, in the order runs should start."""
    return {"pk": f"WAIT#{dag_id}", "sk": order}


def backfill_key(dag_id: str, backfill_id: str) -> dict[str, str]:
    return {"pk": f"BACKFILL#{dag_id}", "sk": backfill_id}


def logical_date_key(dag_id: str, logical_date: str) -> dict[str, str]:
    return {"pk": logical_date_pk(dag_id), "sk": logical_date}


def ti_pk(dag_id: str, run_id: str) -> str:
    return f"TI#{dag_id}#{run_id}"


def ti_key(dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> dict[str, str]:
    return {"pk": ti_pk(dag_id, run_id), "sk": f"{task_id}#{map_index}"}


def xcom_pk(dag_id: str, run_id: str) -> str:
    return f"XCOM#{dag_id}#{run_id}"


def xcom_key(dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> dict[str, str]:
    return {"pk": xcom_pk(dag_id, run_id), "sk": f"{task_id}#{map_index}#{key}"}


def task_state_pk(dag_id: str, run_id: str) -> str:
    return f"TSTATE#{dag_id}#{run_id}"


def task_state_key(dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> dict[str, str]:
    return {"pk": task_state_pk(dag_id, run_id), "sk": f"{task_id}#{map_index}#{key}"}


def ti_history_pk(dag_id: str, run_id: str) -> str:
    return f"TIH#{dag_id}#{run_id}"


def ti_history_key(dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> dict[str, str]:
    """One ended try of a task instance (retried or cleared), as Airflow's task_instance_history."""
    return {"pk": ti_history_pk(dag_id, run_id), "sk": f"{task_id}#{map_index}#{try_number:05d}"}


def user_key(username: str) -> dict[str, str]:
    return {"pk": USER_PK, "sk": username}


def heartbeat_key(job: str) -> dict[str, str]:
    return {"pk": HEARTBEAT_PK, "sk": job}


def timer_pk(shard_of: str, shards: int) -> str:
    """The timer partition for an item: spread by a stable hash when there is more than one."""
    return f"TIMER#{zlib.crc32(shard_of.encode()) % shards if shards > 1 else 0}"


def timer_pks(shards: int) -> list[str]:
    return [f"TIMER#{n}" for n in range(max(shards, 1))]

"""Run inside bench/.airflow-venv: one `dag.test()` per DAG of the files given, and print what
Airflow recorded (run state; each task instance's state, try number and return value) as one
JSON line per DAG. The oracle that bench/airflow_examples.py holds Updraft to."""

from __future__ import annotations

import json
import sys
import traceback
from datetime import datetime, timezone


def record(path: str, logical_date: datetime) -> list[dict]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=path)
    out = []
    for error_file, error in bag.import_errors.items():
        out.append({"file": path, "import_error": error.strip().splitlines()[-1]})
    for dag_id, dag in sorted(bag.dags.items()):
        entry: dict = {"file": path, "dag_id": dag_id}
        try:
            run = dag.test(logical_date=logical_date)
            with create_session() as session:
                tis = session.query(TaskInstance).filter_by(dag_id=dag_id, run_id=run.run_id).all()
                entry["run"] = str(run.state)
                entry["tis"] = {}
                for ti in tis:
                    key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
                    xcom = session.query(XComModel).filter_by(
                        dag_id=dag_id, run_id=run.run_id, task_id=ti.task_id, map_index=ti.map_index,
                        key="return_value").one_or_none()
                    entry["tis"][key] = {"state": str(ti.state) if ti.state else "none",
                                         "try_number": ti.try_number,
                                         "xcom": xcom.value if xcom is not None else None}
        except Exception as err:  # noqa: BLE001 - recorded, the next DAG still runs
            entry["error"] = f"{type(err).__name__}: {err}"
            entry["traceback"] = traceback.format_exc()[-2000:]
        out.append(entry)
    return out


def main() -> None:
    """`airflow_record.py LOGICAL_DATE FOLDER`: FOLDER is also `[core] dags_folder`, which
    `dag.test()` syncs to the database before it runs."""
    logical_date = datetime.fromisoformat(sys.argv[1]).replace(tzinfo=timezone.utc)
    for entry in record(sys.argv[2], logical_date):
        print("RESULT " + json.dumps(entry, default=str), flush=True)


if __name__ == "__main__":
    main()

"""A run keeps the DAG folder's files as they were when its DAG was parsed: the manifest of
their S3 versions is stored once, as a bundle item, and DAG records and runs keep its digest."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.store import keys

READS_DATA = """
    import os
    from datetime import datetime
    from updraft import DAG, task

    with DAG("reads_data", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def read():
            with open(os.path.join(os.path.dirname(__file__), "data", "value.txt")) as fh:
                return fh.read().strip()

        read()
"""


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def xcom(driver: Driver, run_id: str) -> Any:
    item = driver.services.table.get(keys.xcom_key("reads_data", run_id, "read", -1, "return_value"))
    assert item is not None
    return item["value"]


def test_each_run_reads_the_files_of_its_own_bundle(driver: Driver) -> None:
    bucket = driver.services.bucket
    bucket.put("dags/data/value.txt", "one")
    driver.upload("reads_data.py", READS_DATA)
    first = driver.trigger("reads_data", run_id="manual__first")

    bucket.put("dags/data/value.txt", "two")
    driver.upload("reads_data.py", READS_DATA + "    # parsed again\n")
    second = driver.trigger("reads_data", run_id="manual__second")
    driver.drain()

    assert xcom(driver, "manual__first") == '"one"'
    assert xcom(driver, "manual__second") == '"two"'
    assert first.bundle_manifest_id != second.bundle_manifest_id
    assert first.bundle_manifest == {} and second.bundle_manifest == {}


def test_the_manifest_is_one_item_not_a_copy_in_every_record(driver: Driver) -> None:
    driver.services.bucket.put("dags/data/value.txt", "one")
    driver.upload("reads_data.py", READS_DATA)
    dag = driver.services.dags.get("reads_data", consistent=True)
    assert "bundle_manifest" not in dag
    bundle = driver.services.table.get(keys.bundle_key(dag["bundle_manifest_id"]), consistent=True)
    assert bundle is not None and bundle["files"] == 2
    manifest = driver.services.dags.get_bundle(dag["bundle_manifest_id"])
    assert set(manifest) == {"dags/data/value.txt", "dags/reads_data.py"}
    assert manifest["dags/reads_data.py"] == dag["bundle_version"]


def test_a_large_folder_s_manifest_is_compressed_into_one_item(driver: Driver) -> None:
    manifest = {f"dags/team_{n:04d}/pipeline_with_a_long_name_{n:04d}.py": f"{n:032x}" for n in range(5000)}
    digest = driver.services.dags.save_bundle(manifest)
    item = driver.services.table.get(keys.bundle_key(digest), consistent=True)
    assert item is not None and "data_z" in item and len(item["data_z"]) < 400 * 1024
    assert driver.services.dags.get_bundle(digest) == manifest
    assert driver.services.dags.save_bundle(dict(reversed(list(manifest.items())))) == digest


def test_a_run_made_before_bundle_items_still_runs_from_its_own_manifest(driver: Driver) -> None:
    """Runs and DAG records written with the manifest inline keep working."""
    bucket = driver.services.bucket
    data_version = bucket.put("dags/data/value.txt", "inline")
    driver.upload("reads_data.py", READS_DATA)
    dag = driver.services.dags.get("reads_data", consistent=True)
    legacy = {**dag, "bundle_manifest": {"dags/data/value.txt": data_version,
                                         "dags/reads_data.py": dag["bundle_version"]}}
    del legacy["bundle_manifest_id"]
    driver.services.table.put({**keys.dag_key("reads_data"), **legacy})
    bucket.put("dags/data/value.txt", "newer")
    run = driver.trigger("reads_data", run_id="manual__legacy")
    driver.drain()
    assert run.bundle_manifest_id is None and run.bundle_manifest
    assert xcom(driver, "manual__legacy") == '"inline"'

    driver.upload("reads_data.py", READS_DATA + "    # parsed again\n")
    assert "bundle_manifest" not in driver.services.dags.get("reads_data", consistent=True)


USES_HELPER = """
    from datetime import datetime
    from updraft import DAG, task
    import team_helpers

    with DAG("uses_helper", schedule=None, start_date=datetime(2024, 1, 1)):
        @task
        def read():
            return team_helpers.VALUE

        read()
"""


def test_a_dag_imports_the_helper_modules_beside_it_at_its_runs_versions(driver: Driver) -> None:
    """As in Airflow's DAGs folder, a DAG file imports modules next to it; each run gets the
    helper module of its own bundle, even in a warm process that imported the older one."""
    driver.services.bucket.put("dags/team_helpers.py", "VALUE = 1\n")
    assert driver.upload("uses_helper.py", USES_HELPER)["result"] == "ok"
    driver.trigger("uses_helper", run_id="manual__first")
    driver.drain()

    driver.services.bucket.put("dags/team_helpers.py", "VALUE = 2\n")
    assert driver.upload("uses_helper.py", USES_HELPER + "    # parsed again\n")["result"] == "ok"
    driver.trigger("uses_helper", run_id="manual__second")
    driver.drain()

    def value(run_id: str) -> Any:
        item = driver.services.table.get(keys.xcom_key("uses_helper", run_id, "read", -1, "return_value"))
        return item and item["value"]

    assert (value("manual__first"), value("manual__second")) == ("1", "2")


def test_a_dag_importing_a_module_that_is_not_there_is_an_import_error_naming_it(driver: Driver) -> None:
    result = driver.upload("uses_helper.py", USES_HELPER.replace("team_helpers", "missing_helpers"))
    assert result["result"] == "import_error"
    assert "No module named 'missing_helpers'" in result["error"]


def test_a_dag_uploaded_before_its_helper_imports_once_the_helper_arrives(driver: Driver) -> None:
    """The upload order of a folder does not matter: a file that failed for want of a module
    is parsed again when another file of the folder imports."""
    first = driver.upload("uses_helper.py", USES_HELPER)
    assert first["result"] == "import_error"
    helper = driver.upload("team_helpers.py", "VALUE = 3\n")
    assert helper["result"] == "ok"
    assert [r["result"] for r in helper["reparsed"]] == ["ok"]
    assert driver.services.dags.list_import_errors() == []
    dag = driver.services.dags.get("uses_helper", consistent=True)
    assert dag is not None and dag["bundle_version"]
    driver.trigger("uses_helper", run_id="manual__late")
    driver.drain()
    item = driver.services.table.get(keys.xcom_key("uses_helper", "manual__late", "read", -1, "return_value"))
    assert item is not None and item["value"] == "3"



def test_files_the_airflowignore_names_are_not_parsed(driver: Driver) -> None:
    driver.services.bucket.put("dags/.airflowignore", "scratch/\n*_wip.py\n")
    broken = "from airflow.sdk import DAG\nwith DAG('wip', schedule=None:\n    pass\n"
    driver.services.bucket.put("dags/scratch/old_dag.py", broken)

    wip = driver.upload("report_wip.py", broken)
    old = driver.upload("scratch/old_dag.py", broken)
    kept = driver.upload("kept.py", "from airflow.sdk import DAG\nwith DAG('kept', schedule=None):\n    pass\n")

    assert (wip["result"], wip["dag_ids"]) == ("ok", [])
    assert (old["result"], old["dag_ids"]) == ("ok", [])
    assert kept["dag_ids"] == ["kept"]
    assert driver.services.dags.list_import_errors() == []


def test_a_dag_id_belongs_to_the_file_that_defined_it_first(driver: Driver) -> None:
    first = "from airflow.sdk import DAG\nwith DAG('shared_id', schedule=None, tags=['first']):\n    pass\n"
    second = ("from airflow.sdk import DAG\nwith DAG('shared_id', schedule=None, tags=['second']):\n    pass\n"
              "with DAG('own_id', schedule=None):\n    pass\n")
    assert driver.upload("first.py", first)["dag_ids"] == ["shared_id"]

    taken = driver.upload("second.py", second)

    assert (taken["result"], taken["dag_ids"]) == ("import_error", ["own_id"])
    [error] = [e for e in driver.services.dags.list_import_errors() if e["filename"] == "dags/second.py"]
    assert error["stack_trace"] == ("AirflowDagDuplicatedIdException: Ignoring DAG shared_id from dags/second.py "
                                    "- also found in dags/first.py")
    dag = driver.services.dags.get("shared_id", consistent=True)
    assert (dag["fileloc"], dag["tags"]) == ("dags/first.py", ["first"])

    driver.services.bucket.delete("dags/second.py")
    from updraft.processing.processor import remove_file
    remove_file(driver.services, "dags/second.py", None)
    assert driver.services.dags.get("shared_id", consistent=True)["is_active"] is True  # first still defines it
    assert driver.services.dags.list_import_errors() == []

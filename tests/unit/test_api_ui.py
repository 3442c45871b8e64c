"""The web UI's data routes (/ui): DAGs run through the real handlers on the moto server,
then read as the UI reads them, with a viewer's token."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.engine_driver import Driver

PIPELINE = """
    from datetime import datetime, timedelta
    from updraft import DAG, TaskGroup
    from updraft.operators import BashOperator, EmptyOperator, PythonOperator

    def flaky(ti):
        if ti.try_number == 1:
            raise RuntimeError("first try fails")

    with DAG("pipeline", schedule=None, start_date=datetime(2024, 1, 1), tags=["etl"]):
        start = EmptyOperator(task_id="start")
        with TaskGroup("load", tooltip="Loads the tables") as load:
            clean = PythonOperator(task_id="clean", python_callable=flaky, retries=1,
                                   retry_delay=timedelta(0))
            with TaskGroup("parts"):
                part = BashOperator.partial(task_id="part").expand(bash_command=["true", "true", "true"])
            clean >> part
        end = EmptyOperator(task_id="end", trigger_rule="all_done")
        start >> load >> end
"""
EVOLVING_V1 = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG("evolving", schedule=None, start_date=datetime(2024, 1, 1)):
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="dropped")
"""
EVOLVING_V2 = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG("evolving", schedule=None, start_date=datetime(2024, 1, 1)):
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="added")
"""
SMALL = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import EmptyOperator

    with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1), tags={tags!r}):
        EmptyOperator(task_id="only")
"""


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


@pytest.fixture
def pipeline(driver: Driver) -> str:
    """The pipeline DAG run once to the end: `load.clean` failed its first try."""
    assert driver.upload("pipeline.py", PIPELINE)["result"] == "ok"
    run = driver.trigger("pipeline", run_id="manual__1")
    driver.drain()
    return run.run_id


@pytest.fixture
def evolving(driver: Driver) -> tuple[str, str]:
    """Two runs of a DAG whose file changed between them: (older run id, newer run id)."""
    driver.upload("evolving.py", EVOLVING_V1)
    old = driver.trigger("evolving", run_id="manual__old")
    driver.drain()
    driver.upload("evolving.py", EVOLVING_V2)
    new = driver.trigger("evolving", run_id="manual__new")
    driver.drain()
    return old.run_id, new.run_id


# -- requests -------------------------------------------------------------------------
def get(services: Any, path: str, query: str = "", token: str | None = "viewer") -> tuple[int, Any]:
    """GET `path` through the API's entry point as an HTTP API 2.0 event; (status, JSON)."""
    from updraft.api.app import resolve

    headers = {"accept": "application/json"}
    if token == "viewer":
        headers["authorization"] = f"Bearer {_viewer_token(services)}"
    event = {
        "version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": path, "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": "request", "routeKey": "ANY /{proxy+}", "stage": "$default",
            "time": "01/Jun/2024:12:00:00 +0000", "timeEpoch": 1717243200000,
        },
        "pathParameters": {"proxy": path.lstrip("/")},
        "isBase64Encoded": False,
    }
    response = resolve(event, None, services=services)
    return response["statusCode"], json.loads(response["body"])


def _viewer_token(services: Any) -> str:
    from updraft.api.tokens import issue
    from updraft.store.users import UserExists, UserStore
    from updraft.timeutil import utcnow

    try:
        UserStore(services.table).create("vera", "viewer", "scrypt$unused", utcnow().isoformat())
    except UserExists:
        pass
    return issue(services.jwt_signing_key, "vera", "viewer", utcnow())


# -- the DAG list ---------------------------------------------------------------------
def test_dag_list_shows_latest_runs_newest_first_and_the_latest_runs_task_states(
    services: Any, driver: Driver, pipeline: str,
) -> None:
    driver.upload("idle.py", SMALL.format(dag_id="idle", tags=[]))
    second = driver.trigger("pipeline", run_id="manual__2")

    status, body = get(services, "/ui/dags")

    assert status == 200
    assert body["total_entries"] == 2 and body["import_errors"] == []
    idle, pipe = body["dags"]
    assert (idle["dag_id"], idle["latest_dag_runs"], idle["latest_run_task_states"]) == ("idle", [], {})
    assert pipe["tags"][0]["name"] == "etl" and "timetable_summary" in pipe  # dag_json's fields
    assert [r["dag_run_id"] for r in pipe["latest_dag_runs"]] == [second.run_id, pipeline]
    assert pipe["latest_run_task_states"] == {"queued": 1, "success": 1}  # start is empty: done at once


def test_dag_list_counts_every_mapped_instance_of_the_latest_run(services: Any, pipeline: str) -> None:
    body = get(services, "/ui/dags")[1]

    assert body["dags"][0]["latest_run_task_states"] == {"success": 6}  # start, clean, 3 parts, end


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["alpha_sales", "beta_sales", "gamma"], id="all"),
        pytest.param("search=SALES", ["alpha_sales", "beta_sales"], id="search-any-case"),
        pytest.param("search=pha_s", ["alpha_sales"], id="search-inside"),
        pytest.param("tags=red", ["alpha_sales"], id="one-tag"),
        pytest.param("tags=red&tags=blue", ["alpha_sales", "gamma"], id="any-of-the-tags"),
        pytest.param("paused=true", ["beta_sales"], id="paused"),
        pytest.param("paused=false&search=sales", ["alpha_sales"], id="active-and-search"),
        pytest.param("limit=1&offset=1", ["beta_sales"], id="page"),
    ],
)
def test_dag_list_filters_and_pages(services: Any, driver: Driver, query: str, expected: list[str]) -> None:
    for dag_id, tags in (("gamma", ["blue"]), ("beta_sales", []), ("alpha_sales", ["red", "x"])):
        driver.upload(f"{dag_id}.py", SMALL.format(dag_id=dag_id, tags=tags))
    services.dags.refresh("beta_sales", {"is_paused": True})

    status, body = get(services, "/ui/dags", query)

    assert status == 200
    assert [d["dag_id"] for d in body["dags"]] == expected
    assert body["total_entries"] == (3 if query.startswith("limit") else len(expected))


def test_dag_list_names_import_errors(services: Any, driver: Driver) -> None:
    driver.upload("broken.py", "from updraft import DAG\nimport a_module_that_does_not_exist\n")

    body = get(services, "/ui/dags")[1]

    assert [e["filename"] for e in body["import_errors"]] == ["dags/broken.py"]
    assert "a_module_that_does_not_exist" in body["import_errors"][0]["stack_trace"]


# -- the grid -------------------------------------------------------------------------
def test_grid_rows_are_the_group_tree_in_topological_order(services: Any, pipeline: str) -> None:
    status, body = get(services, "/ui/grid/pipeline")

    assert status == 200
    assert [(t["task_id"], t["label"], t["group_id"], t["depth"], t["is_group"], t["is_mapped"])
            for t in body["tasks"]] == [
        ("start", "start", None, 0, False, False),
        ("load", "load", None, 0, True, False),
        ("load.clean", "clean", "load", 1, False, False),
        ("load.parts", "parts", "load", 1, True, False),
        ("load.parts.part", "part", "load.parts", 2, False, True),
        ("end", "end", None, 0, False, False),
    ]
    assert body["tasks"][0]["operator"] == "EmptyOperator"
    assert body["tasks"][4]["operator"] == "BashOperator"


def test_grid_cells_of_a_run_with_a_retry_and_a_mapped_task(services: Any, pipeline: str) -> None:
    run = get(services, "/ui/grid/pipeline")[1]["dag_runs"][0]

    assert run["dag_run_id"] == pipeline and run["state"] == "success"
    assert run["version_changed"] is False
    cells = run["task_instances"]
    assert cells["start"] == {"state": "success", "try_number": 1, "map_count": None, "states": None}  # empty
    assert cells["load.clean"] == {"state": "success", "try_number": 2, "map_count": None, "states": None}
    assert cells["load.parts.part"] == {"state": "success", "try_number": 1, "map_count": 3,
                                        "states": {"success": 3}}
    assert cells["load"]["state"] == "success" and cells["load"]["states"] == {"success": 4}


def test_grid_mapped_cell_shows_the_most_pressing_state() -> None:
    from updraft.api.grid import cells

    rows = [{"task_id": "m", "group_id": None, "is_group": False, "is_mapped": True}]
    items = [{"sk": "m#-1", "state": "scheduled", "map_length": 3, "try_number": 0},
             {"sk": "m#0", "state": "success", "try_number": 1},
             {"sk": "m#1", "state": "failed", "try_number": 2},
             {"sk": "m#2", "state": "running", "try_number": 1}]

    assert cells(items, rows)["m"] == {"state": "failed", "try_number": 2, "map_count": 3,
                                       "states": {"failed": 1, "running": 1, "success": 1}}


def test_grid_of_a_task_not_yet_touched_has_no_cell(services: Any, driver: Driver) -> None:
    driver.upload("pipeline.py", PIPELINE)
    driver.trigger("pipeline", run_id="manual__waiting")

    cells = get(services, "/ui/grid/pipeline")[1]["dag_runs"][0]["task_instances"]

    assert set(cells) == {"start", "load.clean", "load"}  # nothing below load.clean yet
    assert cells["load.clean"] == {"state": "queued", "try_number": 1, "map_count": None, "states": None}
    assert cells["load"] == {"state": "queued", "try_number": 1, "map_count": None, "states": {"queued": 1}}


def test_grid_pages_runs_newest_first_with_a_cursor(services: Any, driver: Driver) -> None:
    driver.upload("small.py", SMALL.format(dag_id="small", tags=[]))
    for n in range(5):
        driver.trigger("small", run_id=f"manual__{n}")

    first = get(services, "/ui/grid/small", "limit=2")[1]
    second = get(services, "/ui/grid/small", f"limit=2&before={first['next']}")[1]
    last = get(services, "/ui/grid/small", f"limit=2&before={second['next']}")[1]

    assert [r["dag_run_id"] for r in first["dag_runs"]] == ["manual__4", "manual__3"]
    assert [r["dag_run_id"] for r in second["dag_runs"]] == ["manual__2", "manual__1"]
    assert [r["dag_run_id"] for r in last["dag_runs"]] == ["manual__0"]
    assert isinstance(first["next"], str) and last["next"] is None


def test_grid_of_a_dag_whose_file_changed_marks_the_change_and_keeps_old_tasks(
    services: Any, evolving: tuple[str, str],
) -> None:
    old, new = evolving

    body = get(services, "/ui/grid/evolving")[1]
    only_new = get(services, "/ui/grid/evolving", "limit=1")[1]

    assert [t["task_id"] for t in body["tasks"]] == ["first", "added", "dropped"]
    newer, older = body["dag_runs"]
    assert (newer["dag_run_id"], newer["version_changed"]) == (new, True)
    assert (older["dag_run_id"], older["version_changed"]) == (old, False)
    assert newer["dag_version"] != older["dag_version"]
    assert set(older["task_instances"]) == {"first", "dropped"}
    assert only_new["dag_runs"][0]["version_changed"] is True  # known from the run beyond the page
    assert [t["task_id"] for t in only_new["tasks"]] == ["first", "added"]


def test_grid_rejects_a_cursor_it_did_not_make(services: Any, pipeline: str) -> None:
    assert get(services, "/ui/grid/pipeline", "before=not-a-cursor") == (
        400, {"detail": "Invalid cursor: 'not-a-cursor'"})


# -- graph, gantt, code ---------------------------------------------------------------
def test_structure_lists_nodes_groups_and_edges(services: Any, pipeline: str) -> None:
    status, body = get(services, "/ui/structure/pipeline")

    assert status == 200
    assert body["version"] == services.dags.get("pipeline")["version_hash"]
    assert {n["id"]: (n["label"], n["group_id"], n["is_mapped"], n["trigger_rule"]) for n in body["nodes"]} == {
        "start": ("start", None, False, "all_success"),
        "load.clean": ("clean", "load", False, "all_success"),
        "load.parts.part": ("part", "load.parts", True, "all_success"),
        "end": ("end", None, False, "all_done"),
    }
    assert body["groups"] == [
        {"id": "load", "label": "load", "parent_id": None, "tooltip": "Loads the tables"},
        {"id": "load.parts", "label": "parts", "parent_id": "load", "tooltip": ""},
    ]
    assert sorted((e["source_id"], e["target_id"]) for e in body["edges"]) == [
        ("load.clean", "load.parts.part"), ("load.parts.part", "end"), ("start", "load.clean"),
    ]


LABELLED = """
    from datetime import datetime
    from airflow.sdk import DAG, Label
    from airflow.providers.standard.operators.empty import EmptyOperator

    with DAG("labelled", schedule=None, start_date=datetime(2024, 1, 1)):
        check = EmptyOperator(task_id="check")
        check >> Label("valid") >> EmptyOperator(task_id="load")
        check >> EmptyOperator(task_id="report")
"""


def test_structure_edges_carry_their_labels(services: Any, driver: Driver) -> None:
    assert driver.upload("labelled.py", LABELLED)["result"] == "ok"

    body = get(services, "/ui/structure/labelled")[1]

    assert sorted(body["edges"], key=lambda e: e["target_id"]) == [
        {"source_id": "check", "target_id": "load", "label": "valid"},
        {"source_id": "check", "target_id": "report"},
    ]


def test_structure_of_an_old_run_is_its_version(services: Any, evolving: tuple[str, str]) -> None:
    old, _ = evolving

    latest = get(services, "/ui/structure/evolving")[1]
    past = get(services, "/ui/structure/evolving", f"run_id={old}")[1]

    assert [n["id"] for n in latest["nodes"]] == ["first", "added"]
    assert [n["id"] for n in past["nodes"]] == ["first", "dropped"]
    assert past["version"] == services.runs.get("evolving", old).dag_version


def test_gantt_lists_every_try(services: Any, pipeline: str) -> None:
    status, body = get(services, f"/ui/gantt/pipeline/{pipeline}")

    assert status == 200
    assert body["dag_run"]["dag_run_id"] == pipeline
    assert [(t["task_id"], t["map_index"], t["try_number"], t["state"]) for t in body["tries"]] == [
        ("start", -1, 1, "success"),  # an empty task takes no worker, but counts one try (Airflow)
        ("load.clean", -1, 1, "failed"),
        ("load.clean", -1, 2, "success"),
        ("load.parts.part", 0, 1, "success"),
        ("load.parts.part", 1, 1, "success"),
        ("load.parts.part", 2, 1, "success"),
        ("end", -1, 1, "success"),
    ]
    first, second = body["tries"][1:3]
    assert first["start_date"].endswith("Z") and first["end_date"] <= second["start_date"]


def test_code_of_an_old_run_is_the_source_it_ran(services: Any, evolving: tuple[str, str]) -> None:
    old, _ = evolving

    latest = get(services, "/ui/code/evolving")[1]
    past = get(services, "/ui/code/evolving", f"run_id={old}")[1]

    assert 'task_id="added"' in latest["content"] and latest["run_id"] is None
    assert 'task_id="dropped"' in past["content"] and past["run_id"] == old
    assert past["fileloc"] == "dags/evolving.py"
    assert past["version"] != latest["version"] and past["bundle_version"] != latest["bundle_version"]


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["/ui/dags", "/ui/grid/pipeline", "/ui/structure/pipeline", "/ui/gantt/pipeline/manual__1",
     "/ui/code/pipeline"],
)
def test_every_ui_route_needs_a_token(services: Any, path: str) -> None:
    assert get(services, path, token=None) == (401, {"detail": "Not authenticated"})


@pytest.mark.parametrize(
    ("path", "query", "detail"),
    [
        pytest.param("/ui/grid/nope", "", "The Dag with ID: `nope` was not found", id="grid"),
        pytest.param("/ui/structure/nope", "", "The Dag with ID: `nope` was not found", id="structure"),
        pytest.param("/ui/code/nope", "", "The Dag with ID: `nope` was not found", id="code"),
        pytest.param("/ui/structure/pipeline", "run_id=nope",
                     "The DagRun with dag_id: `pipeline` and run_id: `nope` was not found", id="structure-run"),
        pytest.param("/ui/code/pipeline", "run_id=nope",
                     "The DagRun with dag_id: `pipeline` and run_id: `nope` was not found", id="code-run"),
        pytest.param("/ui/gantt/pipeline/nope", "",
                     "The DagRun with dag_id: `pipeline` and run_id: `nope` was not found", id="gantt-run"),
    ],
)
def test_unknown_dags_and_runs_are_404s(services: Any, driver: Driver, path: str, query: str, detail: str) -> None:
    driver.upload("pipeline.py", PIPELINE)

    assert get(services, path, query) == (404, {"detail": detail})


def test_run_ids_with_reserved_characters_resolve(services: Any, driver: Driver) -> None:
    driver.upload("small.py", SMALL.format(dag_id="small", tags=[]))
    run = driver.trigger("small", run_id="manual__2024-06-01T00:00:00+00:00")

    status, body = get(services, f"/ui/gantt/small/{quote(run.run_id, safe='')}")

    assert status == 200 and body["dag_run"]["dag_run_id"] == run.run_id

"""Airflow conformance: one DAG per area, run through the real handlers on the local stack
(each message delivered twice), and compared with what Airflow 3 produces for it.

Each file in dags/ defines a DAG and an `EXPECTED` dict: the run's state, every task
instance's state (`task` or `task[map_index]`), and chosen try numbers (`tries`), mapped
instances' names (`map_index_names`), XComs (`xcom`: return values; `no_xcom`: none pushed;
`xcom_keys`: other keys, as multiple_outputs pushes them) and rendered fields. It may
define `LOGICAL_DATE`, `CONF` and `FILES` (other files to put beside it)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver

DAGS = Path(__file__).parent / "dags"


def _constants(path: Path) -> dict[str, Any]:
    """The module's literal constants (EXPECTED, CONF, …), read without importing it."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.isupper():
                try:
                    found[name] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return found


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.stem)
def test_conformance(path: Path, services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> None:
    from updraft.api.operations import trigger_dag_run
    from updraft.timeutil import coerce_datetime, utcnow

    driver = Driver(services, handlers, stack_env)
    constants = _constants(path)
    expected = constants["EXPECTED"]
    for name, text in constants.get("FILES", {}).items():
        services.bucket.put(f"dags/{name}", text)
    assert driver.upload(path.name, path.read_text())["result"] == "ok"
    dag_id = expected["dag_id"]
    run = trigger_dag_run(
        services, dag_id, run_id="conformance",
        logical_date=coerce_datetime(constants.get("LOGICAL_DATE", "2024-03-05T00:00:00+00:00")),
        conf=constants.get("CONF", {}), now=utcnow(),
    )
    driver.drain(duplicate=True)
    tis = {
        (t.task_id if t.map_index < 0 else f"{t.task_id}[{t.map_index}]"): t
        for t in services.tis.list(dag_id, run.run_id)
        if not (t.map_index < 0 and t.map_length)  # a mapped task's record: its instances count
    }
    assert {k: str(t.state) for k, t in tis.items()} == expected["states"]
    for task, value in expected.get("xcom", {}).items():
        task_id, _, index = task.partition("[")
        map_index = int(index.rstrip("]")) if index else -1
        assert services.xcoms.get(dag_id, run.run_id, task_id, map_index, "return_value") == (True, value), task
    for task, keys in expected.get("xcom_keys", {}).items():  # multiple_outputs: a key each
        task_id, _, index = task.partition("[")
        map_index = int(index.rstrip("]")) if index else -1
        for key, value in keys.items():
            assert services.xcoms.get(dag_id, run.run_id, task_id, map_index, key) == (True, value), (task, key)
    for task in expected.get("no_xcom", []):
        assert not services.xcoms.get(dag_id, run.run_id, task, -1, "return_value")[0], task
    for task, name in expected.get("map_index_names", {}).items():
        assert tis[task].rendered_map_index == name, task
    for task, number in expected.get("tries", {}).items():
        assert tis[task].try_number == number, task
    for task, fields in expected.get("rendered", {}).items():
        assert {k: tis[task].rendered_fields[k] for k in fields} == fields, task
    assert str(services.runs.get(dag_id, run.run_id).state) == expected["run"]

"""DAG files import from Airflow's modules unchanged: every name Updraft maps resolves, a real
Airflow beside Updraft is never shadowed, and what Updraft lacks fails saying what to use."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from updraft import compat
from updraft.compat import modules as table
from updraft.processing.dagfile import load_dag_file

NAMES = sorted((module, name) for module, names in table.MODULES.items() for name in names)


@pytest.fixture(autouse=True)
def finder() -> Iterator[None]:
    compat.install()
    yield
    compat.uninstall()


@pytest.mark.parametrize("module, name", NAMES, ids=[f"{m}:{n}" for m, n in NAMES])
def test_every_mapped_name_resolves(module: str, name: str) -> None:
    value = getattr(importlib.import_module(module), name)

    assert value is not None


def test_one_object_behind_airflow_3_and_airflow_2_paths() -> None:
    from airflow.decorators import task as old_task
    from airflow.models import DAG as OldDAG  # noqa: N811
    from airflow.operators.python import PythonOperator as OldPython
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG, task

    from updraft import DAG as UpdraftDAG  # noqa: N811

    assert DAG is OldDAG is UpdraftDAG
    assert task is old_task
    assert PythonOperator is OldPython


def test_a_real_airflow_installed_beside_is_not_shadowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "airflow"
    real.mkdir()
    (real / "__init__.py").write_text("REAL = True\n")
    (real / "sdk.py").write_text("DAG = 'the real one'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n == "airflow" or n.startswith("airflow.")]:
        monkeypatch.delitem(sys.modules, name)

    import airflow
    from airflow.sdk import DAG

    assert airflow.REAL is True
    assert DAG == "the real one"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow.providers.standard.operators.bash")  # none of ours under it
    for name in [n for n in sys.modules if n == "airflow" or n.startswith("airflow.")]:
        del sys.modules[name]


@pytest.mark.parametrize(
    "module, says",
    [
        pytest.param("airflow.providers.cncf.kubernetes.operators.pod", "EcsRunTaskOperator", id="kubernetes"),
        pytest.param("airflow.providers.google.cloud.operators.bigquery", "Google", id="google"),
        pytest.param("airflow.providers.standard.triggers.file", "mode='reschedule'", id="triggers"),
        pytest.param("airflow.no_such_module", "docs/differences.md#airflow-modules", id="unknown"),
    ],
)
def test_a_module_updraft_lacks_names_what_to_use(module: str, says: str) -> None:
    with pytest.raises(ModuleNotFoundError) as err:
        importlib.import_module(module)

    assert "Updraft does not provide this Airflow module" in str(err.value)
    assert says in str(err.value)


def test_an_import_error_of_a_missing_name_says_what_updraft_has(tmp_path: Path) -> None:
    path = tmp_path / "asset_dag.py"
    path.write_text("from airflow.sdk import DAG, ObjectStoragePath\n")

    loaded = load_dag_file(str(path), display_name="dags/asset_dag.py")

    assert loaded.error is not None
    assert loaded.error.splitlines()[0] == (
        "dags/asset_dag.py:1: ImportError: cannot import name 'ObjectStoragePath' from 'airflow.sdk' "
        "(unknown location) - Updraft's 'airflow.sdk' has no 'ObjectStoragePath'; use S3Hook "
        "(airflow.providers.amazon.aws.hooks.s3) for S3 objects"
    )


def test_a_dag_file_written_for_airflow_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "airflow_dag.py"
    path.write_text(textwrap.dedent("""
        import pendulum
        from airflow.sdk import DAG, Label, TriggerRule, chain, task
        from airflow.providers.standard.operators.bash import BashOperator
        from airflow.providers.standard.operators.empty import EmptyOperator
        from airflow.exceptions import AirflowSkipException

        with DAG("airflow_dag", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):
            @task
            def extract():
                return [1, 2]

            done = EmptyOperator(task_id="done", trigger_rule=TriggerRule.ALL_DONE)
            chain(extract(), Label("rows"), BashOperator(task_id="load", bash_command="echo ok"), done)
    """))

    loaded = load_dag_file(str(path))

    assert loaded.error is None
    [dag] = loaded.dags
    assert sorted(dag.task_ids) == ["done", "extract", "load"]
    assert dag.get_edge_info("extract", "load") == {"label": "rows"}


def test_a_custom_timetable_is_refused_naming_what_to_use(tmp_path: Path) -> None:
    folder = tmp_path / "bundle" / "dags"
    folder.mkdir(parents=True)
    path = folder / "custom.py"
    path.write_text(textwrap.dedent("""
        from datetime import datetime
        from airflow.sdk import DAG
        from airflow.timetables.base import Timetable

        class Fortnightly(Timetable):
            pass

        with DAG("custom", schedule=Fortnightly(), start_date=datetime(2024, 1, 1)):
            pass
    """))

    loaded = load_dag_file(str(path), display_name="dags/custom.py")

    assert loaded.error is not None
    assert loaded.error.splitlines()[0] == (
        "dags/custom.py:9: AirflowTimetableInvalid: DAG 'custom' in dags/custom.py: The custom timetable "
        "Fortnightly is not supported by Updraft: its scheduler never imports DAG code (Airflow loads "
        "custom timetables from plugins). Use a cron expression, a timedelta, CronTriggerTimetable, "
        "CronDataIntervalTimetable, DeltaTriggerTimetable, DeltaDataIntervalTimetable or "
        "MultipleCronTriggerTimetable"
    )
    assert str(tmp_path) not in loaded.error  # files named by their key in the DAG folder

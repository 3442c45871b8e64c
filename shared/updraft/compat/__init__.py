"""Airflow's import paths for DAG files: `from airflow.sdk import DAG` runs unchanged.

`install()` adds a finder at the end of `sys.meta_path`, so a real Airflow installed in the
same environment is found first and never shadowed; only when none is there do `airflow.*`
modules resolve to Updraft's own names (see `updraft.compat.modules`)."""

from updraft.compat.finder import AirflowFinder, hint, install, uninstall

__all__ = ["AirflowFinder", "hint", "install", "uninstall"]

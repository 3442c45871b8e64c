"""Importing DAG files and turning them into serialized DAGs (the dag processor's work)."""

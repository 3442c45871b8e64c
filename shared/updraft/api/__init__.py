"""Airflow 3's public REST API (`/api/v2`), served by the API Lambda behind API Gateway.

`updraft.api.app.resolve` is the handler's entry point; `updraft.api.operations` holds what
the API and the CLI both do (trigger a run, pause a DAG). Routes live in `updraft.api.routes`,
one module per resource, and answer with Airflow's JSON shapes (`updraft.api.serializers`)."""

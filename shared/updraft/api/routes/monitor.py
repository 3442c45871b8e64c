"""GET /monitor/health and GET /version.

The metadatabase is the stack's DynamoDB table: healthy when a one-item query answers.
The scheduler and the dag processor are Lambdas invoked by EventBridge and S3 rather than
processes that heartbeat, so they are reported healthy with the database, with no
heartbeat yet; there is no triggerer."""

from __future__ import annotations

import logging

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.request import services

router = Router()
log = logging.getLogger("updraft.api")

HEALTHY = "healthy"
UNHEALTHY = "unhealthy"


@router.get("/monitor/health")
def get_health() -> dict:
    database = _metadatabase_status()
    return {
        "metadatabase": {"status": database},
        "scheduler": {"status": database, "latest_scheduler_heartbeat": None},
        "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        "dag_processor": {"status": database, "latest_dag_processor_heartbeat": None},
    }


@router.get("/version")
def get_version() -> dict:
    from updraft import __version__

    return {"version": __version__, "git_version": None}


def _metadatabase_status() -> str:
    try:
        services(router).dags.list(limit=1)
    except Exception:  # noqa: BLE001 - any failure to reach the table is what this reports
        log.exception("health check: the table did not answer")
        return UNHEALTHY
    return HEALTHY

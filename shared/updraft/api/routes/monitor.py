"""GET /monitor/health and GET /version: public, as in Airflow.

The metadatabase is the stack's DynamoDB table: healthy when a one-item query answers. The
scheduler is a Lambda that EventBridge invokes every tick; each pass writes a heartbeat
(`updraft.store.heartbeat`), and the scheduler is healthy while its latest one is recent —
within two ticks and Airflow's 30 seconds of grace — as Airflow judges its scheduler's
heartbeat against `scheduler_health_check_threshold`. The dag processor runs on S3 events
only, with no heartbeat: it is reported with the database. There is no triggerer."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from updraft.api.auth import public
from updraft.api.request import now, services

router = Router()
log = logging.getLogger("updraft.api")

HEALTHY = "healthy"
UNHEALTHY = "unhealthy"
# Airflow's `[scheduler] scheduler_health_check_threshold` default, added to two ticks.
HEALTH_CHECK_GRACE_SECONDS = 30


@router.get("/monitor/health")
@public
def get_health() -> dict:
    database = _metadatabase_status()
    return {
        "metadatabase": {"status": database},
        "scheduler": _scheduler(database),
        "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        "dag_processor": {"status": database, "latest_dag_processor_heartbeat": None},
    }


@router.get("/version")
@public
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


def _scheduler(database: str) -> dict[str, Any]:
    """The scheduler's latest heartbeat (ISO 8601, as Airflow writes it) and whether it is recent."""
    from updraft.store.heartbeat import SCHEDULER, latest_heartbeat

    if database != HEALTHY:
        return {"status": UNHEALTHY, "latest_scheduler_heartbeat": None}
    svc = services(router)
    beat = latest_heartbeat(svc.table, SCHEDULER)
    if beat is None:
        return {"status": UNHEALTHY, "latest_scheduler_heartbeat": None}
    latest = datetime.fromisoformat(beat["latest"])
    threshold = 2 * svc.settings.scheduler_tick_seconds + HEALTH_CHECK_GRACE_SECONDS
    alive = (now(router) - latest).total_seconds() < threshold
    return {"status": HEALTHY if alive else UNHEALTHY, "latest_scheduler_heartbeat": latest.isoformat()}

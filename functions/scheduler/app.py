"""Scheduler: one pass per EventBridge tick — due DagRuns, retries, lost messages, zombies."""

from updraft.scheduling.scheduler import run_pass
from updraft.services import services_from_env
from updraft.timeutil import utcnow


def handler(event: dict, context: object) -> dict:
    return run_pass(services_from_env(), utcnow()).to_dict()

"""API: the Airflow-compatible REST API, behind API Gateway (HTTP API, payload 2.0)."""

from updraft.api.app import resolve


def handler(event: dict, context: object) -> dict:
    return resolve(event, context)

"""DAG processor: imports each uploaded DAG file and stores its DAGs serialized (or its error)."""

from updraft.processing.processor import process_s3_event
from updraft.services import services_from_env


def handler(event: dict, context: object) -> dict:
    return process_s3_event(services_from_env(), event)

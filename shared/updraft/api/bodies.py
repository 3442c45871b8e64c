"""Request bodies, validated as Airflow 3 validates them (pydantic, unknown fields refused).

Imported by the routes that take a body, when they first run: listing routes never pay
for building these models."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, model_validator

from updraft.api.errors import Unprocessable

M = TypeVar("M", bound=BaseModel)


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TriggerDAGRunPostBody(StrictBody):
    """POST /dags/{dag_id}/dagRuns. `logical_date` may be null (or left out): a run without one."""

    dag_run_id: str | None = None
    data_interval_start: AwareDatetime | None = None
    data_interval_end: AwareDatetime | None = None
    logical_date: AwareDatetime | None = None
    run_after: datetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    partition_key: str | None = None

    @model_validator(mode="after")
    def _both_ends_or_neither(self) -> "TriggerDAGRunPostBody":
        if (self.data_interval_start is None) != (self.data_interval_end is None):
            raise ValueError(
                "Either both data_interval_start and data_interval_end must be provided or both must be None"
            )
        return self


class DAGPatchBody(StrictBody):
    """PATCH /dags/{dag_id}: only `is_paused` can change."""

    is_paused: bool


def validate(model: type[M], data: Any) -> M:
    """The body as `model`, or a 422 listing every field error under `body`."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors = json.loads(err.json(include_url=False))
        raise Unprocessable([{**e, "loc": ["body", *e["loc"]]} for e in errors]) from None

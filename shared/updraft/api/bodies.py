"""Request bodies, validated as Airflow 3 validates them (pydantic, unknown fields refused).

Imported by the routes that take a body, when they first run: listing routes never pay
for building these models."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from updraft.api.errors import Unprocessable

M = TypeVar("M", bound=BaseModel)


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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


NOTE_MAX = 1000


class DAGRunPatchBody(StrictBody):
    """PATCH /dags/{dag_id}/dagRuns/{dag_run_id}: mark the run (and its task instances), or note it."""

    state: Literal["queued", "success", "failed"] | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class DAGRunClearBody(StrictBody):
    """POST /dags/{dag_id}/dagRuns/{dag_run_id}/clear. A dry run (the default) changes nothing."""

    dry_run: bool = True
    only_failed: bool = False
    only_new: bool = False
    run_on_latest_version: bool | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class PatchTaskInstanceBody(StrictBody):
    """PATCH …/taskInstances/{task_id}[/{map_index}][/dry_run]: mark it (and relatives), or note it."""

    new_state: Literal["success", "failed", "skipped"] | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


class ClearTaskInstancesBody(StrictBody):
    """POST /dags/{dag_id}/clearTaskInstances: one run (`dag_run_id`) or the runs whose logical
    date is within [start_date, end_date]. A dry run (the default) changes nothing."""

    dry_run: bool = True
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    only_failed: bool = True
    only_running: bool = False
    reset_dag_runs: bool = True
    task_ids: list[Union[str, tuple[str, int]]] | None = Field(default=None, min_length=1)
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False
    run_on_latest_version: bool | None = None
    prevent_running_task: bool = False
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    @model_validator(mode="after")
    def _consistent(self) -> "ClearTaskInstancesBody":
        if self.only_failed and self.only_running:
            raise ValueError("only_failed and only_running both are set to True")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("end_date is sooner than start_date")
        if self.dag_run_id and (self.start_date or self.end_date):
            raise ValueError("Exactly one of dag_run_id or (start_date and end_date) must be provided")
        return self


class VariableBody(StrictBody):
    """A variable to create or update; a value that is not text is stored as its JSON."""

    key: str = Field(max_length=250)
    value: JsonValue
    description: str | None = None
    team_name: str | None = Field(default=None, max_length=50)


class ConnectionBody(StrictBody):
    """A connection to create or update (Airflow's fields; `extra` a JSON object as text)."""

    connection_id: str = Field(max_length=200, pattern=r"^[\w.-]+$")
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    port: int | None = None
    password: str | None = None
    extra: str | None = None
    team_name: str | None = Field(default=None, max_length=50)

    @field_validator("extra")
    @classmethod
    def _extra_is_an_object(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value == "":
            return "{}"
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(
                "The `extra` field must be a valid JSON object (e.g., {'key': 'value'}), "
                "but encountered non-JSON in `extra` field"
            ) from None
        if not isinstance(parsed, dict):
            raise ValueError("The `extra` field must be a valid JSON object (e.g., {'key': 'value'})")
        return value


class XComCreateBody(StrictBody):
    key: str
    value: JsonValue
    map_index: int = -1


class XComUpdateBody(StrictBody):
    value: JsonValue
    map_index: int = -1


class LoginBody(BaseModel):
    username: str
    password: str


# -- bulk requests (PATCH /variables, PATCH /connections) ----------------------------------
T = TypeVar("T")


class BulkCreateAction(StrictBody, Generic[T]):
    action: Literal["create"]
    entities: list[T]
    action_on_existence: Literal["fail", "skip", "overwrite"] = "fail"


class BulkUpdateAction(StrictBody, Generic[T]):
    action: Literal["update"]
    entities: list[T]
    update_mask: list[str] | None = None
    action_on_non_existence: Literal["fail", "skip"] = "fail"


class BulkDeleteAction(StrictBody, Generic[T]):
    action: Literal["delete"]
    entities: list[str]
    action_on_non_existence: Literal["fail", "skip"] = "fail"


def _action_of(value: Any) -> str | None:
    return value.get("action") if isinstance(value, dict) else getattr(value, "action", None)


class BulkBody(StrictBody, Generic[T]):
    actions: list[Annotated[
        Union[
            Annotated[BulkCreateAction[T], Tag("create")],
            Annotated[BulkUpdateAction[T], Tag("update")],
            Annotated[BulkDeleteAction[T], Tag("delete")],
        ],
        Discriminator(_action_of),
    ]]


class BulkVariableBody(BulkBody[VariableBody]):
    """PATCH /variables."""


class BulkConnectionBody(BulkBody[ConnectionBody]):
    """PATCH /connections."""


def validate(model: type[M], data: Any) -> M:
    """The body as `model`, or a 422 listing every field error under `body`."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors = json.loads(err.json(include_url=False))
        raise Unprocessable([{**e, "loc": ["body", *e["loc"]]} for e in errors]) from None

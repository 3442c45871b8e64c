"""TriggerDagRunOperator: trigger a run of another DAG, and optionally wait for it to end —
the reschedule way, so no worker is held while the other run works."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import (
    AirflowException,
    AirflowRescheduleException,
    AirflowSkipException,
    DagRunAlreadyExists,
)
from updraft.timeutil import coerce_datetime

log = logging.getLogger("updraft.task")

XCOM_RUN_ID = "trigger_run_id"
XCOM_LOGICAL_DATE = "trigger_logical_date"


class TriggerDagRunOperator(BaseOperator):
    template_fields: Sequence[str] = ("trigger_dag_id", "trigger_run_id", "logical_date", "conf")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: str | datetime | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float = 60,
        allowed_states: Sequence[str] | None = None,
        failed_states: Sequence[str] | None = None,
        skip_when_already_exists: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf
        self.logical_date = logical_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.allowed_states = list(allowed_states or ["success"])
        self.failed_states = list(failed_states or ["failed"])
        self.skip_when_already_exists = skip_when_already_exists

    def execute(self, context: Any) -> None:
        from updraft.services import services_from_env

        services = services_from_env()
        ti = context["ti"]
        record = getattr(ti, "record", None)
        if record is not None and record.poke_try == ti.try_number:
            # Back after a reschedule: the run was triggered by this try; look at it again.
            run_id = ti.xcom_pull(task_ids=self.task_id, key=XCOM_RUN_ID)
            return self._wait(services, run_id, context)
        run_id = self._trigger(services, context)
        ti.xcom_push(XCOM_RUN_ID, run_id)
        if self.wait_for_completion:
            return self._wait(services, run_id, context)
        return None

    def _trigger(self, services: Any, context: Any) -> str:
        from updraft.api.operations import trigger_dag_run
        from updraft.models.clear import clear_task_instances, select_tasks
        from updraft.timeutil import utcnow

        logical = coerce_datetime(self.logical_date) if self.logical_date else None
        try:
            run = trigger_dag_run(
                services, self.trigger_dag_id, run_id=self.trigger_run_id, logical_date=logical,
                conf=self.conf, triggered_by="operator", now=utcnow(),
            )
            log.info("Triggered DAG %s: run %s", self.trigger_dag_id, run.run_id)
            return run.run_id
        except DagRunAlreadyExists as err:
            if self.skip_when_already_exists:
                raise AirflowSkipException(f"DagRun already exists for {self.trigger_dag_id}: skipping") from None
            if not self.reset_dag_run:
                raise
            existing = services.runs.get(self.trigger_dag_id, err.run_id, consistent=True)
            serialized = services.serialized_dag(self.trigger_dag_id, existing.dag_version)
            clear_task_instances(services, self.trigger_dag_id, err.run_id, select_tasks(serialized, None), now=utcnow())
            log.info("Cleared DagRun %s of %s (reset_dag_run)", err.run_id, self.trigger_dag_id)
            return err.run_id

    def _wait(self, services: Any, run_id: str, context: Any) -> None:
        run = services.runs.get(self.trigger_dag_id, run_id, consistent=True)
        state = str(run.state) if run else None
        log.info("Waiting for %s run %s: %s", self.trigger_dag_id, run_id, state)
        if state in self.failed_states:
            raise AirflowException(f"{self.trigger_dag_id} failed with failed states {state}")
        if state in self.allowed_states:
            log.info("%s finished with allowed state %s", self.trigger_dag_id, state)
            return None
        started = datetime.now(timezone.utc)
        raise AirflowRescheduleException(started + timedelta(seconds=self.poke_interval), started_at=started)

"""Marking tasks as setups and teardowns: `is_setup`, `is_teardown`, `on_failure_fail_dagrun`,
`as_setup()`, `as_teardown(setups=...)` and the context manager, on operators and on XComArgs.

Airflow's behaviour and messages (airflow/sdk/definitions/_internal/abstractoperator.py,
bases/operator.py `_convert_is_setup`, definitions/xcom_arg.py, definitions/dag.py
`validate_setup_teardown`). Kept out of baseoperator.py so that the operator module only mixes
these in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from updraft.authoring.setup_teardown_context import SetupTeardownContext
from updraft.exceptions import AirflowException
from updraft.models.states import TriggerRule

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG


def _as_setups(setups: Any) -> Iterable[Any]:
    from updraft.authoring.baseoperator import DependencyMixin

    return [setups] if isinstance(setups, DependencyMixin) else setups


class OperatorSetupTeardown:
    """What BaseOperator has of setups and teardowns (Airflow's AbstractOperator)."""

    task_id: str
    trigger_rule: TriggerRule
    _is_setup: bool = False
    _is_teardown: bool = False
    _on_failure_fail_dagrun: bool = False

    @property
    def is_setup(self) -> bool:
        return self._is_setup

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        if self.is_teardown and value:
            raise ValueError(f"Cannot mark task '{self.task_id}' as setup; task is already a teardown.")
        self._is_setup = value

    @property
    def is_teardown(self) -> bool:
        return self._is_teardown

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        if self.is_setup and value:
            raise ValueError(f"Cannot mark task '{self.task_id}' as teardown; task is already a setup.")
        self._is_teardown = value

    @property
    def on_failure_fail_dagrun(self) -> bool:
        """Whether this teardown failing fails the run (teardowns are left out otherwise)."""
        return self._on_failure_fail_dagrun

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        if value is True and self.is_teardown is not True:
            raise ValueError(
                f"Cannot set task on_failure_fail_dagrun for '{self.task_id}' because it is not a teardown task."
            )
        self._on_failure_fail_dagrun = value

    def as_setup(self) -> Any:
        self.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> Any:
        """Mark a teardown (trigger rule all_done_setup_success); `setups` become setups
        directly upstream of it."""
        self.is_teardown = True
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if on_failure_fail_dagrun is not None:
            self.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            for s in _as_setups(setups):
                s.is_setup = True
                s >> self
        return self

    def __enter__(self) -> type[SetupTeardownContext]:
        if not self.is_setup and not self.is_teardown:
            raise RuntimeError("Only setup/teardown tasks can be used as context managers.")
        SetupTeardownContext.push_setup_teardown_task(self)
        return SetupTeardownContext

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        SetupTeardownContext.set_work_task_roots_and_leaves()


class XComArgSetupTeardown:
    """The same on a task's output (`my_task().as_teardown(setups=...)`, `with my_teardown():`)."""

    operator: Any

    @property
    def is_setup(self) -> bool:
        return bool(self.operator.is_setup)

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        self.operator.is_setup = value

    @property
    def is_teardown(self) -> bool:
        return bool(self.operator.is_teardown)

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        self.operator.is_teardown = value

    @property
    def on_failure_fail_dagrun(self) -> bool:
        return bool(self.operator.on_failure_fail_dagrun)

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        self.operator.on_failure_fail_dagrun = value

    def as_setup(self) -> Any:
        self.operator.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> Any:
        operator = self.operator
        operator.is_teardown = True
        operator.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if on_failure_fail_dagrun is not None:
            operator.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            for s in _as_setups(setups):
                s.is_setup = True
                s >> operator
        return self

    def __enter__(self) -> type[SetupTeardownContext]:
        if not self.operator.is_setup and not self.operator.is_teardown:
            raise AirflowException("Only setup/teardown tasks can be used as context managers.")
        SetupTeardownContext.push_setup_teardown_task(self.operator)
        return SetupTeardownContext

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        SetupTeardownContext.set_work_task_roots_and_leaves()


def note_new_task(task: Any) -> None:
    """Called as each operator is made: inside `with setup >> teardown:` it joins the context."""
    if SetupTeardownContext.active:
        SetupTeardownContext.update_context_map(task)


def validate_setup_teardown(dag: "DAG") -> None:
    """Airflow's `DAG.validate_setup_teardown`, run when the DAG file is parsed: what follows a
    setup directly is a teardown or keeps all_success (so clearing an indirect setup behaves)."""
    for task in dag.tasks:
        if getattr(task, "is_setup", False):
            for down_task in task.downstream_list:
                if not down_task.is_teardown and down_task.trigger_rule != TriggerRule.ALL_SUCCESS:
                    raise ValueError("Setup tasks must be followed with trigger rule ALL_SUCCESS.")

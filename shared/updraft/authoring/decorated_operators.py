"""The operators behind `@task.bash` and the virtualenv decorators (`@task.virtualenv`,
`@task.external_python`, `@task.branch_virtualenv`, `@task.branch_external_python`).

Kept apart from taskflow.py, which imports them only when a DAG uses one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from updraft.authoring.taskflow import DecoratedPythonOperator
from updraft.operators.bash import BashOperator
from updraft.operators.python import PythonCallableMixin
from updraft.operators.virtualenv import (
    BranchExternalPythonOperator,
    BranchPythonVirtualenvOperator,
    ExternalPythonOperator,
    PythonVirtualenvOperator,
)


class SetDuringExecution:
    """Airflow's sentinel for an argument known only when the task runs (@task.bash's
    command, until its function has returned it)."""

    @staticmethod
    def serialize() -> str:
        return "DYNAMIC (set during execution)"

    def __repr__(self) -> str:
        return self.serialize()


SET_DURING_EXECUTION = SetDuringExecution()


class _BashDecoratedOperator(PythonCallableMixin, BashOperator):
    """`@task.bash`: the function returns the command, which is then rendered as a template
    and run as BashOperator runs it. The rendered fields are kept after the run, so they show
    the command, not the placeholder."""

    template_fields: Sequence[str] = ("op_args", "op_kwargs", *BashOperator.template_fields)
    custom_operator_name: str = "@task.bash"
    overwrite_rtif_after_execution: bool = True

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(bash_command=SET_DURING_EXECUTION, **kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, None)

    def execute(self, context: Any) -> Any:
        from updraft.execution.templates import render_template_fields

        kwargs = {**self._context_kwargs(context), **self.op_kwargs}
        self.bash_command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(self.bash_command, str) or self.bash_command.strip() == "":
            raise TypeError("The returned value from the TaskFlow callable must be a non-empty string.")
        render_template_fields(self, context)
        return super().execute(context)


class _PythonVirtualenvDecoratedOperator(DecoratedPythonOperator, PythonVirtualenvOperator):
    template_fields = PythonVirtualenvOperator.template_fields
    custom_operator_name: str = "@task.virtualenv"


class _PythonExternalDecoratedOperator(DecoratedPythonOperator, ExternalPythonOperator):
    template_fields = ExternalPythonOperator.template_fields
    custom_operator_name: str = "@task.external_python"


class _BranchPythonVirtualenvDecoratedOperator(DecoratedPythonOperator, BranchPythonVirtualenvOperator):
    template_fields = BranchPythonVirtualenvOperator.template_fields
    custom_operator_name: str = "@task.branch_virtualenv"


class _BranchExternalPythonDecoratedOperator(DecoratedPythonOperator, BranchExternalPythonOperator):
    template_fields = BranchExternalPythonOperator.template_fields
    custom_operator_name: str = "@task.branch_external_python"

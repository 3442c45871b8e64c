"""Branching and short-circuiting: a task that decides which of the tasks after it run.

The operator decides; the engine applies the decision when the task succeeds. Both reach the
engine through the task instance in the context: `ti.follow_only(task_ids)` (the direct
downstream tasks not listed are skipped) and `ti.skip_all_downstream(...)`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from updraft.authoring.baseoperator import BaseOperator
from updraft.exceptions import AirflowException
from updraft.operators.python import PythonOperator

if TYPE_CHECKING:
    from updraft.authoring.dag import DAG
    from updraft.authoring.taskgroup import TaskGroup

log = logging.getLogger("updraft.task")


class SkipMixin:
    """Airflow's `SkipMixin`: an operator that marks some of its downstream tasks skipped."""

    def skip(self, ti: Any, tasks: Iterable[Any]) -> None:
        """Skip these tasks (operators or task ids) of this run when this task succeeds."""
        ids = [t if isinstance(t, str) else t.task_id for t in tasks]
        if ids:
            ti.skip_tasks(ids)


class BranchMixIn(SkipMixin):
    """Airflow's branching: turn what the branch callable returned into the tasks to follow."""

    task_id: str
    dag: "DAG | None"
    downstream_task_ids: set[str]

    def do_branch(self, context: Any, branches_to_execute: Any) -> Any:
        """Follow `branches_to_execute` (a task id, a task group id, a list of them, or None
        for none); returns it unchanged, as the task's XCom."""
        log.info("Branch into %s", branches_to_execute)
        if branches_to_execute is None:
            self.skip_all_except(context["ti"], None)
        else:
            self.skip_all_except(context["ti"], self._expand_task_group_roots(branches_to_execute))
        return branches_to_execute

    def _expand_task_group_roots(self, branches_to_execute: Any) -> Iterable[Any]:
        """A task group id stands for the group's root tasks."""
        dag = self._dag()
        groups = dag.task_group_dict
        if isinstance(branches_to_execute, str) or not isinstance(branches_to_execute, Iterable):
            branches_to_execute = [branches_to_execute]
        for branch in branches_to_execute:
            resolved = self._resolve_branch_id(dag, groups, branch)
            if resolved in groups:
                group = groups[resolved]
                root_ids = [root.task_id for root in group.roots]
                log.info("Expanding task group %s into %s", group.group_id, root_ids)
                yield from root_ids
            else:
                yield resolved

    def _resolve_branch_id(self, dag: "DAG", groups: "dict[str, TaskGroup]", branch: Any) -> Any:
        """Inside a task group, a branch may name a sibling by its id without the prefix; an
        id of the whole DAG wins over the relative reading."""
        if branch in groups or branch in dag.task_dict:
            return branch
        group = getattr(self, "task_group", None)
        if group is not None and group.group_id and group.prefix_group_id:
            candidate = f"{group.group_id}.{branch}"
            if candidate in groups or candidate in dag.task_dict:
                log.info("Resolving relative branch %s as %s", branch, candidate)
                return candidate
        return branch

    def skip_all_except(self, ti: Any, branch_task_ids: Any) -> None:
        """Run only the direct downstream tasks on the chosen branches; skip the others.
        A direct downstream task that is also downstream of a chosen task (the join after an
        empty branch) runs too."""
        if branch_task_ids and isinstance(branch_task_ids, GeneratorType):
            branch_task_ids = list(branch_task_ids)
        if isinstance(branch_task_ids, str):
            branch_task_id_set = {branch_task_ids}
        elif isinstance(branch_task_ids, Iterable):
            branch_task_id_set = set(branch_task_ids)
            invalid_task_ids_type = {
                (bti, type(bti).__name__) for bti in branch_task_id_set if not isinstance(bti, str)
            }
            if invalid_task_ids_type:
                raise AirflowException(
                    "Unable to branch to the specified tasks. "
                    "The branching function returned invalid 'branch_task_ids': "
                    f"{invalid_task_ids_type}. Please check that your function returns an "
                    "Iterable of valid task IDs that exist in your DAG."
                )
        elif branch_task_ids is None:
            branch_task_id_set = set()
        else:
            raise AirflowException(
                "'branch_task_ids' must be either None, a task ID, or an Iterable of IDs, "
                f"but got {type(branch_task_ids).__name__!r}."
            )
        log.info("Following branch %s", branch_task_id_set)

        dag = self._dag()
        invalid_task_ids = branch_task_id_set - set(dag.task_ids)
        if invalid_task_ids:
            raise AirflowException(
                "'branch_task_ids' must contain only valid task_ids. "
                f"Invalid tasks found: {invalid_task_ids}."
            )
        downstream = sorted(self.downstream_task_ids)
        if not downstream:
            return
        for branch_task_id in list(branch_task_id_set):
            branch_task_id_set.update(_flat_downstream_ids(dag, branch_task_id))
        follow = [t for t in downstream if t in branch_task_id_set]
        log.info("Skipping tasks %s", [t for t in downstream if t not in branch_task_id_set])
        ti.follow_only(follow)

    def _dag(self) -> "DAG":
        if self.dag is None:
            raise AirflowException(f"Task {self.task_id} has not been assigned to a DAG")
        return self.dag


def _flat_downstream_ids(dag: "DAG", task_id: str) -> set[str]:
    """Every task after `task_id`, however far."""
    found: set[str] = set()
    frontier = set(dag.task_dict[task_id].downstream_task_ids)
    while frontier:
        task_id = frontier.pop()
        if task_id not in found:
            found.add(task_id)
            frontier |= dag.task_dict[task_id].downstream_task_ids
    return found


class BaseBranchOperator(BranchMixIn, BaseOperator):
    """Subclass and implement `choose_branch(context)`: return a task id, a task group id, a
    list of them, or None to skip every task directly downstream."""

    def choose_branch(self, context: Any) -> str | Iterable[str] | None:
        raise NotImplementedError

    def execute(self, context: Any) -> Any:
        return self.do_branch(context, self.choose_branch(context))


class BranchPythonOperator(BranchMixIn, PythonOperator):
    """A PythonOperator whose callable returns the branch to follow: a task id, a task group
    id, a list of them, or None. The other direct downstream tasks are skipped, and their
    skips flow on through trigger rules."""

    def execute(self, context: Any) -> Any:
        return self.do_branch(context, PythonOperator.execute(self, context))


class ShortCircuitOperator(PythonOperator):
    """A PythonOperator that stops the pipeline when its callable returns a falsy value.

    With ignore_downstream_trigger_rules (the default) every task after it is skipped,
    whatever its trigger rule; without, only the direct downstream tasks are, and the tasks
    after them follow their trigger rules.
    """

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Any) -> Any:
        condition = super().execute(context)
        log.info("Condition result is %s", condition)
        if condition:
            log.info("Proceeding with downstream tasks...")
            return condition
        if not self.downstream_task_ids:
            log.info("No downstream tasks; nothing to do.")
            return condition
        log.info("Skipping downstream tasks")
        context["ti"].skip_all_downstream(
            ignore_downstream_trigger_rules=self.ignore_downstream_trigger_rules
        )
        log.info("Done.")
        return condition

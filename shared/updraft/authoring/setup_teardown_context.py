"""`with setup_task >> teardown_task:` — the tasks defined inside go between the two.

A port of Airflow's `BaseSetupTeardownContext` (airflow/sdk/definitions/_internal/
setup_teardown.py), state and quirks included, so that a DAG file gets the same edges: the
context is class-level state; tasks made while it is active are noted against the setup or
teardown it was entered with; on exit the work's roots get the setups upstream and its leaves
the teardowns downstream; nested contexts chain setup to setup and teardown to teardown. As in
Airflow, leaving an inner context deactivates the outer one too (`active = False`)."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from updraft.exceptions import AirflowException

Operators = Any  # an operator or a list of them (Airflow's AbstractOperator | list[...])


class SetupTeardownContext:
    """Airflow's SetupTeardownContext: what `__enter__` on a setup or teardown returns."""

    active: ClassVar[bool] = False
    context_map: ClassVar[dict[Any, list[Any]]] = {}
    _context_managed_setup_task: ClassVar[Operators] = []
    _previous_context_managed_setup_task: ClassVar[list[Operators]] = []
    _context_managed_teardown_task: ClassVar[Operators] = []
    _previous_context_managed_teardown_task: ClassVar[list[Operators]] = []
    _teardown_downstream_of_setup: ClassVar[Operators] = []
    _previous_teardown_downstream_of_setup: ClassVar[list[Operators]] = []
    _setup_upstream_of_teardown: ClassVar[Operators] = []
    _previous_setup_upstream_of_teardown: ClassVar[list[Operators]] = []

    # -- the stacks -------------------------------------------------------------------
    @classmethod
    def push_context_managed_setup_task(cls, task: Operators) -> None:
        setup_task = cls._context_managed_setup_task
        if setup_task and setup_task != task:
            cls._previous_context_managed_setup_task.append(cls._context_managed_setup_task)
        cls._context_managed_setup_task = task

    @classmethod
    def push_context_managed_teardown_task(cls, task: Operators) -> None:
        teardown_task = cls._context_managed_teardown_task
        if teardown_task and teardown_task != task:
            cls._previous_context_managed_teardown_task.append(cls._context_managed_teardown_task)
        cls._context_managed_teardown_task = task

    @classmethod
    def _pop(cls, name: str, *, upstream: bool = True) -> Operators:
        """Leave one nested `with`: the stack `name` goes back to its previous value, linked to
        the one being left (setups downstream of the outer setup, teardowns upstream of the
        outer teardown), as Airflow's four pop methods each do."""
        old = getattr(cls, f"_{name}")
        previous = getattr(cls, f"_previous_{name}")
        if previous:
            setattr(cls, f"_{name}", previous.pop())
            current = getattr(cls, f"_{name}")
            if current and old:
                cls.set_dependency(old, current, upstream=upstream)
        else:
            setattr(cls, f"_{name}", [])
        return old

    @classmethod
    def pop_context_managed_setup_task(cls) -> Operators:
        return cls._pop("context_managed_setup_task", upstream=False)

    @classmethod
    def pop_context_managed_teardown_task(cls) -> Operators:
        return cls._pop("context_managed_teardown_task")

    @classmethod
    def pop_teardown_downstream_of_setup(cls) -> Operators:
        return cls._pop("teardown_downstream_of_setup")

    @classmethod
    def pop_setup_upstream_of_teardown(cls) -> Operators:
        return cls._pop("setup_upstream_of_teardown", upstream=False)

    @classmethod
    def set_dependency(cls, receiving_task: Operators, new_task: Operators, upstream: bool = True) -> None:
        if isinstance(new_task, (list, tuple)):
            for task in new_task:
                cls._set_dependency(task, receiving_task, upstream)
        else:
            cls._set_dependency(new_task, receiving_task, upstream)

    @staticmethod
    def _set_dependency(task: Any, receiving_task: Operators, upstream: bool) -> None:
        if upstream:
            task.set_upstream(receiving_task)
        else:
            task.set_downstream(receiving_task)

    # -- noting the tasks made inside -------------------------------------------------
    @classmethod
    def update_context_map(cls, task: Any) -> None:
        """Called by each new operator while a context is active."""
        if task.is_setup or task.is_teardown:
            return
        ctx = cls.context_map

        def _append_or_set_item(item: Any) -> None:
            if ctx.get(item) is None:
                ctx[item] = [task]
            else:
                ctx[item].append(task)

        if setup_task := cls._context_managed_setup_task:
            _append_or_set_item(tuple(setup_task) if isinstance(setup_task, list) else setup_task)
        if teardown_task := cls._context_managed_teardown_task:
            _append_or_set_item(tuple(teardown_task) if isinstance(teardown_task, list) else teardown_task)

    @staticmethod
    def add_task(task: Any) -> None:
        """`with s >> t as ctx: ctx.add_task(existing)` puts a task made before inside."""
        from updraft.authoring.xcomarg import XComArg

        if not SetupTeardownContext.active:
            raise AirflowException("Cannot add task to context outside the context manager.")
        if isinstance(task, XComArg):
            task = task.operator
        SetupTeardownContext.update_context_map(task)

    # -- entering ---------------------------------------------------------------------
    @classmethod
    def push_setup_teardown_task(cls, operator: Operators) -> None:
        if isinstance(operator, list):
            if operator[0].is_teardown:
                cls._push_tasks(operator)
            elif operator[0].is_setup:
                cls._push_tasks(operator, setup=True)
        elif operator.is_teardown:
            cls._push_tasks(operator)
        elif operator.is_setup:
            cls._push_tasks(operator, setup=True)
        cls.active = True

    @classmethod
    def _push_tasks(cls, operator: Operators, setup: bool = False) -> None:
        if isinstance(operator, list):
            if any(task.is_setup != operator[0].is_setup for task in operator):
                cls.error("All tasks in the list must be either setup or teardown tasks")
        if setup:
            cls.push_context_managed_setup_task(operator)
            cls._update_teardown_downstream(operator)
        else:
            cls.push_context_managed_teardown_task(operator)
            cls._update_setup_upstream(operator)

    @staticmethod
    def _find(tasks: list[Any], operator: Any, wanted: str) -> list[Any]:
        """Airflow's `_get_teardowns` / `_get_setups`: the first ring of relatives, widening
        outwards, that holds tasks with `wanted` (is_setup or is_teardown). Airflow recurses,
        and a chain with none of them recurses until Python's limit: so does this loop."""
        for _ in range(sys.getrecursionlimit()):
            found = [t for t in tasks if getattr(t, wanted)]
            if found:
                return found
            tasks = [
                x
                for task in tasks
                for x in task.downstream_list + task.upstream_list
                if (isinstance(operator, list) and x in operator) or x != operator
            ]
            if not tasks:
                return []
        raise RecursionError("maximum recursion depth exceeded")

    @classmethod
    def _update_teardown_downstream(cls, operator: Operators) -> None:
        cls._push_found(operator, "teardown_downstream_of_setup", "downstream_list", "is_teardown")

    @classmethod
    def _update_setup_upstream(cls, operator: Operators) -> None:
        cls._push_found(operator, "setup_upstream_of_teardown", "upstream_list", "is_setup")

    @classmethod
    def _push_found(cls, operator: Operators, name: str, relatives: str, flag: str) -> None:
        """Enter one nested `with`: the teardowns after (setups before) `operator` become the
        stack `name`'s top, the one they replace kept for `_pop`."""
        operator = operator[0] if isinstance(operator, list) else operator
        found = cls._find(getattr(operator, relatives), operator, flag)
        current = getattr(cls, f"_{name}")
        if current and current != found:
            getattr(cls, f"_previous_{name}").append(current)
        setattr(cls, f"_{name}", found)

    # -- leaving ----------------------------------------------------------------------
    @classmethod
    def set_teardown_task_as_leaves(cls, leaves: Operators) -> None:
        teardown_task = cls._teardown_downstream_of_setup
        if cls._context_managed_teardown_task:
            cls.set_dependency(cls._context_managed_teardown_task, teardown_task)
        else:
            cls.set_dependency(leaves, teardown_task)

    @classmethod
    def set_setup_task_as_roots(cls, roots: Operators) -> None:
        setup_task = cls._setup_upstream_of_teardown
        if cls._context_managed_setup_task:
            cls.set_dependency(cls._context_managed_setup_task, setup_task, upstream=False)
        else:
            cls.set_dependency(roots, setup_task, upstream=False)

    @classmethod
    def set_work_task_roots_and_leaves(cls) -> None:
        """On exit: the setups before the work's roots, the teardowns after its leaves."""
        if setup_task := cls._context_managed_setup_task:
            if isinstance(setup_task, list):
                setup_task = tuple(setup_task)
            tasks_in_context = [
                x for x in cls.context_map.get(setup_task, []) if not x.is_teardown and not x.is_setup
            ]
            if tasks_in_context:
                roots = [task for task in tasks_in_context if not task.upstream_list]
                if not roots:
                    setup_task >> tasks_in_context[0]
                else:
                    cls.set_dependency(roots, setup_task, upstream=False)
                leaves = [task for task in tasks_in_context if not task.downstream_list]
                cls.set_teardown_task_as_leaves(leaves or tasks_in_context[-1])

        if teardown_task := cls._context_managed_teardown_task:
            if isinstance(teardown_task, list):
                teardown_task = tuple(teardown_task)
            tasks_in_context = [
                x for x in cls.context_map.get(teardown_task, []) if not x.is_teardown and not x.is_setup
            ]
            if tasks_in_context:
                leaves = [task for task in tasks_in_context if not task.downstream_list]
                if not leaves:
                    teardown_task << tasks_in_context[-1]
                else:
                    cls.set_dependency(leaves, teardown_task)
                roots = [task for task in tasks_in_context if not task.upstream_list]
                cls.set_setup_task_as_roots(roots or tasks_in_context[0])
        cls.set_setup_teardown_relationships()
        cls.active = False

    @classmethod
    def set_setup_teardown_relationships(cls) -> None:
        """Nested contexts: the outer setup before the inner one, the inner teardown before
        the outer one."""
        setup_task = cls.pop_context_managed_setup_task()
        teardown_task = cls.pop_context_managed_teardown_task()
        if isinstance(setup_task, list):
            setup_task = tuple(setup_task)
        if isinstance(teardown_task, list):
            teardown_task = tuple(teardown_task)
        cls.pop_teardown_downstream_of_setup()
        cls.pop_setup_upstream_of_teardown()
        cls.context_map.pop(setup_task, None)
        cls.context_map.pop(teardown_task, None)

    @classmethod
    def error(cls, message: str) -> None:
        cls.active = False
        cls.context_map.clear()
        cls._context_managed_setup_task = []
        cls._context_managed_teardown_task = []
        cls._previous_context_managed_setup_task = []
        cls._previous_context_managed_teardown_task = []
        raise ValueError(message)

    @classmethod
    def reset(cls) -> None:
        """Forget everything (for tests: a `with` left by an exception still runs __exit__)."""
        cls.active = False
        cls.context_map = {}
        cls._context_managed_setup_task = []
        cls._previous_context_managed_setup_task = []
        cls._context_managed_teardown_task = []
        cls._previous_context_managed_teardown_task = []
        cls._teardown_downstream_of_setup = []
        cls._previous_teardown_downstream_of_setup = []
        cls._setup_upstream_of_teardown = []
        cls._previous_setup_upstream_of_teardown = []

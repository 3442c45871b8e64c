"""`updraft tasks …`: a DAG's tasks and their task instances — list, test, render, state,
states-for-dag-run, clear and failed-deps, with Airflow's arguments."""

from __future__ import annotations

import argparse
from typing import Any

from updraft.cli import parsing
from updraft.cli.output import print_rows
from updraft.models.records import DagRun, TaskInstance
from updraft.models.states import TaskInstanceState as TIS


def register(sub: Any) -> None:
    group = sub.add_parser(
        "tasks", help="Manage tasks",
        description="A DAG's tasks and their task instances: list, test, render, inspect and clear them.",
        epilog=parsing.examples(
            "updraft tasks list example_etl --tree",
            "updraft tasks test example_etl transform 2024-03-01",
            "updraft tasks states-for-dag-run example_etl 2024-03-01",
            "updraft tasks clear example_etl -t '^load$' -d -s 2024-03-01 -e 2024-03-07",
        ),
    )
    tasks = group.add_subparsers(dest="tasks_command", metavar="VERB", required=True)

    p = parsing.verb(
        tasks, "list", "List the tasks within a DAG",
        description="List the tasks of the DAG's current version, by id; --tree shows them under their upstream tasks.",
        example=["updraft tasks list example_etl", "updraft tasks list example_etl --tree"],
    )
    parsing.add_dag_id(p)
    p.add_argument("-t", "--tree", action="store_true", help="Tree view: each task under its upstream task")
    parsing.add_output(p, default=None)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_list)

    p = parsing.verb(
        tasks, "test", "Test a task instance",
        description=(
            "Test a task instance. This will run a task without checking for dependencies or "
            "recording its state: in this process, on a throwaway local stack, so its templates, "
            "context and XCom calls work (XComs of other tasks are absent). Its log is printed; "
            "the exit code is non-zero if it fails."
        ),
        example=[
            "updraft tasks test example_etl extract",
            "updraft tasks test example_etl report 2024-03-01 -t '{\"limit\": 10}'",
            "updraft tasks test my_dag my_task --dags-folder dags/",
        ],
    )
    parsing.add_dag_id(p)
    parsing.add_task_id(p)
    parsing.add_logical_date(p, optional=True)
    parsing.add_dags_folder(p)
    p.add_argument("-t", "--task-params", metavar="JSON", help="Sends a JSON params dict to the task")
    p.add_argument("--env-vars", metavar="JSON",
                   help="Set these environment variables (a JSON object) while parsing and running")
    parsing.add_map_index(p)
    p.set_defaults(func=cmd_test)

    p = parsing.verb(
        tasks, "render", "Render a task instance's template(s)",
        description=(
            "Print each template field of the task rendered for a run at LOGICAL_DATE, as the "
            "worker would render it (the DAG file is parsed here; XComs of other tasks are absent)."
        ),
        example=["updraft tasks render example_etl report 2024-03-01"],
    )
    parsing.add_dag_id(p)
    parsing.add_task_id(p)
    parsing.add_logical_date(p)
    parsing.add_dags_folder(p)
    parsing.add_map_index(p)
    p.set_defaults(func=cmd_render)

    p = parsing.verb(
        tasks, "state", "Get the status of a task instance",
        example=["updraft tasks state example_etl load 2024-03-01"],
    )
    parsing.add_dag_id(p)
    parsing.add_task_id(p)
    parsing.add_run(p)
    parsing.add_map_index(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_state)

    p = parsing.verb(
        tasks, "states-for-dag-run", "Get the status of all task instances in a dag run",
        example=["updraft tasks states-for-dag-run example_etl 2024-03-01 -o json"],
    )
    parsing.add_dag_id(p)
    parsing.add_run(p)
    parsing.add_output(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_states_for_dag_run)

    p = parsing.verb(
        tasks, "clear", "Clear a set of task instances, as if they never ran",
        description=(
            "Clear the task instances of the DAG's runs whose logical date is between the start "
            "and end dates (all runs without them), optionally only the tasks matching a regex, "
            "with their upstream or downstream tasks, or only the failed ones. They run again. "
            "What will be cleared is listed first, and you are asked to confirm unless -y."
        ),
        example=[
            "updraft tasks clear example_etl -s 2024-03-01 -e 2024-03-07",
            "updraft tasks clear example_etl -t '^transform$' --downstream --only-failed -y",
        ],
    )
    parsing.add_dag_id(p)
    p.add_argument("-t", "--task-regex", help="The regex to filter specific task_ids (optional)")
    parsing.add_date_range(p, "clear the runs")
    p.add_argument("-u", "--upstream", action="store_true", help="Include upstream tasks")
    p.add_argument("-d", "--downstream", action="store_true", help="Include downstream tasks")
    p.add_argument("-f", "--only-failed", action="store_true", help="Only failed jobs")
    parsing.add_yes(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_clear)

    p = parsing.verb(
        tasks, "failed-deps", "Returns the unmet dependencies for a task instance",
        description=(
            "Returns the unmet dependencies for a task instance from the perspective of the "
            "engine: why it does not run — its run's state, its own state, its retry delay, "
            "or its trigger rule against the states its upstream task instances ended in."
        ),
        example=["updraft tasks failed-deps example_etl load 2024-03-01"],
    )
    parsing.add_dag_id(p)
    parsing.add_task_id(p)
    parsing.add_run(p)
    parsing.add_map_index(p)
    parsing.add_stack(p)
    p.set_defaults(func=cmd_failed_deps)


# -- list ------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from updraft.cli.lookup import require_dag
    from updraft.cli.target import connect

    services = connect(args.stack)
    dag = require_dag(services, args.dag_id)
    serialized = services.serialized_dag(args.dag_id, dag["version_hash"])
    if args.tree:
        for line in tree_lines(serialized):
            print(line)
    elif args.output:
        print_rows([task_row(t) for t in sorted(serialized["tasks"], key=lambda t: t["task_id"])], args.output)
    else:
        print("\n".join(sorted(t["task_id"] for t in serialized["tasks"])))
    return 0


def task_row(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "task_id": task["task_id"],
        "operator": task.get("task_type"),
        "trigger_rule": task.get("trigger_rule"),
        "upstream": task.get("upstream", []),
        "downstream": task.get("downstream", []),
    }


def tree_lines(serialized: dict[str, Any]) -> list[str]:
    """Airflow's tree view: each root, then its downstream tasks indented under it, by id."""
    from updraft.models.serialized import tasks_by_id

    tasks = tasks_by_id(serialized)
    lines: list[str] = []

    def walk(task_id: str, level: int) -> None:
        task = tasks[task_id]
        lines.append(" " * level * 4 + f"<Task({task.get('task_type')}): {task_id}>")
        for child in sorted(task["downstream"]):
            walk(child, level + 1)

    for root in sorted(t["task_id"] for t in serialized["tasks"] if not t["upstream"]):
        walk(root, 0)
    return lines


# -- test and render -------------------------------------------------------------------------
def cmd_test(args: argparse.Namespace) -> int:
    from updraft.cli.errors import parse_json_object
    from updraft.cli.local_dags import dags_folder
    from updraft.cli.task_run import run_task_test

    state = run_task_test(
        args.dag_id, args.task_id,
        dags_folder=dags_folder(args.dags_folder),
        logical_date=args.logical_date,
        task_params=parse_json_object(args.task_params, "--task-params", '{"limit": 10}'),
        env_vars={k: str(v) for k, v in parse_json_object(args.env_vars, "--env-vars", '{"NAME": "value"}').items()},
        map_index=args.map_index,
    )
    return 1 if state is TIS.FAILED else 0


def cmd_render(args: argparse.Namespace) -> int:
    from updraft.cli.local_dags import dags_folder
    from updraft.cli.task_run import render_task

    for name, value in render_task(
        args.dag_id, args.task_id, dags_folder=dags_folder(args.dags_folder),
        logical_date=args.logical_date, map_index=args.map_index,
    ):
        print(render_block(name, value))
    return 0


def render_block(name: str, value: Any) -> str:
    """One rendered field as Airflow's `tasks render` prints it."""
    rule = "# " + "-" * 58
    return f"{rule}\n# property: {name}\n{rule}\n{value}\n"


# -- state -----------------------------------------------------------------------------------
def _run_and_task(args: argparse.Namespace) -> tuple[Any, DagRun, dict[str, Any], dict[str, Any]]:
    from updraft.cli.lookup import require_dag, require_run, require_task
    from updraft.cli.target import connect

    services = connect(args.stack)
    dag = require_dag(services, args.dag_id)
    # As Airflow, the task is looked for in the DAG first, then the run; the run's own DAG
    # version (which may be older) decides in the end.
    require_task(services.serialized_dag(args.dag_id, dag["version_hash"]), args.task_id)
    run = require_run(services, args.dag_id, args.logical_date_or_run_id)
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    return services, run, serialized, require_task(serialized, args.task_id)


def cmd_state(args: argparse.Namespace) -> int:
    services, run, _, _ = _run_and_task(args)
    ti = services.tis.get(run.dag_id, run.run_id, args.task_id, args.map_index, consistent=True)
    print(state_text(ti))
    return 0


def state_text(ti: TaskInstance | None) -> str:
    """A task instance's state as Airflow prints it: None when it has none yet."""
    return "None" if ti is None or ti.state is TIS.NONE else str(ti.state)


def cmd_states_for_dag_run(args: argparse.Namespace) -> int:
    from updraft.cli.lookup import require_dag, require_run
    from updraft.cli.target import connect

    services = connect(args.stack)
    require_dag(services, args.dag_id)
    run = require_run(services, args.dag_id, args.logical_date_or_run_id)
    serialized = services.serialized_dag(run.dag_id, run.dag_version)
    print_rows(state_rows(run, serialized, services.tis.list(run.dag_id, run.run_id)), args.output)
    return 0


def state_rows(run: DagRun, serialized: dict[str, Any], stored: list[TaskInstance]) -> list[dict[str, Any]]:
    """One row per task instance of the run, in the DAG's task order: a task not yet touched
    (Updraft writes no item until then) shows as None; a mapped task shows its instances."""
    by_task: dict[str, list[TaskInstance]] = {}
    for ti in sorted(stored, key=lambda t: t.map_index):
        by_task.setdefault(ti.task_id, []).append(ti)
    mapped = any(ti.map_index >= 0 for ti in stored)
    rows = []
    for task in serialized["tasks"]:
        found = by_task.pop(task["task_id"], [])
        instances = [ti for ti in found if ti.map_index >= 0] or found[:1] or [None]
        for ti in instances:
            row = {
                "dag_id": run.dag_id,
                "logical_date": run.logical_date or "",
                "task_id": task["task_id"],
                "state": state_text(ti),
                "start_date": (ti.start_date if ti else None) or "",
                "end_date": (ti.end_date if ti else None) or "",
            }
            if mapped:
                row["map_index"] = str(ti.map_index) if ti is not None and ti.map_index >= 0 else ""
            rows.append(row)
    return rows


# -- clear -----------------------------------------------------------------------------------
ClearPlan = list[tuple[DagRun, set[str], list[TaskInstance]]]


def cmd_clear(args: argparse.Namespace) -> int:
    import re

    from updraft.cli.errors import CliError, confirm
    from updraft.cli.lookup import require_dag
    from updraft.cli.target import connect
    from updraft.models.clear import clear_task_instances
    from updraft.timeutil import utcnow

    if args.task_regex is not None:
        try:
            re.compile(args.task_regex)
        except re.error as err:
            raise CliError(
                f"argument -t/--task-regex: '{args.task_regex}' is not a regular expression: {err}"
            ) from None
    services = connect(args.stack)
    require_dag(services, args.dag_id)
    plan, left = clear_plan(services, args)
    if left:
        print(f"{len(left)} task instance(s) queued or running are left as they are: "
              + ", ".join(ti_text(ti) for ti in left))
    count = sum(len(tis) for _, _, tis in plan)
    if count == 0:
        print("Nothing to clear.")
        return 0
    listing = "\n".join(ti_text(ti) for _, _, tis in plan for ti in tis)
    question = f"You are about to delete these {count} tasks:\n{listing}\n\nAre you sure? [y/n]"
    if not args.yes and not confirm(question):
        print("Cancelled, nothing was cleared.")
        return 0
    cleared = 0
    for run, task_ids, _ in plan:
        result = clear_task_instances(services, args.dag_id, run.run_id, task_ids,
                                      only_failed=args.only_failed, now=utcnow())
        cleared += len(result.cleared)
    print(f"Cleared {cleared} task instance(s)")
    return 0


def clear_plan(services: Any, args: argparse.Namespace) -> tuple[ClearPlan, list[TaskInstance]]:
    """Per run in the date range: the tasks selected and the task instances a clear would reset
    (a dry run of it); and the ones it would leave alone because they are queued or running."""
    from updraft.cli.dag_runs import in_range
    from updraft.cli.lookup import all_runs
    from updraft.models.clear import clear_task_instances, select_tasks
    from updraft.timeutil import utcnow

    plan: ClearPlan = []
    left: list[TaskInstance] = []
    for run in all_runs(services, args.dag_id):
        if not in_range(run, args.start_date, args.end_date):
            continue
        task_ids = select_tasks(
            services.serialized_dag(run.dag_id, run.dag_version), task_regex=args.task_regex,
            include_upstream=args.upstream, include_downstream=args.downstream, setups_teardowns=True,
        )
        if not task_ids:
            continue
        preview = clear_task_instances(services, args.dag_id, run.run_id, task_ids,
                                       only_failed=args.only_failed, dry_run=True, now=utcnow())
        left.extend(preview.left_running)
        if preview.cleared:
            plan.append((run, task_ids, preview.cleared))
    return plan, left


def ti_text(ti: TaskInstance) -> str:
    """Airflow's repr of a task instance: <TaskInstance: dag.task run_id [state]>."""
    index = f" map_index={ti.map_index}" if ti.map_index >= 0 else ""
    return f"<TaskInstance: {ti.dag_id}.{ti.task_id} {ti.run_id}{index} [{ti.state}]>"


# -- failed-deps -----------------------------------------------------------------------------
def cmd_failed_deps(args: argparse.Namespace) -> int:
    from updraft.cli.task_deps import failed_deps
    from updraft.timeutil import utcnow

    services, run, serialized, task = _run_and_task(args)
    ti = services.tis.get(run.dag_id, run.run_id, args.task_id, args.map_index, consistent=True)
    failed = failed_deps(run, serialized, task, ti, utcnow())
    if failed:
        print("Task instance dependencies not met:")
        for name, reason in failed:
            print(f"{name}: {reason}")
    else:
        print("Task instance dependencies are all met.")
    return 0

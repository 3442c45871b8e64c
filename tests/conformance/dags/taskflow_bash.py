"""@task.bash: the function's return value is the command, rendered as a template; an empty
or non-string return fails, an AirflowSkipException skips; multiple_outputs with
output_processor; the rendered fields show the command that ran."""

import json
from datetime import datetime

from airflow.sdk import DAG, task
from airflow.sdk.exceptions import AirflowSkipException

with DAG("conformance_taskflow_bash", schedule=None, start_date=datetime(2024, 1, 1)):

    @task.bash
    def templated() -> str:
        return 'echo "ds={{ ds }} task={{ task.task_id }}"'

    @task.bash
    def with_context(name: str, task_instance_key_str: str) -> str:
        return f"echo {name} {task_instance_key_str}"

    @task.bash(env={"GREETING": "hello {{ ds }}"})
    def with_env() -> str:
        return 'echo "$GREETING|$AIRFLOW_CTX_TASK_ID|${PATH:+path}"'

    @task.bash
    def empty() -> str:
        return ""

    @task.bash
    def blank() -> str:
        return "   "

    @task.bash
    def not_a_string():
        return 42

    @task.bash
    def skip_me() -> str:
        raise AirflowSkipException("not today")

    @task.bash
    def exit_99() -> str:
        return "exit 99"

    @task.bash
    def fails() -> str:
        return "echo failing; exit 2"

    @task.bash(multiple_outputs=True, output_processor=json.loads)
    def stats() -> str:
        return """printf '{"folder": "dags", "count": "3"}\\n'"""

    @task.bash
    def use_stats() -> str:
        return 'echo "$COUNT files in $FOLDER"'

    counted = stats()
    use_stats.override(env={"COUNT": counted["count"], "FOLDER": counted["folder"]}, append_env=True)()

    @task
    def word() -> str:
        return "upstream"

    @task.bash
    def from_upstream(value: str) -> str:
        return f"echo got {value}"

    @task.bash
    def mapped(n: int) -> str:
        return f"echo n={n} {{{{ ti.map_index }}}}"

    mapped.expand(n=[1, 2])

    templated()
    with_context("hi")
    with_env()
    empty()
    blank()
    not_a_string()
    skip_me()
    exit_99()
    fails()
    from_upstream(word())

# Recorded from Apache Airflow 3.3.2 (dag.test()) running this file.
EXPECTED = {
    "dag_id": "conformance_taskflow_bash",
    "run": "failed",
    "states": {
        "blank": "failed",
        "empty": "failed",
        "exit_99": "skipped",
        "fails": "failed",
        "from_upstream": "success",
        "mapped[0]": "success",
        "mapped[1]": "success",
        "not_a_string": "failed",
        "skip_me": "skipped",
        "stats": "success",
        "templated": "success",
        "use_stats": "success",
        "with_context": "success",
        "with_env": "success",
        "word": "success",
    },
    "xcom": {
        "from_upstream": "got upstream",
        "mapped[0]": "n=1 0",
        "mapped[1]": "n=2 1",
        "stats": {"count": "3", "folder": "dags"},
        "templated": "ds=2024-03-05 task=templated",
        "use_stats": "3 files in dags",
        "with_context": "hi conformance_taskflow_bash__with_context__20240305",
        "with_env": "hello 2024-03-05|with_env|path",
        "word": "upstream",
    },
    "xcom_keys": {
        "stats": {"count": "3", "folder": "dags"},
    },
    "rendered": {
        "templated": {"bash_command": "echo \"ds=2024-03-05 task=templated\"", "cwd": None, "env": None, "op_args": [], "op_kwargs": {}},
        "with_context": {"bash_command": "echo hi conformance_taskflow_bash__with_context__20240305", "cwd": None, "env": None, "op_args": ["hi"], "op_kwargs": {}},
        "with_env": {"bash_command": "echo \"$GREETING|$AIRFLOW_CTX_TASK_ID|${PATH:+path}\""},
        "not_a_string": {"bash_command": 42},
        "skip_me": {"bash_command": "DYNAMIC (set during execution)"},
        "use_stats": {"bash_command": "echo \"$COUNT files in $FOLDER\"", "env": {"COUNT": "3", "FOLDER": "dags"}},
        "from_upstream": {"op_args": ["upstream"], "bash_command": "echo got upstream"},
        "mapped[1]": {"bash_command": "echo n=2 1", "cwd": None, "env": None, "op_args": [], "op_kwargs": {"n": 2}},
    },
}

"""BashOperator: Airflow's AIRFLOW_CTX_* variables over env/append_env, a temporary working
directory removed afterwards, output_processor, multiple_outputs, skips and script files."""

import json
import os
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

os.environ["CONFORMANCE_OUTER"] = "outer"
CTX = ('$AIRFLOW_CTX_DAG_ID|$AIRFLOW_CTX_TASK_ID|$AIRFLOW_CTX_LOGICAL_DATE|$AIRFLOW_CTX_TRY_NUMBER|'
       '$AIRFLOW_CTX_DAG_OWNER|$AIRFLOW_CTX_DAG_EMAIL|${AIRFLOW_CTX_TEAM_NAME-unset}')

with DAG("conformance_bash", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"owner": "data"}):
    context_vars = BashOperator(task_id="context_vars", bash_command=f'echo "{CTX}"',
                                email=["a@example.com", "b@example.com"])
    run_id = BashOperator(
        task_id="run_id",
        bash_command='[ "$AIRFLOW_CTX_DAG_RUN_ID" = "{{ run_id }}" ] && echo same || echo "$AIRFLOW_CTX_DAG_RUN_ID"')
    env_only = BashOperator(
        task_id="env_only", env={"MINE": "{{ ds }}", "AIRFLOW_CTX_DAG_ID": "mine"},
        bash_command='echo "$MINE|${CONFORMANCE_OUTER-unset}|$AIRFLOW_CTX_DAG_ID|$AIRFLOW_CTX_TASK_ID"')
    appended = BashOperator(
        task_id="appended", env={"MINE": "x"}, append_env=True,
        bash_command='echo "$MINE|${CONFORMANCE_OUTER-unset}|$AIRFLOW_CTX_TASK_ID"')
    inherited = BashOperator(task_id="inherited", bash_command='echo "${CONFORMANCE_OUTER-unset}|$AIRFLOW_CTX_DAG_ID"')
    where = BashOperator(
        task_id="where",
        bash_command='touch left_behind; case "$(pwd)" in */airflowtmp*) echo "$(pwd)";; *) echo "not a temporary directory: $(pwd)";; esac')
    gone = BashOperator(
        task_id="gone",
        bash_command='[ -e "{{ ti.xcom_pull(task_ids=\'where\') }}" ] && echo still there || echo removed')
    where >> gone
    given_cwd = BashOperator(task_id="given_cwd", cwd="/", bash_command="pwd")
    missing_cwd = BashOperator(task_id="missing_cwd", cwd="/no/such/dir", bash_command="pwd")
    file_cwd = BashOperator(task_id="file_cwd", cwd="/etc/hostname", bash_command="pwd")
    processed = BashOperator(task_id="processed", bash_command="echo one; echo two",
                             output_processor=lambda line: line.upper())
    stats = BashOperator(
        task_id="stats", multiple_outputs=True, output_processor=json.loads,
        bash_command="""printf '{"folder": "%s", "count": %s}\\n' "dags" 3""")
    use_stats = BashOperator(
        task_id="use_stats", append_env=True,
        env={"COUNT": "{{ ti.xcom_pull(task_ids='stats', key='count') }}"},
        bash_command='echo "count=$COUNT"')
    stats >> use_stats
    not_a_dict = BashOperator(task_id="not_a_dict", multiple_outputs=True, bash_command="echo plain")
    trailing = BashOperator(task_id="trailing", bash_command="printf 'padded  \\t\\n'")
    stderr_last = BashOperator(task_id="stderr_last", bash_command="echo out; echo err >&2")
    empty_output = BashOperator(task_id="empty_output", bash_command="true")
    skipped = BashOperator(task_id="skipped", bash_command="exit 99")
    custom_skip = BashOperator(task_id="custom_skip", bash_command="exit 3", skip_on_exit_code=[2, 3])
    no_skip = BashOperator(task_id="no_skip", bash_command="exit 99", skip_on_exit_code=None)
    failed = BashOperator(task_id="failed", bash_command="echo before; exit 1")
    @task
    def python_env() -> list:
        # The task runner exports the same variables into the task's own environment.
        names = ("AIRFLOW_CTX_DAG_ID", "AIRFLOW_CTX_TASK_ID", "AIRFLOW_CTX_TRY_NUMBER", "AIRFLOW_CTX_DAG_OWNER")
        return [os.environ.get(name) for name in names]

    python_env()
    # Rendered, the command ends in .sh: Airflow runs it as a script file in the working directory.
    script = BashOperator(
        task_id="script", bash_command='case "$0" in *.sh) echo "script {{ ds }}";; *) echo inline;; esac #{{ ".sh" }}')

# Recorded from Apache Airflow 3.3.2 (dag.test()) running this file.
EXPECTED = {
    "dag_id": "conformance_bash",
    "run": "failed",
    "states": {
        "appended": "success",
        "context_vars": "success",
        "custom_skip": "skipped",
        "empty_output": "success",
        "env_only": "success",
        "failed": "failed",
        "file_cwd": "failed",
        "given_cwd": "success",
        "gone": "success",
        "inherited": "success",
        "missing_cwd": "failed",
        "no_skip": "failed",
        "not_a_dict": "failed",
        "processed": "success",
        "python_env": "success",
        "run_id": "success",
        "script": "success",
        "skipped": "skipped",
        "stats": "success",
        "stderr_last": "success",
        "trailing": "success",
        "use_stats": "success",
        "where": "success",
    },
    "xcom": {
        "appended": "x|outer|appended",
        "context_vars": "conformance_bash|context_vars|2024-03-05T00:00:00+00:00|1|data|a@example.com,b@example.com|unset",
        "empty_output": "",
        "env_only": "2024-03-05|unset|conformance_bash|env_only",
        "given_cwd": "/",
        "gone": "removed",
        "inherited": "outer|conformance_bash",
        "processed": "TWO",
        "python_env": ["conformance_bash", "python_env", "1", "data"],
        "run_id": "same",
        "script": "script 2024-03-05",
        "stats": {"count": 3, "folder": "dags"},
        "stderr_last": "err",
        "trailing": "padded",
        "use_stats": "count=3",
    },
    "xcom_keys": {
        "stats": {"count": 3, "folder": "dags"},
    },
}

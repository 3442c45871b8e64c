"""Every trigger rule over one successful, one failed and one skipped upstream."""

from datetime import datetime

from updraft import DAG
from updraft.operators import BashOperator, EmptyOperator

RULES = [
    "all_success", "all_failed", "all_done", "all_done_min_one_success", "all_skipped",
    "one_success", "one_failed", "one_done", "none_failed", "none_failed_min_one_success",
    "none_skipped", "always",
]

with DAG("conformance_trigger_rules", schedule=None, start_date=datetime(2024, 1, 1)):
    upstream = [
        BashOperator(task_id="ok", bash_command="echo ok"),
        BashOperator(task_id="bad", bash_command="exit 1"),
        BashOperator(task_id="skip", bash_command="exit 99"),  # Airflow's skip_on_exit_code
    ]
    for rule in RULES:
        upstream >> EmptyOperator(task_id=f"rule_{rule}", trigger_rule=rule)

EXPECTED = {
    "dag_id": "conformance_trigger_rules",
    "run": "failed",
    "states": {
        "ok": "success", "bad": "failed", "skip": "skipped",
        "rule_all_success": "upstream_failed",
        "rule_all_failed": "skipped",
        "rule_all_done": "success",
        "rule_all_done_min_one_success": "skipped",
        "rule_all_skipped": "skipped",
        "rule_one_success": "success",
        "rule_one_failed": "success",
        "rule_one_done": "success",
        "rule_none_failed": "upstream_failed",
        "rule_none_failed_min_one_success": "upstream_failed",
        "rule_none_skipped": "skipped",
        "rule_always": "success",
    },
}

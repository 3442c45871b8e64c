"""Every trigger rule over upstream tasks that were all skipped."""

from datetime import datetime

from updraft import DAG
from updraft.operators import BashOperator, EmptyOperator

RULES = [
    "all_success", "all_failed", "all_done", "all_done_min_one_success", "all_skipped",
    "one_success", "one_failed", "one_done", "none_failed", "none_failed_min_one_success",
    "none_skipped", "always",
]

with DAG("conformance_trigger_rules_all_skipped", schedule=None, start_date=datetime(2024, 1, 1)):
    upstream = [BashOperator(task_id=f"skip_{n}", bash_command="exit 99") for n in (1, 2)]
    for rule in RULES:
        upstream >> EmptyOperator(task_id=f"rule_{rule}", trigger_rule=rule)

EXPECTED = {
    "dag_id": "conformance_trigger_rules_all_skipped",
    "run": "success",
    "states": {
        "skip_1": "skipped", "skip_2": "skipped",
        "rule_all_success": "skipped",
        "rule_all_failed": "skipped",
        "rule_all_done": "success",
        "rule_all_done_min_one_success": "skipped",
        "rule_all_skipped": "success",
        "rule_one_success": "skipped",
        "rule_one_failed": "skipped",
        "rule_one_done": "skipped",
        "rule_none_failed": "success",
        "rule_none_failed_min_one_success": "skipped",
        "rule_none_skipped": "skipped",
        "rule_always": "success",
    },
}

"""Setup and teardown tasks that all succeed: the operator form (`as_setup`, `as_teardown`)
and the TaskFlow form, the setup's return value reaching the work and the teardown."""

import pendulum

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="conformance_setup_teardown_basic",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    create = BashOperator(task_id="create", bash_command="echo created").as_setup()
    work = PythonOperator(task_id="work", python_callable=lambda: "worked")
    delete = BashOperator(task_id="delete", bash_command="echo deleted").as_teardown(setups=create)
    create >> work >> delete

    @task
    def make_cluster():
        return "cluster-1"

    @task
    def use_cluster(cluster_id):
        return f"used {cluster_id}"

    @task
    def drop_cluster(cluster_id):
        return f"dropped {cluster_id}"

    cluster = make_cluster()
    use_cluster(cluster) >> drop_cluster(cluster).as_teardown(setups=cluster)

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_basic",
    "run": "success",
    "states": {
        "create": "success",
        "work": "success",
        "delete": "success",
        "make_cluster": "success",
        "use_cluster": "success",
        "drop_cluster": "success",
    },
    "tries": {
        "create": 1,
        "work": 1,
        "delete": 1,
        "make_cluster": 1,
        "use_cluster": 1,
        "drop_cluster": 1,
    },
    "xcom": {
        "create": "created",
        "work": "worked",
        "delete": "deleted",
        "make_cluster": "cluster-1",
        "use_cluster": "used cluster-1",
        "drop_cluster": "dropped cluster-1",
    },
}

"""@setup and @teardown: `with teardown(setup()):` around TaskFlow work, a teardown that
fails the run (`@teardown(on_failure_fail_dagrun=True)`), and `.override()` keeping the marks."""

import pendulum

from airflow.sdk import DAG, setup, task, teardown

with DAG(
    dag_id="conformance_setup_teardown_decorators",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:

    @setup
    def create_bucket():
        return "bucket-1"

    @teardown
    def delete_bucket(bucket):
        return f"deleted {bucket}"

    @task
    def upload(bucket):
        return f"uploaded to {bucket}"

    @task
    def report():
        return "reported"

    with delete_bucket(create_bucket()):
        report()

    @setup
    def start_server():
        return "server"

    @teardown(on_failure_fail_dagrun=True)
    def stop_server(server):
        raise RuntimeError(f"cannot stop {server}")

    @task
    def serve(server):
        return f"served by {server}"

    server = start_server()
    serve(server) >> stop_server(server)

    @teardown
    def release(server):
        return f"released {server}"

    # A teardown's decorated function makes one task: a second call would find the trigger
    # rule it set and refuse it, as Airflow does. `.override()` before the first call is fine.
    started = start_server.override(task_id="start_again")()
    stopped = release.override(task_id="release_again")(started)
    upload(started) >> stopped

# Recorded from Airflow 3.3.2's dag.test() (bench/compat/airflow_record.py).
EXPECTED = {
    "dag_id": "conformance_setup_teardown_decorators",
    "run": "failed",
    "states": {
        "create_bucket": "success",
        "delete_bucket": "success",
        "report": "success",
        "start_server": "success",
        "serve": "success",
        "stop_server": "failed",
        "start_again": "success",
        "release_again": "success",
        "upload": "success",
    },
    "tries": {
        "create_bucket": 1,
        "delete_bucket": 1,
        "report": 1,
        "start_server": 1,
        "serve": 1,
        "stop_server": 1,
        "start_again": 1,
        "release_again": 1,
        "upload": 1,
    },
    "xcom": {
        "create_bucket": "bucket-1",
        "delete_bucket": "deleted bucket-1",
        "report": "reported",
        "start_server": "server",
        "serve": "served by server",
        "start_again": "server",
        "release_again": "released server",
        "upload": "uploaded to server",
    },
}

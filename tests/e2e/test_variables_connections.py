"""Variables and connections end to end: kept in the stack's Parameter Store by the CLI, read by
tasks and templates through the real worker handler, their secrets masked in the stored log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from updraft.cli.main import main
from updraft.store.bucket import log_key
from updraft.store.secrets import CONNECTIONS, VARIABLES

PASSWORD = "s3cr3t/p@ss word"
API_KEY = "ak-2f9e41c0d7"


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


@pytest.fixture
def cli(services: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`updraft …` against the test stack: returns (exit code, stdout, stderr)."""
    monkeypatch.setattr("updraft.cli.target.connect", lambda stack=None: services)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


SECRETS_DAG = """
    from datetime import datetime
    from updraft import DAG, Variable
    from updraft.hooks.base import BaseHook
    from updraft.operators import BashOperator, PythonOperator

    def use_secrets():
        conn = BaseHook.get_connection("my_db")
        print("connecting as", conn.login, "with", conn.password)
        print("partner key is", Variable.get("partner_api_key"))
        print("region is", Variable.get("region"))
        print("limits are", Variable.get("limits", deserialize_json=True))
        return {"host": conn.host}

    with DAG("secrets_dag", schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="use", python_callable=use_secrets)
        BashOperator(
            task_id="templated",
            bash_command=(
                "echo host={{ conn.my_db.host }} port={{ conn.my_db.port }} region={{ var.value.region }} "
                "rows={{ var.json.limits.rows }} missing={{ var.value.get('absent', 'none') }}; "
                "echo password={{ conn.my_db.password }}"
            ),
            do_xcom_push=False,
        )
"""


def _log(driver: Driver, run_id: str, task_id: str) -> str:
    body = driver.services.bucket.get(log_key("secrets_dag", run_id, task_id, -1, 1))
    assert body is not None
    return body.decode()


def test_tasks_read_what_the_cli_stored_and_their_logs_mask_it(driver: Driver, cli: Any) -> None:
    assert cli("connections", "add", "my_db", "--conn-type", "postgres", "--conn-host", "db.example.com",
               "--conn-login", "app", "--conn-password", PASSWORD, "--conn-port", "5432",
               "--conn-schema", "orders")[0] == 0
    assert cli("variables", "set", "partner_api_key", API_KEY)[0] == 0
    assert cli("variables", "set", "region", "eu-west-1")[0] == 0
    assert cli("variables", "set", "limits", '{"rows": 500}', "--json")[0] == 0

    driver.upload("secrets_dag.py", SECRETS_DAG)
    run = driver.trigger("secrets_dag")
    driver.drain()

    assert driver.states("secrets_dag", run.run_id) == {"use": ("success", 1), "templated": ("success", 1)}
    use = _log(driver, run.run_id, "use")
    assert "connecting as app with ***" in use
    assert "partner key is ***" in use
    assert "region is eu-west-1" in use
    assert "limits are {'rows': 500}" in use
    templated = _log(driver, run.run_id, "templated")
    assert "host=db.example.com port=5432 region=eu-west-1 rows=500 missing=none" in templated
    assert "password=***" in templated
    for text in (use, templated):
        assert PASSWORD not in text and API_KEY not in text
    rendered = {t.task_id: t.rendered_fields for t in driver.services.tis.list("secrets_dag", run.run_id)}
    assert rendered["templated"]["bash_command"].endswith("echo password=***")


def test_secrets_never_reach_the_table(driver: Driver, cli: Any) -> None:
    cli("connections", "add", "my_db", "--conn-uri", "postgres://app:s3cr3t%2Fp%40ss%20word@db.example.com:5432/orders")
    cli("variables", "set", "partner_api_key", API_KEY)
    cli("variables", "set", "region", "eu-west-1")
    cli("variables", "set", "limits", '{"rows": 500}')
    driver.upload("secrets_dag.py", SECRETS_DAG)
    run = driver.trigger("secrets_dag")
    driver.drain()
    assert driver.services.runs.get("secrets_dag", run.run_id).state == "success"

    table = driver.services.table
    items = table.client.scan(TableName=table.name)["Items"]  # a test may scan: no hot path here
    leaks = [item for item in items if PASSWORD in json.dumps(item) or API_KEY in json.dumps(item)]
    assert items and not leaks, leaks
    ssm = driver.services.secrets.client  # the values are in Parameter Store, encrypted
    described = ssm.describe_parameters()["Parameters"]
    assert {p["Name"]: p["Type"] for p in described} == {
        f"{driver.services.secrets.prefix}/connections/my_db": "SecureString",
        f"{driver.services.secrets.prefix}/variables/partner_api_key": "SecureString",
        f"{driver.services.secrets.prefix}/variables/region": "SecureString",
        f"{driver.services.secrets.prefix}/variables/limits": "SecureString",
    }


def test_environment_comes_before_the_store(driver: Driver, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("connections", "add", "my_db", "--conn-uri", "postgres://app:stored-pass@stored.example.com:1/orders")
    cli("variables", "set", "region", "stored-region")
    cli("variables", "set", "limits", '{"rows": 1}')
    monkeypatch.setenv("UPDRAFT_VAR_REGION", "env-region")
    monkeypatch.setenv("AIRFLOW_VAR_PARTNER_API_KEY", API_KEY)
    monkeypatch.setenv("AIRFLOW_CONN_MY_DB", json.dumps({"conn_type": "postgres", "host": "env.example.com",
                                                         "login": "app", "password": PASSWORD, "port": 6432}))
    driver.upload("secrets_dag.py", SECRETS_DAG)
    run = driver.trigger("secrets_dag")
    driver.drain()

    templated = _log(driver, run.run_id, "templated")
    assert "host=env.example.com port=6432 region=env-region rows=1" in templated
    assert "password=***" in templated and PASSWORD not in templated
    assert "partner key is ***" in _log(driver, run.run_id, "use")


def test_missing_variables_and_connections_fail_the_task_with_airflows_messages(driver: Driver, cli: Any) -> None:
    driver.upload("secrets_dag.py", SECRETS_DAG)
    run = driver.trigger("secrets_dag")
    driver.drain()
    assert driver.states("secrets_dag", run.run_id) == {"use": ("failed", 1), "templated": ("failed", 1)}
    assert "AirflowNotFoundException: The conn_id `my_db` isn't defined" in _log(driver, run.run_id, "use")

    cli("connections", "add", "my_db", "--conn-type", "postgres", "--conn-host", "db.example.com")
    run = driver.trigger("secrets_dag", run_id="manual__again")
    driver.drain()
    assert "KeyError: 'Variable partner_api_key does not exist'" in _log(driver, run.run_id, "use")
    assert "KeyError: 'Variable region does not exist'" in _log(driver, run.run_id, "templated")


LEAKY_ERROR_DAG = """
from datetime import datetime
from updraft import DAG, Connection, Variable
from updraft.operators import PythonOperator

def leak():
    Variable.set("last_run", "ok")  # tasks may set variables, as in Airflow
    conn = Connection.get("partner")
    raise ValueError(f"could not log in with {conn.password}")

with DAG("leaky", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="leak", python_callable=leak)
"""


def test_a_secret_in_the_error_is_masked_where_the_error_is_stored(driver: Driver, cli: Any) -> None:
    from updraft import Variable

    cli("connections", "add", "partner", "--conn-uri", "https://bob:hunter2-secret@api.example.com")
    driver.upload("leaky.py", LEAKY_ERROR_DAG)
    run = driver.trigger("leaky")
    driver.drain()
    ti = driver.services.tis.get("leaky", run.run_id, "leak")
    assert ti.error == "ValueError: could not log in with ***"
    log = driver.services.bucket.get(log_key("leaky", run.run_id, "leak", -1, 1)).decode()
    assert "could not log in with ***" in log and "hunter2-secret" not in log
    assert Variable.get("last_run") == "ok"


# ------------------------------------------------------------------ the CLI
def test_variables_cli(cli: Any, services: Any, tmp_path: Path) -> None:
    assert cli("variables", "set", "color", "blue", "--description", "the color") == (0, "Variable color created\n", "")
    assert cli("variables", "set", "db_password", "hunter22")[0] == 0
    assert cli("variables", "set", "cfg", '{"a": [1, 2]}', "-j")[0] == 0

    assert cli("variables", "get", "color") == (0, "blue\n", "")
    assert json.loads(cli("variables", "get", "cfg", "--json")[1]) == {"a": [1, 2]}
    assert cli("variables", "get", "absent", "-d", "dflt") == (0, "dflt\n", "")
    assert cli("variables", "get", "absent") == (1, "", "updraft: error: Variable absent does not exist\n")

    code, out, _ = cli("variables", "list", "-o", "json")
    assert code == 0 and json.loads(out) == [
        {"key": "cfg", "val": '{\n  "a": [\n    1,\n    2\n  ]\n}', "description": None},
        {"key": "color", "val": "blue", "description": "the color"},
        {"key": "db_password", "val": "***", "description": None},
    ]
    assert "hunter22" in cli("variables", "list", "--show-values")[1]
    assert "blue" not in cli("variables", "list", "--hide-sensitive")[1]

    export = tmp_path / "variables.json"
    assert cli("variables", "export", str(export)) == (0, f"3 Variables successfully exported to {export}.\n", "")
    assert json.loads(export.read_text()) == {
        "cfg": {"a": [1, 2]}, "color": {"value": "blue", "description": "the color"}, "db_password": "hunter22",
    }

    assert cli("variables", "delete", "color") == (0, "Variable color deleted\n", "")
    assert cli("variables", "delete", "color") == (1, "", "updraft: error: Variable color does not exist\n")
    assert cli("variables", "set", "bad key", "x") == (
        1, "", "updraft: error: Invalid variable key 'bad key': use letters, digits, '_', '.' and '-' "
               "(at most 250 characters), as Airflow does\n",
    )


def test_variables_import_reads_airflows_export(cli: Any, services: Any, tmp_path: Path) -> None:
    # What `airflow variables export` writes: text as text, JSON as JSON, described ones as objects.
    exported = tmp_path / "from_airflow.json"
    exported.write_text(json.dumps({
        "bucket": "s3://raw",
        "limits": {"rows": 500},
        "owner": {"value": "data-team", "description": "who to call"},
        "retries": 3,
    }, indent=4))
    services.secrets.put(VARIABLES, "bucket", "old")

    assert cli("variables", "import", str(exported), "-a", "skip") == (
        0,
        "3 of 4 variables successfully updated.\n"
        "The variables with these keys: ['bucket'] were skipped because they already exists\n",
        "",
    )
    assert services.secrets.list(VARIABLES) == {
        "bucket": "old", "limits": '{\n  "rows": 500\n}', "owner": "data-team", "retries": "3",
    }
    assert services.secrets.descriptions(VARIABLES) == {"owner": "who to call"}
    assert cli("variables", "import", str(exported), "-a", "fail")[2] == (
        "updraft: error: Failed. These keys: ['bucket', 'limits', 'owner', 'retries'] already exists.\n"
    )
    assert cli("variables", "import", str(exported))[0] == 0
    assert services.secrets.get(VARIABLES, "bucket") == "s3://raw"


def test_connections_cli(cli: Any, services: Any) -> None:
    code, out, _ = cli("connections", "add", "my_db", "--conn-uri",
                       "postgres://app:pa%24%24word@db.example.com:5432/orders?sslmode=require&api_key=k-123456")
    assert code == 0 and out.startswith("Successfully added `conn_id`=my_db\n")
    assert "pa$$word" not in out and "k-123456" not in out
    assert cli("connections", "add", "api", "--conn-json",
               '{"conn_type": "http", "host": "https://api.example.com", "extra": {"timeout": 30}}')[0] == 0
    assert cli("connections", "add", "my_db", "--conn-type", "postgres") == (
        1, "", "updraft: error: A connection with `conn_id`=my_db already exists.\n",
    )

    code, out, _ = cli("connections", "get", "my_db", "-o", "json")
    (row,) = json.loads(out)
    assert row == {
        "conn_id": "my_db", "conn_type": "postgres", "description": None, "host": "db.example.com",
        "schema": "orders", "login": "app", "password": "***", "port": 5432,
        "extra_dejson": {"sslmode": "require", "api_key": "***"},
        "get_uri": "postgres://app:***@db.example.com:5432/orders?sslmode=require&api_key=***",
    }
    (shown,) = json.loads(cli("connections", "get", "my_db", "-o", "json", "--show-values")[1])
    assert shown["password"] == "pa$$word" and shown["extra_dejson"]["api_key"] == "k-123456"
    assert shown["get_uri"] == "postgres://app:pa%24%24word@db.example.com:5432/orders?sslmode=require&api_key=k-123456"

    listed = json.loads(cli("connections", "list", "-o", "json")[1])
    assert [(r["conn_id"], r["password"]) for r in listed] == [("api", None), ("my_db", "***")]
    assert [r["conn_id"] for r in json.loads(cli("connections", "list", "-o", "json", "--conn-id", "api")[1])] == ["api"]

    assert cli("connections", "get", "absent") == (1, "", "updraft: error: Connection absent not found.\n")
    assert cli("connections", "delete", "api") == (0, "Successfully deleted connection with `conn_id`=api\n", "")
    assert cli("connections", "delete", "api") == (
        1, "", "updraft: error: Did not find a connection with `conn_id`=api\n",
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["--conn-host", "h"], "Must supply either conn-uri or conn-json if not supplying conn-type",
                     id="no-type"),
        pytest.param(["--conn-uri", "x://h", "--conn-json", "{}"], "Cannot supply both conn-uri and conn-json",
                     id="uri-and-json"),
        pytest.param(["--conn-uri", "x://h", "--conn-host", "h"],
                     "The following args are not compatible with the --conn-uri flag: ['conn_host']", id="uri-and-fields"),
        pytest.param(["--conn-uri", "no-scheme"], "The URI provided to --conn-uri is invalid: no-scheme", id="bad-uri"),
        pytest.param(["--conn-json", '{"host": "h"}'], "conn-json is invalid; must supply conn-type", id="json-no-type"),
        pytest.param(["--conn-type", "x", "--conn-port", "eighty"],
                     "Could not create connection. Expected integer value for `port`, but got 'eighty' instead.",
                     id="bad-port"),
        pytest.param(["--conn-type", "x", "--conn-extra", "[1]"],
                     "Encountered JSON value in `extra` which does not parse as a dictionary in connection 'c'. "
                     "The `extra` field must contain a JSON representation of a Python dict.", id="extra-not-dict"),
    ],
)
def test_connections_add_refuses_as_airflow_does(cli: Any, argv: list[str], message: str) -> None:
    assert cli("connections", "add", "c", *argv) == (1, "", f"updraft: error: {message}\n")


def test_connections_export_and_import_use_airflows_files(cli: Any, services: Any, tmp_path: Path) -> None:
    # What `airflow connections export conns.json` writes (extra as JSON text), and a URI entry.
    from_airflow = tmp_path / "conns.json"
    from_airflow.write_text(json.dumps({
        "my_db": {"conn_type": "postgres", "description": "orders", "login": "app", "password": "pw-123456",
                  "host": "db.example.com", "port": 5432, "schema": "orders", "extra": '{"sslmode": "require"}'},
        "api": "http://user:tok-987654@api.example.com:8443/v1?timeout=30",
    }, indent=2))
    services.secrets.put(CONNECTIONS, "api", '{"conn_type": "http", "host": "old"}')

    code, out, _ = cli("connections", "import", str(from_airflow))
    assert (code, out) == (0, "Imported connection my_db\nCould not import connection api: connection already exists.\n")
    assert cli("connections", "import", str(from_airflow), "--overwrite")[1] == (
        "Imported connection my_db\nImported connection api\n"
    )

    export = tmp_path / "export.json"
    assert cli("connections", "export", str(export)) == (0, f"2 Connections successfully exported to {export}.\n", "")
    assert json.loads(export.read_text()) == {
        "api": {"conn_type": "http", "description": None, "login": "user", "password": "tok-987654",
                "host": "api.example.com", "port": 8443, "schema": "v1", "extra": '{"timeout": "30"}'},
        "my_db": {"conn_type": "postgres", "description": "orders", "login": "app", "password": "pw-123456",
                  "host": "db.example.com", "port": 5432, "schema": "orders", "extra": '{"sslmode": "require"}'},
    }
    env_file = tmp_path / "conns.env"
    assert cli("connections", "export", str(env_file))[0] == 0
    assert env_file.read_text() == (
        "api=http://user:tok-987654@api.example.com:8443/v1?timeout=30\n"
        "my_db=postgres://app:pw-123456@db.example.com:5432/orders?sslmode=require\n"
    )

    for conn_id in ("api", "my_db"):
        services.secrets.delete(CONNECTIONS, conn_id)
    assert cli("connections", "import", str(env_file))[0] == 0
    assert json.loads(services.secrets.get(CONNECTIONS, "my_db"))["password"] == "pw-123456"
    assert cli("connections", "import", str(tmp_path / "none.json")) == (
        1, "", "updraft: error: Missing connections file.\n",
    )

"""SFTPOperator, SFTPSensor and SFTPHook through the real handlers, against an OpenSSH
server on loopback: password, private key and key file logins, host key checking, put/get/
delete with intermediate folders, sensors in both modes, and failures that carry the
server's answer but never the password."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.engine_driver import Driver
from tests.servers import Sshd, free_port
from updraft.store.bucket import log_key


@pytest.fixture
def driver(services: Any, handlers: dict[str, Any], stack_env: dict[str, str]) -> Driver:
    return Driver(services, handlers, stack_env)


def _connection(server: Sshd, **overrides: Any) -> str:
    return json.dumps({"conn_type": "sftp", "host": "127.0.0.1", "port": server.port, "login": server.user,
                       **overrides})


@pytest.fixture
def sftp(sshd: Sshd, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Connections to the server (password, private key with its host key checked, key file),
    and a remote folder of this test's own."""
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_PW", _connection(
        sshd, password=sshd.password, extra={"look_for_keys": "false"}))
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_KEY", _connection(
        sshd, extra={"private_key": sshd.private_key, "host_key": sshd.host_key, "look_for_keys": "false"}))
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_KEYFILE", _connection(
        sshd, extra={"key_file": sshd.key_file, "no_host_key_check": "true", "look_for_keys": "false"}))
    remote = f"{sshd.root}/{request.node.name}"
    return {"server": sshd, "remote": remote}


def _log(driver: Driver, dag_id: str, run_id: str, task_id: str) -> str:
    body = driver.services.bucket.get(log_key(dag_id, run_id, task_id, -1, 1))
    assert body is not None, f"no log for {task_id}"
    return body.decode()


def _xcom(driver: Driver, dag_id: str, run_id: str, task_id: str) -> Any:
    found, value = driver.services.xcoms.get(dag_id, run_id, task_id, -1, "return_value")
    assert found, f"no XCom from {task_id}"
    return value


TRANSFER_DAG = """
    from datetime import datetime
    from updraft import DAG, task
    from updraft.hooks import SFTPHook
    from updraft.operators import SFTPOperator
    from updraft.sensors import SFTPSensor

    REMOTE = {remote!r}
    LOCAL = {local!r}

    def count(label, files_found):
        return f"{{label}}: {{len(files_found)}}"

    with DAG("sftp_transfer", schedule=None, start_date=datetime(2024, 1, 1)):
        put = SFTPOperator(task_id="put", ssh_conn_id="sftp_pw", local_filepath=LOCAL + "/orders.csv",
                           remote_filepath=REMOTE + "/in/{{{{ ds }}}}/orders.csv", operation="put",
                           create_intermediate_dirs=True)
        arrived = SFTPSensor(task_id="arrived", sftp_conn_id="sftp_key", path=REMOTE + "/in/{{{{ ds }}}}",
                             file_pattern="*.csv", newer_than="2024-01-01T00:00:00+00:00", poke_interval=0.1,
                             python_callable=count, op_kwargs={{"label": "csv files"}})
        get = SFTPOperator(task_id="get", ssh_conn_id="sftp_keyfile",
                           local_filepath=LOCAL + "/copies/{{{{ ds }}}}/orders.csv",
                           remote_filepath=REMOTE + "/in/{{{{ ds }}}}/orders.csv", operation="get",
                           create_intermediate_dirs=True)

        @task
        def listing(ds=None):
            hook = SFTPHook(ssh_conn_id="sftp_key")
            described = hook.describe_directory(REMOTE + "/in/" + ds)
            return {{"names": hook.list_directory(REMOTE + "/in"), "csv": described["orders.csv"]["size"]}}

        delete = SFTPOperator(task_id="delete", ssh_conn_id="sftp_pw",
                              remote_filepath=REMOTE + "/in/{{{{ ds }}}}/orders.csv", operation="delete")
        late = SFTPSensor(task_id="late", sftp_conn_id="sftp_pw", path=REMOTE + "/late.txt",
                          mode="reschedule", poke_interval=0, timeout=600)
        put >> arrived >> get >> listing() >> delete
"""


def test_files_go_both_ways_and_sensors_see_them(driver: Driver, sftp: dict[str, Any], tmp_path: Path) -> None:
    server, remote = sftp["server"], sftp["remote"]
    (tmp_path / "orders.csv").write_text("id,amount\n1,12.50\n2,7.25\n")
    driver.upload("sftp_transfer.py", TRANSFER_DAG.format(remote=remote, local=str(tmp_path)))
    run = driver.trigger("sftp_transfer")
    driver.drain(rounds=6)
    day = run.logical_date[:10]

    states = driver.states("sftp_transfer", run.run_id)
    assert {task: state for task, state in states.items() if task != "late"} == {
        task: ("success", 1) for task in ("put", "arrived", "get", "listing", "delete")
    }
    assert states["late"][0] in ("up_for_reschedule", "queued")
    assert (tmp_path / "copies" / day / "orders.csv").read_text() == "id,amount\n1,12.50\n2,7.25\n"
    assert _xcom(driver, "sftp_transfer", run.run_id, "put") == f"{tmp_path}/orders.csv"
    assert _xcom(driver, "sftp_transfer", run.run_id, "arrived") == {
        "files_found": [f"{remote}/in/{day}/orders.csv"], "decorator_return_value": "csv files: 1",
    }
    assert _xcom(driver, "sftp_transfer", run.run_id, "listing") == {"names": [day], "csv": 25}
    assert not os.path.exists(f"{remote}/in/{day}/orders.csv")  # deleted on the server
    owner = os.stat(f"{remote}/in/{day}").st_uid  # written by the connection's user
    assert owner == int(subprocess.run(["id", "-u", server.user], capture_output=True, text=True).stdout)

    from updraft.hooks import SFTPHook  # outside a task too: the same connection, from the environment

    SFTPHook(ssh_conn_id="sftp_pw").store_file(f"{remote}/late.txt", io.BytesIO(b"at last"))
    driver.drain()
    assert driver.states("sftp_transfer", run.run_id)["late"] == ("success", 1)
    put_log = _log(driver, "sftp_transfer", run.run_id, "put")
    assert f"Starting to transfer file from {tmp_path}/orders.csv to {remote}/in/{day}/orders.csv" in put_log
    assert f"Creating {remote}/in/{day}" in put_log
    assert "Opened sftp connection" in put_log and "sftp session closed." in put_log
    for task in states:
        assert server.password not in _log(driver, "sftp_transfer", run.run_id, task)


FAILING_DAG = """
    from datetime import datetime
    from updraft import DAG
    from updraft.operators import SFTPOperator

    REMOTE = {remote!r}
    LOCAL = {local!r}

    with DAG("sftp_failing", schedule=None, start_date=datetime(2024, 1, 1)):
        SFTPOperator(task_id="wrong_password", ssh_conn_id="sftp_wrong", local_filepath=LOCAL + "/x",
                     remote_filepath=REMOTE + "/x", operation="get")
        SFTPOperator(task_id="unreachable", ssh_conn_id="sftp_nowhere", local_filepath=LOCAL + "/x",
                     remote_filepath=REMOTE + "/x", operation="get")
        SFTPOperator(task_id="missing_file", ssh_conn_id="sftp_pw", local_filepath=LOCAL + "/x",
                     remote_filepath=REMOTE + "/not-there.csv", operation="get")
        SFTPOperator(task_id="wrong_host_key", ssh_conn_id="sftp_other_host", local_filepath=LOCAL + "/x",
                     remote_filepath=REMOTE + "/x", operation="get")
"""


def test_failures_carry_the_servers_answer_and_never_the_password(
    driver: Driver, sftp: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from updraft.hooks import SSHHook

    server, remote = sftp["server"], sftp["remote"]
    wrong = "Wr0ng-ssh-passw0rd"
    other_host_key = " ".join(Path(server.key_file + ".pub").read_text().split()[:2])  # not the server's
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_WRONG", _connection(server, password=wrong, extra={"look_for_keys": "false"}))
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_NOWHERE", _connection(server, port=free_port(), password=server.password))
    monkeypatch.setenv("UPDRAFT_CONN_SFTP_OTHER_HOST", _connection(
        server, password=server.password, extra={"host_key": other_host_key, "look_for_keys": "false"}))
    monkeypatch.setattr(SSHHook, "connect_retry_wait", 0.05)  # the retries still happen, quickly
    monkeypatch.setattr(SSHHook, "connect_retry_jitter", 0.0)
    driver.upload("sftp_failing.py", FAILING_DAG.format(remote=remote, local=str(tmp_path)))
    run = driver.trigger("sftp_failing")
    driver.drain()

    assert driver.states("sftp_failing", run.run_id) == {
        task: ("failed", 1) for task in ("wrong_password", "unreachable", "missing_file", "wrong_host_key")
    }
    errors = {t.task_id: t.error for t in driver.services.tis.list("sftp_failing", run.run_id)}
    logs = {task: _log(driver, "sftp_failing", run.run_id, task) for task in errors}
    assert errors["wrong_password"] == "AirflowException: Error while processing GET operation, error: Authentication failed."
    assert "paramiko.ssh_exception.AuthenticationException: Authentication failed." in logs["wrong_password"]
    assert f"Unable to connect to port {json.loads(os.environ['UPDRAFT_CONN_SFTP_NOWHERE'])['port']}" in errors["unreachable"]
    assert logs["unreachable"].count("Failed to connect. Sleeping before retry attempt") == 2
    assert errors["missing_file"] == "AirflowException: Error while processing GET operation, error: [Errno 2] No such file"
    assert "does not match" in errors["wrong_host_key"]
    assert "BadHostKeyException" in logs["wrong_host_key"]
    for text in [*logs.values(), *errors.values()]:
        assert wrong not in text and server.password not in text

"""Secrets masked as Airflow's secrets masker does: in a try's log lines, in nested structures
and rendered fields, for one task run at a time."""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import quote

import pytest

from updraft import Connection, Variable
from updraft.execution.logs import capture_task_log
from updraft.execution.masking import SecretsMasker, masking_scope, should_hide_value_for_key
from updraft.execution.templates import rendered_fields
from updraft.store.secrets import CONNECTIONS, VARIABLES

task_log = logging.getLogger("updraft.task")


class DictStore:
    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        self.values = values

    def get(self, kind: str, key: str) -> str | None:
        return self.values.get((kind, key))


@pytest.mark.parametrize(
    "name, hidden",
    [
        ("password", True), ("db_password", True), ("API_KEY", True), ("apikey", True), ("access_token", True),
        ("Authorization", True), ("passphrase", True), ("private_key", True), ("client_secret", True),
        ("keyfile_dict", True), ("service_account_json", True), ("passwd", True),
        ("host", False), ("color", False), ("key", False), (None, False), (3, False),
    ],
)
def test_sensitive_names(name: object, hidden: bool) -> None:
    assert should_hide_value_for_key(name) is hidden


def test_short_and_common_values_are_never_masked() -> None:
    masker = SecretsMasker()
    for value in ("", "abcd", "airflow", "Updraft"):
        masker.add_mask(value)
    assert masker.redact_text("abcd airflow Updraft") == "abcd airflow Updraft"


def test_a_named_value_is_masked_only_under_a_sensitive_name() -> None:
    masker = SecretsMasker()
    masker.add_mask("visible-value", "color")
    masker.add_mask("hidden-value", "db_password")
    assert masker.redact_text("visible-value hidden-value") == "visible-value ***"


def test_the_longest_secret_wins() -> None:
    masker = SecretsMasker()
    masker.add_mask("secret1")
    masker.add_mask("secret1-and-more")
    assert masker.redact_text("x secret1-and-more y secret1") == "x *** y ***"


def test_nested_structures() -> None:
    masker = SecretsMasker()
    masker.add_mask("hunter22")
    value = {
        "dsn": "postgres://u:hunter22@h/db",
        "headers": {"Authorization": "Bearer abc", "Accept": "json"},
        "items": ["hunter22", ("a", "hunter22"), {"api_key": ["k1", "k2"]}],
        "count": 3,
        "tags": {"hunter22"},
    }
    assert masker.redact(value) == {
        "dsn": "postgres://u:***@h/db",
        "headers": {"Authorization": "***", "Accept": "json"},
        "items": ["***", ("a", "***"), {"api_key": ["***", "***"]}],
        "count": 3,
        "tags": ("***",),
    }
    assert masker.redact("hunter22", name="token") == "***"
    assert masker.redact({"a": {"b": {"c": {"d": {"e": {"f": {"g": "hunter22"}}}}}}})["a"]["b"]["c"]["d"]["e"] == {
        "f": {"g": "hunter22"}  # deeper than Airflow's 5 levels: left as is
    }


def test_a_dict_secret_registers_its_sensitive_keys_only() -> None:
    masker = SecretsMasker()
    masker.add_mask({"region": "eu-west-1", "aws_secret_access_key": "wJalrXUtnFEMI", "nested": {"token": "tok-123"}})
    assert masker.redact_text("eu-west-1 wJalrXUtnFEMI tok-123") == "eu-west-1 *** ***"


def test_connection_password_and_sensitive_extra_are_masked_in_the_task_log(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = Connection(conn_type="postgres", host="db.example.com", login="app", password="p@ss w0rd/x",
                      extra={"sslmode": "require", "api_key": "key-abc-123"})
    store = DictStore({(CONNECTIONS, "my_db"): conn.as_json()})
    monkeypatch.setattr("updraft.execution.secrets._default_store", lambda: store)

    with capture_task_log() as capture:
        print("before the fetch: p@ss w0rd/x")  # nothing is known yet
        fetched = Connection.get("my_db")
        print(f"password={fetched.password} quoted={quote(fetched.password)} uri={fetched.get_uri()}")
        task_log.info("extra %s", json.dumps(fetched.extra_dejson))
        print("partial line at the end: p@ss w0rd/x", end="")
    text = capture.text()

    assert "before the fetch: p@ss w0rd/x" in text
    assert "password=*** quoted=*** uri=postgres://app:***@db.example.com/?" in text
    assert '"sslmode": "require", "api_key": "***"' in text
    assert "partial line at the end: ***" in text
    assert "key-abc-123" not in text and text.count("p@ss w0rd/x") == 1


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """The stack's store as the task runs see it: a dict to fill."""
    values: dict[tuple[str, str], str] = {}
    monkeypatch.setattr("updraft.execution.secrets._default_store", lambda: DictStore(values))
    return values


@pytest.mark.parametrize(
    "key, masked",
    [pytest.param("db_password", True, id="sensitive-key"), pytest.param("db_host", False, id="ordinary-key")],
)
def test_variables_are_masked_by_their_key(stored: dict, key: str, masked: bool) -> None:
    stored[(VARIABLES, key)] = "value-12345"
    with capture_task_log() as capture:
        print(Variable.get(key))
    assert ("***" in capture.text()) is masked
    assert ("value-12345" in capture.text()) is not masked


def test_json_variable_masks_its_sensitive_members(stored: dict) -> None:
    stored[(VARIABLES, "service")] = json.dumps({"url": "https://x.example", "token": "tok-98765"})
    with capture_task_log() as capture:
        print(Variable.get("service", deserialize_json=True))
    assert "'token': '***'" in capture.text() and "https://x.example" in capture.text()


def test_masks_belong_to_one_task_run(stored: dict) -> None:
    stored[(CONNECTIONS, "c")] = Connection(conn_type="x", password="run-one-secret").as_json()
    with capture_task_log() as first:
        print(Connection.get("c").password)
    with capture_task_log() as second:
        print("run-one-secret")  # this run never fetched it
    assert "***" in first.text()
    assert "run-one-secret" in second.text()


def test_concurrent_task_runs_mask_only_their_own_secrets(stored: dict) -> None:
    for name in ("alpha", "beta"):
        stored[(CONNECTIONS, name)] = Connection(conn_type="x", password=f"{name}-secret").as_json()
    both_fetched = threading.Barrier(2)
    texts: dict[str, str] = {}

    def run(name: str) -> None:
        with capture_task_log() as capture:
            Connection.get(name)
            both_fetched.wait(timeout=10)
            print("alpha-secret beta-secret")
        texts[name] = capture.text()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "*** beta-secret" in texts["alpha"]
    assert "alpha-secret ***" in texts["beta"]


def test_rendered_fields_are_masked() -> None:
    class Secret:
        def __repr__(self) -> str:
            return "<Secret hunter22>"

    class Task:
        template_fields = ("bash_command", "env", "password_file", "obj", "long")
        bash_command = "curl -u app:hunter22 https://x"
        env = {"API_TOKEN": "abc-def-ghi", "MODE": "hunter22 mode", "N": 3}
        password_file = "/etc/pw"
        obj = Secret()
        long = ["hunter22"] * 2000

    with masking_scope() as masker:
        masker.add_mask("hunter22")
        fields = rendered_fields(Task())  # type: ignore[arg-type]
    assert {name: fields[name] for name in ("bash_command", "env", "password_file", "obj")} == {
        "bash_command": "curl -u app:*** https://x",
        "env": {"API_TOKEN": "***", "MODE": "*** mode", "N": 3},
        "password_file": "***",
        "obj": "<Secret ***>",
    }
    assert fields["long"].endswith("... (truncated)") and "hunter22" not in fields["long"]

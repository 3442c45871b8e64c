"""The web UI in a real browser: headless Chromium (Debian's package) driven by Playwright,
against `updraft standalone` as a user runs it. A user logs in, finds and unpauses a DAG,
triggers it with a conf, watches it finish in the grid, reads a log, clears a task and sees
it run again, and edits variables; a viewer sees no buttons that change anything.

Set UPDRAFT_SCREENSHOTS to a folder to save the main pages there (docs/img holds the
README's)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.e2e.test_standalone import ROOT, Standalone, _wait, running

CHROMIUM = os.environ.get("UPDRAFT_CHROMIUM", "/usr/bin/chromium")
# Chromium's own network use is refused on a closed machine; these keep it to the page.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000
BROKEN_DAG = "from updraft import DAG\n\nwith DAG('broken', schedule=None:\n    pass\n"

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=TIMEOUT_MS)  # a run on a loaded machine takes longer than the default 5 s


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    """`updraft standalone` on the example DAGs and one file that does not import."""
    home = tmp_path_factory.mktemp("ui-home")
    dags = home / "dags"
    shutil.copytree(ROOT / "examples" / "dags", dags)
    (dags / "broken_dag.py").write_text(BROKEN_DAG)
    with running(home, "--dags-folder", str(dags)) as standalone:
        _wait(lambda: standalone.api("GET", "/importErrors")[1]["total_entries"] >= 1, 60, "the import error")
        done = standalone.cli("users", "create", "--username", "vic", "--role", "viewer", "--password", "viewer-password")
        assert done.returncode == 0, done.stderr
        yield standalone


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (Debian's package `chromium`; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, node: Standalone) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=f"http://127.0.0.1:{node.port}",
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text
           and errors.append(msg.text))
    yield tab
    context.close()
    assert errors == [], f"the page's scripts failed: {errors}"


def log_in(page: Any, node: Standalone, username: str | None = None, password: str | None = None) -> None:
    if username is None:
        node.login()  # makes the admin user with the CLI
    page.goto("/")
    page.wait_for_url("**/login**")
    page.fill("input[name=username]", username or node.USER)
    page.fill("input[name=password]", password or node.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("table.list tr[data-dag-id]")


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("UPDRAFT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def run_cells(page: Any, run_id: str) -> list[str]:
    """The states of a run's task cells in the grid."""
    return page.eval_on_selector_all(
        f'a.square[data-run-id="{run_id}"]', "cells => cells.map(c => c.dataset.state)")


def test_a_wrong_password_is_refused_on_the_login_page(page: Any, node: Standalone) -> None:
    node.login()
    page.goto("/dags/example_etl")
    page.wait_for_url("**/login?next=%2Fdags%2Fexample_etl")
    page.fill("input[name=username]", node.USER)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".dialog-error")).to_have_text("Invalid username or password")
    page.fill("input[name=password]", node.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dags/example_etl")  # back where the user was going
    page.wait_for_selector("table.grid")


def test_dag_list_searches_filters_and_shows_import_errors(page: Any, node: Standalone) -> None:
    log_in(page, node)
    banner = page.locator("details.banner.error")
    assert "DAG import error" in banner.text_content()
    banner.locator("summary").click()
    assert "broken_dag.py" in banner.text_content()
    assert "SyntaxError" in banner.text_content()
    shot(page, "dags")

    page.fill("input.search", "FAN_out")
    expect(page.locator("tr[data-dag-id]")).to_have_count(1)
    assert page.get_attribute("tr[data-dag-id]", "data-dag-id") == "example_fan_out_fan_in"
    assert "search=FAN_out" in page.url
    page.fill("input.search", "")
    page.click('tr[data-dag-id="example_etl"] .tags button:has-text("etl")')
    expect(page.locator("tr[data-dag-id]")).to_have_count(1)
    assert page.get_attribute("tr[data-dag-id]", "data-dag-id") == "example_etl"
    page.click("button.chip.active")  # the tag filter, removed
    page.click("button[data-paused=true]")
    expect(page.locator("tr[data-dag-id]")).to_have_count(3)  # all three are paused


def test_trigger_watch_the_grid_read_the_log_clear_and_run_again(page: Any, node: Standalone) -> None:
    log_in(page, node)
    row = page.locator('tr[data-dag-id="example_fan_out_fan_in"]')
    switch = row.locator("input[type=checkbox]")
    if not switch.is_checked():
        row.locator(".switch").click()  # unpause
        _wait(lambda: node.api("GET", "/dags/example_fan_out_fan_in")[1]["is_paused"] is False, 10, "unpaused")
        expect(page.locator(".toast")).to_contain_text("unpaused")

    row.locator("a >> text=example_fan_out_fan_in").click()
    page.wait_for_selector("table.grid")
    page.evaluate("window.stayedOnThePage = true")
    page.click("button:has-text('Trigger')")
    page.fill("textarea[name=conf]", '{"who": "ui"')
    page.click(".dialog button:has-text('Trigger')")
    expect(page.locator(".dialog .dialog-error")).to_contain_text("not valid JSON")
    page.fill("textarea[name=conf]", '{"who": "ui"}')
    shot(page, "trigger")
    page.click(".dialog button:has-text('Trigger')")
    page.wait_for_url("**run_id=manual__*")
    run_id = parse_qs(urlsplit(page.url).query)["run_id"][0]
    assert node.api("GET", f"/dags/example_fan_out_fan_in/dagRuns/{run_id}")[1]["conf"] == {"who": "ui"}

    # The grid fills in as the tasks finish, without reloading the page.
    expect(page.locator(f'a.square[data-run-id="{run_id}"][data-state="success"]')).to_have_count(6)
    assert page.evaluate("window.stayedOnThePage") is True
    shot(page, "grid")

    page.click("button[data-tab=graph]")
    page.wait_for_selector('svg .node[data-task-id="summarize"][data-state="success"]')
    assert page.locator("svg .edge").count() == 8
    expect(page.locator('svg .edge-label[data-target="count_eu"]')).to_have_text("eu")  # Label("eu")
    shot(page, "graph")
    page.click("button[data-tab=gantt]")
    page.wait_for_selector('.gantt-bar[data-state="success"]')
    assert page.locator(".gantt-row").count() == 6
    shot(page, "gantt")
    page.click("button[data-tab=code]")
    page.wait_for_selector(".source")
    assert "example_fan_out_fan_in" in page.text_content(".source")
    shot(page, "code")
    page.click("button[data-tab=details]")
    page.wait_for_selector("table.kv")
    assert '"who": "ui"' in page.text_content(".details pre")

    # A task instance: its log, then Clear (listing what will be cleared) and it runs again.
    page.click("button[data-tab=grid]")
    page.click(f'a.square[data-run-id="{run_id}"][data-task-id="count_eu"]')
    page.wait_for_selector("pre.log")
    assert "Marking task as SUCCESS" in page.text_content("pre.log")
    page.click("button[data-tab=xcom]")
    page.wait_for_selector("table.list")
    assert "return_value" in page.text_content("table.list")
    page.click("button[data-tab=logs]")
    shot(page, "task_instance")

    page.click("button:has-text('Clear')")
    page.wait_for_selector(".dialog .affected")
    listed = page.text_content(".dialog .affected")
    assert "count_eu" in listed and "summarize" in listed and "count_us" not in listed  # downstream included
    page.uncheck(".dialog input[name=include_downstream]")
    expect(page.locator(".dialog .affected")).not_to_contain_text("summarize")
    page.click(".dialog button:has-text('Clear')")
    page.wait_for_selector("button.try:has-text('2')")
    page.wait_for_selector('.ti-page .title-row .badge[data-state="success"]')
    assert node.api("GET", f"/dags/example_fan_out_fan_in/dagRuns/{run_id}/taskInstances/count_eu")[1]["try_number"] == 2
    page.click("button.try:has-text('2')")
    expect(page.locator("pre.log")).to_contain_text("try=2")

    # Mark failed: the dry run lists the task, then the state is taken.
    page.click("button:has-text('Mark failed')")
    page.wait_for_selector(".dialog .affected")
    page.click(".dialog button:has-text('Mark failed')")
    page.wait_for_selector('.ti-page .title-row .badge[data-state="failed"]')
    assert node.api("GET", f"/dags/example_fan_out_fan_in/dagRuns/{run_id}/taskInstances/count_eu")[1]["state"] == "failed"


def test_variables_are_created_imported_masked_and_exported(page: Any, node: Standalone, tmp_path: Path) -> None:
    log_in(page, node)
    page.click("a.nav-item:has-text('Variables')")
    page.click("button:has-text('Add variable')")
    page.fill(".dialog input[name=key]", "ui_api_password")
    page.fill(".dialog textarea[name=value]", "s3cret-value")
    page.click(".dialog button:has-text('Save')")
    page.wait_for_selector('tr[data-key="ui_api_password"]')
    assert page.text_content('tr[data-key="ui_api_password"] td.value') == "***"
    assert "s3cret-value" not in page.content()

    upload = tmp_path / "variables.json"
    upload.write_text(json.dumps({"ui_region": "eu-west-1", "ui_limits": {"rows": 10}}))
    page.set_input_files("input[type=file]", str(upload))
    page.click(".dialog button:has-text('Import')")
    page.wait_for_selector('tr[data-key="ui_limits"]')
    assert json.loads(page.text_content('tr[data-key="ui_limits"] td.value')) == {"rows": 10}
    shot(page, "variables")

    page.click('tr[data-key="ui_region"] button:has-text("Edit")')
    page.fill(".dialog textarea[name=value]", "us-east-2")
    page.click(".dialog button:has-text('Save')")
    page.wait_for_selector('tr[data-key="ui_region"] td.value:has-text("us-east-2")')

    with page.expect_download() as download:
        page.click("button:has-text('Export JSON')")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["ui_region"] == "us-east-2" and "ui_api_password" not in exported

    page.click('tr[data-key="ui_region"] button:has-text("Delete")')
    page.click(".dialog button:has-text('Delete')")
    page.wait_for_selector('tr[data-key="ui_region"]', state="detached")
    assert node.api("GET", "/variables/ui_region")[0] == 404


def test_a_viewer_sees_no_buttons_that_change_anything(page: Any, node: Standalone) -> None:
    log_in(page, node, "vic", "viewer-password")
    assert page.locator("button:has-text('Trigger')").count() == 0
    assert page.locator("tr[data-dag-id] input[type=checkbox]:not([disabled])").count() == 0
    page.click('tr[data-dag-id="example_etl"] a >> text=example_etl')
    page.wait_for_selector("table.grid")
    assert page.locator("button:has-text('Trigger')").count() == 0


VERSIONED_DAG = '''\
from datetime import datetime

from updraft import DAG, task, task_group

with DAG("ui_versions", schedule=None, start_date=datetime(2024, 1, 1), tags=["ui"]):
    @task
    def regions():
        return ["eu", "us", "apac"]

    @task
    def load(region):
        return region.upper()

    @task_group
    def reporting(values):
        @task
        def summarize(values):
            return sorted(values)

        @task
        def publish(summary):
            print(summary)

        return publish(summarize(values))

    done = reporting(load.expand(region=regions()))
'''
SECOND_VERSION = VERSIONED_DAG + '''
    # version 2: tell someone
    @task
    def notify():
        print("published")

    done >> notify()
'''


def run_to_success(node: Standalone, dag_id: str) -> str:
    status, run = node.api("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None})
    assert status == 200, run
    _wait(lambda: node.api("GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}")[1]["state"] == "success",
          60, f"{dag_id} to succeed")
    return str(run["dag_run_id"])


def test_each_run_shows_the_dag_version_it_ran(page: Any, node: Standalone, tmp_path: Path) -> None:
    path = tmp_path / "ui_versions.py"
    path.write_text(VERSIONED_DAG)
    assert node.cli("dags", "upload", str(path)).returncode == 0
    _wait(lambda: node.api("GET", "/dags/ui_versions")[0] == 200, 30, "the DAG")
    assert node.api("PATCH", "/dags/ui_versions", {"is_paused": False})[0] == 200
    old = run_to_success(node, "ui_versions")
    path.write_text(SECOND_VERSION)
    assert node.cli("dags", "upload", str(path)).returncode == 0
    _wait(lambda: "notify" in str(node.request("GET", "/ui/structure/ui_versions", None,
                                               {"Authorization": f"Bearer {node.token}"})[1]),
          30, "the new version")
    new = run_to_success(node, "ui_versions")

    log_in(page, node)
    page.goto("/dags/ui_versions")
    page.wait_for_selector("table.grid")
    assert page.locator("th.run-col.version-changed").count() == 1
    assert page.get_attribute("th.run-col.version-changed", "data-run-id") == new
    expect(page.locator(".banner.info")).to_contain_text("DAG code changed before")
    # The grid's rows are the latest version's, with the group and the mapped task's count.
    assert page.locator('tr[data-task-id="reporting"] .group-toggle').count() == 1
    assert page.get_attribute(f'a.square[data-run-id="{new}"][data-task-id="load"] .map-count', "class") is not None
    assert page.locator(f'a.square[data-run-id="{new}"][data-task-id="notify"]').count() == 1
    assert page.locator(f'a.square[data-run-id="{old}"][data-task-id="notify"][data-state="none"]').count() == 1

    page.goto(f"/dags/ui_versions?tab=graph&run_id={quote(old, safe='')}")
    page.wait_for_selector('svg .group[data-group-id="reporting"]')
    assert page.locator('svg .node[data-task-id="notify"]').count() == 0
    page.goto(f"/dags/ui_versions?tab=code&run_id={quote(old, safe='')}")
    expect(page.locator(".code-view .banner.info")).to_contain_text("earlier version")
    assert "version 2" not in page.text_content(".source")
    page.goto(f"/dags/ui_versions?tab=graph&run_id={quote(new, safe='')}")
    page.wait_for_selector('svg .node[data-task-id="notify"][data-state="success"]')
    shot(page, "graph")
    page.goto(f"/dags/ui_versions?run_id={quote(new, safe='')}")
    page.wait_for_selector("table.grid")
    shot(page, "grid_versions")


def test_connections_keep_their_password_secret(page: Any, node: Standalone, tmp_path: Path) -> None:
    log_in(page, node)
    page.click("a.nav-item:has-text('Connections')")
    page.click("button:has-text('Add connection')")
    page.fill(".dialog input[name=connection_id]", "ui_warehouse")
    page.fill(".dialog input[name=conn_type]", "postgres")
    page.fill(".dialog input[name=host]", "db.internal")
    page.fill(".dialog input[name=login]", "etl")
    page.fill(".dialog input[name=password]", "pg-s3cret")
    page.fill(".dialog input[name=port]", "5432")
    page.fill(".dialog textarea[name=extra]", '{"sslmode": "require"')
    page.click(".dialog button:has-text('Save')")
    expect(page.locator(".dialog .dialog-error")).to_contain_text("extra is not valid JSON")
    page.fill(".dialog textarea[name=extra]", '{"sslmode": "require"}')
    page.click(".dialog button:has-text('Save')")
    row = page.locator('tr[data-connection-id="ui_warehouse"]')
    expect(row).to_contain_text("***")
    assert "pg-s3cret" not in page.content()

    row.locator("button:has-text('Edit')").click()
    page.fill(".dialog input[name=description]", "the warehouse")
    page.click(".dialog button:has-text('Save')")  # the password field left empty: kept
    expect(row).to_contain_text("the warehouse")
    expect(row).to_contain_text("***")
    got = node.api("GET", "/connections/ui_warehouse")[1]
    assert (got["password"], got["host"], got["port"], got["description"]) == ("***", "db.internal", 5432, "the warehouse")

    upload = tmp_path / "connections.json"
    upload.write_text(json.dumps({"ui_api": {"conn_type": "http", "host": "api.example.com", "extra": {"timeout": 5}}}))
    page.set_input_files("input[type=file]", str(upload))
    page.click(".dialog button:has-text('Import')")
    expect(page.locator('tr[data-connection-id="ui_api"]')).to_contain_text("api.example.com")
    with page.expect_download() as download:
        page.click("button:has-text('Export JSON')")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["ui_warehouse"]["host"] == "db.internal" and "password" not in exported["ui_warehouse"]
    assert json.loads(exported["ui_api"]["extra"]) == {"timeout": 5}

"""Real-browser harness: JupyterLab started as `cognito-mfa-kit lab` does, driven by Playwright in Debian's Chromium.

Fixtures:
- ``lab_server`` (session): a :class:`~cognito_mfa_kit.labserver.LabServer` (sandbox + JupyterLab) on a temporary
  folder holding copies of the notebooks under test (``tests/browser/fixtures/*.ipynb`` and the course's
  ``notebooks/*.ipynb``).
- ``chromium`` (session): ``/usr/bin/chromium`` through Playwright (its own browser download is not used); the tests
  skip, saying why, when it is absent.
- ``jupyter``: a :class:`JupyterPage` on a fresh browser page; fails the test on any browser console error and saves
  a screenshot to ``artifacts/screenshots/<test>.png`` at the end.
- ``lab`` (a lab on the tests' sandbox) and ``browser_page`` (a fresh page that fails the test on a console error and
  records the URLs it visits): for the tests of the sandbox's login pages.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_page import JupyterPage

from cognito_mfa_kit.connect import connect
from cognito_mfa_kit.labserver import LabServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = Path(os.environ.get("COGNITO_MFA_KIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """Sandbox + JupyterLab (no saved state) on a temporary copy of the notebooks under test."""
    base = tmp_path_factory.mktemp("browser-lab")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    for source in [*FIXTURES.glob("*.ipynb"), *(ROOT / "notebooks").glob("*.ipynb")]:
        shutil.copy(source, notebooks / source.name)
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
    )
    # answer JupyterLab's "get notified about official Jupyter news?" toast (it would cover the page) with "never"
    notification = base / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    lab = LabServer(notebooks, port=0, open_browser=False, state_path=None, log_path=base / "lab.log", env=env)
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (install it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def jupyter(request: pytest.FixtureRequest, chromium: Any, lab_server: LabServer) -> Iterator[JupyterPage]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    helper = JupyterPage(page, lab_server)
    try:
        yield helper
    finally:
        try:
            helper.screenshot(request.node.name)
        finally:
            context.close()
            _shut_down_kernels(lab_server)
    assert helper.console_errors == [], f"browser console errors: {helper.console_errors}"


def _shut_down_kernels(lab: LabServer) -> None:
    """Delete every session (and its kernel) through JupyterLab's REST API: the next test that opens the same
    notebook starts a fresh kernel, as a trainee's first visit does (else it joins the old one, mid-state)."""
    import urllib.request

    headers = {"Authorization": f"token {lab.token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{lab.base_url}api/sessions", headers=headers),
                                timeout=10) as answer:
        sessions = json.load(answer)
    for session in sessions:
        request = urllib.request.Request(f"{lab.base_url}api/sessions/{session['id']}", headers=headers,
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture()
def lab(sandbox) -> Iterator[Any]:
    the_lab = connect(endpoint_url=sandbox.endpoint_url)
    yield the_lab
    the_lab.close()


@pytest.fixture()
def browser_page(chromium) -> Iterator[Any]:
    """A fresh page; fails the test on a console error of the login pages."""
    context = chromium.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    visited: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and visited.append(frame.url))
    page.visited = visited  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"console errors on the login pages: {errors}"

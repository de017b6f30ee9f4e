"""Real-browser harness: JupyterLab started as `cognito-mfa-kit lab` does, driven by Playwright in Debian's Chromium.

Fixtures:
- ``lab_server`` (session): a :class:`~cognito_mfa_kit.labserver.LabServer` (sandbox + JupyterLab) on a temporary
  folder holding copies of the notebooks under test (``tests/browser/fixtures/*.ipynb`` and the course's
  ``notebooks/*.ipynb``).
- ``chromium`` (session): ``/usr/bin/chromium`` through Playwright (its own browser download is not used); the tests
  skip, saying why, when it is absent.
- ``jupyter``: a :class:`JupyterPage` on a fresh browser page; fails the test on any browser console error and saves
  a screenshot to ``artifacts/screenshots/<test>.png`` at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cognito_mfa_kit.labserver import LabServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
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
#: how long a whole notebook may take to run (a guard against hangs, not a speed test)
RUN_TIMEOUT_MS = 120_000


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


class JupyterPage:
    """One browser page on the lab's JupyterLab, with the steps a learner takes."""

    def __init__(self, page: Any, lab: LabServer) -> None:
        self.page = page
        self.lab = lab
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def open_notebook(self, name: str) -> None:
        """Open ``name`` (relative to the notebook folder) in a workspace of its own; wait until its kernel is idle."""
        workspace = f"test-{uuid.uuid4().hex[:12]}"  # else JupyterLab restores the tabs of earlier tests
        self.page.goto(f"{self.lab.base_url}lab/workspaces/{workspace}/tree/{name}?reset&token={self.lab.token}")
        self.page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
        self.wait_for_kernel_idle()

    def wait_for_kernel_idle(self, timeout: float = 60_000) -> None:
        """Wait for the status bar's "<kernel> | Idle" (the toolbar's indicator says idle before a kernel exists)."""
        self.page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\S \| Idle$")).wait_for(timeout=timeout)

    def run_all_cells(self) -> None:
        """Run ▸ Run All Cells, then wait until every code cell has run and the kernel is idle again."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        self.page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=RUN_TIMEOUT_MS,
        )
        self.wait_for_kernel_idle()

    def restart_kernel(self) -> None:
        """Kernel ▸ Restart Kernel…, confirm, and wait until the new kernel is idle."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel…$")).click()
        self.page.locator(".jp-Dialog-button", has_text=re.compile(r"^Restart$")).click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")
        self.wait_for_kernel_idle()

    def assert_healthy(self) -> None:
        """No widget failed to display, no traceback or stderr in any output, no browser console error."""
        page = self.page
        assert page.get_by_text("Error displaying widget").count() == 0, "a widget failed to display"
        broken = page.locator(".jupyter-widgets-error-widget")  # "Click to show javascript error."
        assert broken.count() == 0, "a widget failed to render: " + " | ".join(broken.all_inner_texts())
        stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert stderr.count() == 0, "output on stderr (a traceback?):\n" + "\n---\n".join(stderr.all_inner_texts())
        assert self.console_errors == [], f"browser console errors: {self.console_errors}"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^\w.\[\]-]+", "_", name) + ".png")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def screenshot_element(self, locator: Any, name: str) -> Path:
        """A screenshot of one whole element, e.g. a widget for the README.

        JupyterLab scrolls the notebook inside the window, so the window is made taller than the element for the
        shot (and given back its size after).
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^\w.\[\]-]+", "_", name) + ".png")
        size = self.page.viewport_size
        box = locator.bounding_box()
        if size is not None and box is not None:
            height = max(size["height"], int(box["height"]) + 400)
            self.page.set_viewport_size({"width": size["width"], "height": height})
        try:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path))
        finally:
            if size is not None:
                self.page.set_viewport_size(size)
        return path


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

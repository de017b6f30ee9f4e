"""Notebook 02 through the class's hub, in Chromium: a trainee signs in on JupyterHub's login page with their own
hub password, JupyterLab opens on the course in their home, and notebook 02 runs and enrols, signing as them on the
class's sandbox."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hub_helpers import ClassHub, start_hub
from jupyter_page import JupyterPage
from test_course import _enrol, answer_quiz, assert_calm


@pytest.fixture(scope="module")
def browser_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassHub]:
    hub = start_hub(tmp_path_factory.mktemp("browser-hub"), "--count", "1")
    yield hub
    try:
        hub.stop()
    except subprocess.TimeoutExpired:
        hub.proc.kill()


def test_notebook_02_through_the_hub(chromium: Any, browser_hub: ClassHub) -> None:
    row = browser_hub.rows()[0]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    user_url = f"{browser_hub.url}user/{row['username']}/"
    jupyter = JupyterPage(page, SimpleNamespace(base_url=user_url, token=""))  # signed in by cookie
    try:
        # what a trainee does: open the URL handed out, sign in with their row of the sheet
        page.goto(browser_hub.url)
        page.locator("#username_input").fill(row["username"])
        page.locator("#password_input").fill(row["hub_password"])
        page.locator("#login_submit").click()
        # JupyterHub starts their server and JupyterLab opens on notebook 00 of the course, in their home
        page.wait_for_url(re.compile(re.escape(user_url) + r"lab/tree/00_start_here\.ipynb"), timeout=180_000)
        page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
        jupyter.screenshot("hub-trainee-lab")

        jupyter.open_notebook("02_enrol_a_signed_in_user.ipynb")
        jupyter.run_all_cells()
        assert_calm(jupyter)
        assert page.locator("img.cmk-qr").first.evaluate("img => img.naturalWidth > 100")
        form = page.locator(".cmk-enrol-form").last
        _enrol(jupyter, form)
        journal = form.locator(".cmk-journal")
        journal.locator('.cmk-journal-call[data-operation="VerifySoftwareToken"][data-ok="true"]').wait_for()
        # the banner: the class's shared sandbox, not one in the kernel
        assert page.get_by_text(re.compile(r"local Cognito sandbox at http://127\.0\.0\.1:\d+ \(shared server\)"))\
            .count() > 0
        answer_quiz(page, "02-secret-call")
        assert_calm(jupyter)
        jupyter.screenshot("hub-course-02-enrolled")
    finally:
        context.close()
    assert jupyter.console_errors == [], f"browser console errors: {jupyter.console_errors}"

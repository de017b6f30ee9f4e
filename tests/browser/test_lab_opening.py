"""What a trainee sees first: `cognito-mfa-kit lab`'s URL in Chromium opens notebook 00 — no Launcher, no news toast
— and closing the notebook shuts its kernel down (the lab's JupyterLab settings overrides at work)."""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cognito_mfa_kit.labserver import START_NOTEBOOK

COURSE = Path(__file__).resolve().parents[2] / "notebooks"


def _kernels(run: Any) -> list[dict]:
    status, body = run.api("/api/kernels")
    assert status == 200 and isinstance(body, list)
    return body


def test_the_lab_shows_notebook_00_no_launcher_no_news_and_closing_it_shuts_its_kernel(
    chromium: Any, run_lab, lab_env, tmp_path: Path
) -> None:
    shutil.copy(COURSE / START_NOTEBOOK, tmp_path / "notebooks" / START_NOTEBOOK)
    lab_env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "user-settings")  # a user who never answered the toast
    run = run_lab()  # the command a user runs (the `lab_server` fixture answers the toast in the user's settings)
    url = run.wait_for_url()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
        current.get_by_text(START_NOTEBOOK).wait_for()
        page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\S \| Idle$")).wait_for()
        assert len(_kernels(run)) == 1
        page.wait_for_timeout(3000)  # the news toast, if any, shows within a second or two of loading
        assert page.locator(".jp-Launcher").count() == 0, "the Launcher opened"
        assert page.get_by_text(re.compile("Jupyter news", re.I)).count() == 0, "the news toast showed"
        assert page.locator(".Toastify__toast").count() == 0

        current.locator(".lm-TabBar-tabCloseIcon").click()
        # JupyterLab may have marked the notebook changed on opening it: don't save it
        with contextlib.suppress(PlaywrightTimeout):
            page.get_by_role("button", name="Discard").click(timeout=3000)
        page.locator("#jp-main-dock-panel .lm-TabBar-tab").get_by_text(START_NOTEBOOK).wait_for(state="detached")
        deadline = time.monotonic() + 30
        while _kernels(run) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _kernels(run) == [], "closing the notebook did not shut its kernel down"
    finally:
        context.close()
    assert run.stop() == 0

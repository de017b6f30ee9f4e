"""The steps a learner takes in JupyterLab, in Chromium (Playwright): used by conftest.py's ``jupyter`` fixture, and by
test_hub_course.py on a trainee's JupyterLab behind the class's hub.

``lab`` is anything with ``base_url`` (the JupyterLab server's root URL) and ``token`` (its token; "" when the
browser is signed in by cookie, as behind JupyterHub).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: how long a whole notebook may take to run (a guard against hangs, not a speed test)
RUN_TIMEOUT_MS = 120_000


class JupyterPage:
    """One browser page on the lab's JupyterLab, with the steps a learner takes."""

    def __init__(self, page: Any, lab: Any) -> None:
        self.page = page
        self.lab = lab
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def open_notebook(self, name: str) -> None:
        """Open ``name`` (relative to the notebook folder) in a workspace of its own; wait until its kernel is idle."""
        workspace = f"test-{uuid.uuid4().hex[:12]}"  # else JupyterLab restores the tabs of earlier tests
        token = f"&token={self.lab.token}" if self.lab.token else ""
        self.page.goto(f"{self.lab.base_url}lab/workspaces/{workspace}/tree/{name}?reset{token}")
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

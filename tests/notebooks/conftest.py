"""The course's notebooks executed once per test session (nbclient, a fresh kernel each) and shared by the tests
that read their outputs: secrets (``test_course_runs``), calm reading (``test_calm_notebooks``).

They run against a sandbox of their own, a child process as ``make lab`` starts one for a trainee: the other tests'
pools (hundreds, some with 300-character fuzzed names) are not in its listings. Its state file tells the tests the
passwords of the users the notebooks made.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from cognito_mfa_kit.course import HEADLESS_ENV
from cognito_mfa_kit.sandbox import ENV_URL

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@dataclass
class CourseSandbox:
    """The notebooks' sandbox: its URL and its state file."""

    endpoint_url: str
    state_path: Path

    def passwords(self) -> set[str]:
        """Every password the sandbox holds (the users the notebooks created), from its state file."""
        # the store is SQLite: `sandbox export --reveal` reads it (in a process of its own: loading a store fills
        # that process's moto backends)
        out = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "export", "--state",
                              str(self.state_path), "--reveal"], capture_output=True, text=True, check=True)
        state = json.loads(out.stdout)
        return {user["password"] for backend in state["backends"] for pool in backend["pools"]
                for user in pool.get("users", []) if user.get("password")}


@pytest.fixture(scope="session")
def course_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CourseSandbox]:
    """``cognito-mfa-kit sandbox --state FILE`` as a child process, on a free loopback port, for this session."""
    state = tmp_path_factory.mktemp("course-sandbox") / "state.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--port", "0", "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"the sandbox did not start: {url!r}"
        yield CourseSandbox(url, state)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def executed(course_sandbox: CourseSandbox, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Any]:
    """``executed(path)``: the notebook run top to bottom against the notebooks' sandbox (the kernel finds it through
    ``$COGNITO_MFA_KIT_SANDBOX_URL``; nobody at the keyboard), saved with its widget state and read back.

    Raises ``CellExecutionError`` at the first failing cell (``course.expect`` fails loudly too).
    """
    cache: dict[Path, Any] = {}
    folder = tmp_path_factory.mktemp("executed")

    def run(path: Path) -> Any:
        if path not in cache:
            nb = nbformat.read(path, as_version=4)
            assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed with outputs"
            with pytest.MonkeyPatch.context() as env:
                env.setenv(ENV_URL, course_sandbox.endpoint_url)
                env.setenv(HEADLESS_ENV, "1")
                client = NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                                        resources={"metadata": {"path": str(path.parent)}})
                client.execute()
            saved = folder / path.name
            nbformat.write(nb, saved)
            cache[path] = nbformat.read(saved, as_version=4)
        return cache[path]

    return run

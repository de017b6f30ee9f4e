"""The course's notebooks executed once per test session (nbclient, a fresh kernel each) and shared by the tests
that read their outputs: secrets (``test_course_runs``), calm reading (``test_calm_notebooks``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from cognito_mfa_kit.course import HEADLESS_ENV
from cognito_mfa_kit.sandbox import ENV_URL

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def executed(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Any]:
    """``executed(path)``: the notebook run top to bottom against the session's sandbox (the kernel finds it through
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
                env.setenv(ENV_URL, sandbox.endpoint_url)
                env.setenv(HEADLESS_ENV, "1")
                client = NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                                        resources={"metadata": {"path": str(path.parent)}})
                client.execute()
            saved = folder / path.name
            nbformat.write(nb, saved)
            cache[path] = nbformat.read(saved, as_version=4)
        return cache[path]

    return run

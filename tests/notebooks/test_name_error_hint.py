"""A NameError in a course cell tells the trainee to run the cells above (issue 15), in a real kernel (nbclient).

The course's first cell (``course.follow(lab)``) installs an IPython custom exception handler; the traceback stays
the usual one, with the hint as its last line. Other errors are untouched.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from cognito_mfa_kit.course import HEADLESS_ENV
from cognito_mfa_kit.sandbox import ENV_URL

FIRST_CELL = "from cognito_mfa_kit import connect, flows, course, ui\nlab = connect()\ncourse.follow(lab)"


def _run(sandbox: Any, monkeypatch: pytest.MonkeyPatch, *sources: str) -> Any:
    monkeypatch.setenv(ENV_URL, sandbox.endpoint_url)
    monkeypatch.setenv(HEADLESS_ENV, "1")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return nb


def _error(cell: Any) -> dict[str, Any]:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert len(errors) == 1, cell.outputs
    return errors[0]


def test_a_name_error_says_to_run_the_cells_above(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _run(sandbox, monkeypatch, FIRST_CELL, "course.outcome(flows.sign_in(lab, pool, 'Bob', bob.password))",
              "1 / 0", "print('the kernel goes on')")
    error = _error(nb.cells[1])
    assert error.ename == "NameError" and "'pool' is not defined" in error.evalue
    traceback = "\n".join(error.traceback)
    assert "Traceback" in traceback or "NameError" in traceback  # the usual traceback is still there ...
    assert error.traceback[-1].startswith("'pool' is made by a cell above this one")  # ... then what to do
    assert "Run > Run All Above Selected Cell" in error.traceback[-1]
    other = _error(nb.cells[2])  # another error: no hint
    assert other.ename == "ZeroDivisionError" and "cell above" not in "\n".join(other.traceback)
    assert nb.cells[3].outputs[0].text == "the kernel goes on\n"  # the handler broke nothing


def test_without_the_course_first_cell_a_name_error_is_plain(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _run(sandbox, monkeypatch, "pool")
    error = _error(nb.cells[0])
    assert error.ename == "NameError" and "cell above" not in "\n".join(error.traceback)

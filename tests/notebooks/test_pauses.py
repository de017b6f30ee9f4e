"""A trainee stops to read: a lesson must still run, and show each failure it announces, when time passes between
its cells. The pause is made on the lesson pool's clock (codes and sessions follow it), before every code cell that
comes after text. Up to 80 s each: a challenge's session lives 3 minutes, and a sign-in answered after longer reading
expires, as on Cognito."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from cognito_mfa_kit.course import HEADLESS_ENV
from cognito_mfa_kit.sandbox import ENV_URL

ROOT = Path(__file__).resolve().parents[2]
#: the lessons whose cells depend on time: codes used once, challenge sessions, a clock moved on purpose
LESSONS = ["04_sign_in_with_totp.ipynb", "05_enrolment_during_sign_in.ipynb", "06_when_it_goes_wrong.ipynb"]
PAUSE = 'if "pool" in globals():\n    lab.advance_clock({seconds}, pool)  # the trainee reads for {seconds} s'


def _with_pauses(path: str, seconds: int) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "notebooks" / path, as_version=4)
    cells, wrapped_up = [], False
    for before, cell in zip([None, *nb.cells], nb.cells, strict=False):
        if (cell.cell_type == "code" and before is not None and before.cell_type == "markdown"
                and not wrapped_up):  # (after course.wrap_up, a pause would leave the clock ahead itself)
            cells.append(nbformat.v4.new_code_cell(PAUSE.format(seconds=seconds)))
        wrapped_up = wrapped_up or "course.wrap_up(" in cell.source
        cells.append(cell)
    if not wrapped_up:  # a lesson that moves no clock: the pauses are the test's, put back by the test
        cells.append(nbformat.v4.new_code_cell("lab.put_clocks_back()"))
    nb.cells = cells
    return nb


@pytest.mark.parametrize("seconds", [40, 80])
@pytest.mark.parametrize("path", LESSONS)
def test_a_lesson_keeps_working_when_the_trainee_pauses(course_sandbox: Any, path: str, seconds: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _with_pauses(path, seconds)
    monkeypatch.setenv(ENV_URL, course_sandbox.endpoint_url)
    monkeypatch.setenv(HEADLESS_ENV, "1")
    before = set(course_sandbox.clocks()["pools_ahead"])
    try:
        # course.expect raises when the announced failure does not happen (or another one does): CellExecutionError
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
        left_ahead = set(course_sandbox.clocks()["pools_ahead"]) - before
        assert not left_ahead  # and the lesson put its pools' clocks back
    finally:  # a lesson stopped half-way must not leave the notebooks' shared sandbox ahead for the other tests
        for pool in set(course_sandbox.clocks()["pools_ahead"]) - before:
            _reset(course_sandbox.endpoint_url, pool)


def _reset(url: str, pool: str) -> None:
    request = urllib.request.Request(f"{url}/_sandbox/clock", data=json.dumps({"reset": True, "pool": pool}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass

"""The course runs headless, top to bottom, against a sandbox server — one test per notebook (as mwouts/itables
runs its documentation notebooks) — and leaves no secret in any output or in the saved widget state.

Each notebook is executed by nbclient in a fresh kernel that finds the sandbox through
``$COGNITO_MFA_KIT_SANDBOX_URL`` (a kernel can't see an in-process mock) and knows nobody is at the keyboard
(``$COGNITO_MFA_KIT_HEADLESS``). The executed notebook is saved with its widget state and scanned for JWTs, 52-character
base32 TOTP secrets, session strings, and the passwords of every user the sandbox holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

JWT = re.compile(r"eyJ[\w-]{20,}\.[\w-]+\.")
BASE32_SECRET = re.compile(r"(?<![A-Za-z2-7])[A-Z2-7]{52}(?![A-Za-z2-7])")
# The sandbox's sessions: 128 URL-safe base64 characters standing alone. Not matched: SRP's public numbers (SRP_B, SALT:
# hex) and base64 with + or / (SRP's SECRET_BLOCK and the device's password *verifier*, which the service model does
# not mark sensitive and which are useless without the password).
SESSION = re.compile(r"(?<![\w+/=-])[\w-]{100,}(?![\w+/=-])")
HEX = re.compile(r"[0-9a-f]+")


def test_the_course_has_its_eleven_notebooks() -> None:
    assert [p.stem[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(11)]


def _texts(nb: Any) -> list[tuple[str, str]]:
    """(where, text) for every output of every cell and for the saved widget state (binary buffers left out)."""
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            where = f"cell {i} ({cell.source[:40]!r})"
            if "text" in output:
                found.append((where, output["text"]))
            for mime, data in (output.get("data") or {}).items():
                if mime.startswith("image/"):
                    continue
                found.append((f"{where} {mime}", data if isinstance(data, str) else json.dumps(data)))
            if output.get("output_type") == "error":
                found.append((where, "\n".join(output.get("traceback", []))))
    state = (nb.metadata.get("widgets") or {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        found.append((f"widget {model.get('model_name')} {model_id}", json.dumps(model.get("state", {}))))
    return found


def leaks(nb: Any, passwords: set[str]) -> list[str]:
    """Descriptions of every secret-looking string in ``nb``'s outputs and widget state."""
    problems = []
    for where, text in _texts(nb):
        for name, pattern in (("JWT", JWT), ("base32 secret", BASE32_SECRET), ("session", SESSION)):
            for match in pattern.finditer(text):
                if pattern is SESSION and HEX.fullmatch(match.group()):
                    continue
                problems.append(f"{where}: {name} {match.group()[:12]}…")
        for password in passwords:
            if password in text:
                problems.append(f"{where}: a user's password")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless_and_shows_no_secret(path: Path, executed: Callable[[Path], Any],
                                                    course_sandbox: Any) -> None:
    nb = executed(path)  # raises CellExecutionError at the first failing cell (course.expect fails loudly too)

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code_cells), "a cell did not run"
    assert all(len(c.source.splitlines()) <= 3 for c in code_cells), "course cells are 1–3 lines"
    texts = "\n".join(t for _, t in _texts(nb))
    assert "command not found" not in texts and "Traceback" not in texts
    assert "local Cognito sandbox" in texts  # every notebook starts with connect() + course.follow(lab)
    assert leaks(nb, course_sandbox.passwords()) == []
    clocks = course_sandbox.clocks()  # a lesson that moved its pools' clocks put them back: real phones work again
    assert clocks["offset"] == 0 and clocks["pools_ahead"] == {}, clocks


def test_the_scan_finds_planted_secrets() -> None:
    """The scanner itself: every kind of secret planted in an output or in widget state is reported."""
    nb = nbformat.v4.new_notebook()
    jwt = "eyJraWQiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
    secret = "A" * 26 + "B2C3D4E5F6G7H2I3J4K5L6M7N2"
    session = "x" * 128
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"token {jwt}\n"),
                    nbformat.v4.new_output("display_data", data={"text/html": f"<b>{secret}</b>"})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "m1": {"model_name": "TextModel", "state": {"value": f"{session} P@ss-word-42"}}}}}
    found = leaks(nb, {"P@ss-word-42"})
    assert any("JWT" in f for f in found) and any("base32" in f for f in found)
    assert any("session" in f for f in found) and any("password" in f for f in found)
    assert leaks(nbformat.v4.new_notebook(), {"P@ss-word-42"}) == []


def test_the_password_scan_knows_the_users_the_notebooks_made(executed: Callable[[Path], Any],
                                                              course_sandbox: Any) -> None:
    """The scan is not vacuous: after notebook 02 the sandbox's state file holds Bob's and "you"'s passwords."""
    executed(ROOT / "notebooks" / "02_enrol_a_signed_in_user.ipynb")
    passwords = course_sandbox.passwords()
    assert len(passwords) >= 2 and all(len(p) >= 8 for p in passwords)

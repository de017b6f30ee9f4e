"""The course reads calm (issue 15): in the headless run's outputs, no call shown in red in a cell whose lesson is not
that failure, no response longer than a screen unfolded, nothing a font without emoji draws as a box; and every
notebook's first cell imports what its later cells use.

The notebooks are executed once per session (``executed`` in conftest) and shared with ``test_course_runs``.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from calm import SCREEN_LINES, long_outputs, red_calls, tallest_output
from IPython.core.inputtransformer2 import TransformerManager

from cognito_mfa_kit.course import call_html
from cognito_mfa_kit.journal import Call, CallError
from cognito_mfa_kit.rendering import FONT_SAFE, folded_pre, unsafe_characters

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
#: What every notebook's first code cell imports (and no later cell imports anything).
FIRST_CELL_IMPORTS = {"connect", "flows", "course", "ui"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_reads_calm(path: Path, executed: Callable[[Path], Any]) -> None:
    nb = executed(path)
    assert red_calls(nb) == [], "calls shown as refused that the lesson did not announce with course.expect"
    assert long_outputs(nb) == [], f"outputs or responses longer than a screen ({SCREEN_LINES} lines) unfolded"
    assert tallest_output(nb) <= SCREEN_LINES


def _shown_texts(nb: Any) -> list[tuple[str, str]]:
    """Every text a trainee reads: markdown cells, outputs (not images), and widget state (labels, values...)."""
    found = [(f"markdown cell {i}", c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if "text" in output:
                found.append((f"cell {i} stream", output["text"]))
            for mime, data in (output.get("data") or {}).items():
                if not mime.startswith("image/"):
                    found.append((f"cell {i} {mime}", data if isinstance(data, str) else json.dumps(data)))
    state = (nb.metadata.get("widgets") or {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        found.append((f"widget {model.get('model_name')} {model_id}",
                      json.dumps(model.get("state", {}), ensure_ascii=False)))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_shows_only_font_safe_characters(path: Path, executed: Callable[[Path], Any]) -> None:
    """No emoji or other character a machine without an emoji font draws as an empty box: not in the narrative, not
    in any output, not in any widget's label or value."""
    found = {where: unsafe_characters(text) for where, text in _shown_texts(executed(path))}
    assert {where: chars for where, chars in found.items() if chars} == {}


def test_the_package_and_the_notebooks_use_only_font_safe_characters() -> None:
    """The sources too (every string a widget or output might show comes from them): grep for anything not font-safe,
    emoji and other non-BMP characters included."""
    files = [*(ROOT / "cognito_mfa_kit").rglob("*.py"), *NOTEBOOKS]
    found = {str(p.relative_to(ROOT)): unsafe_characters(p.read_text(encoding="utf-8")) for p in files}
    assert {p: c for p, c in found.items() if c} == {}
    assert unsafe_characters("Correct ✅ ❓ 🛠 🔒 ✔ ① ▶") == "✅❓🛠🔒✔①▶"  # the check itself sees them


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig's fc-list is not installed")
@pytest.mark.parametrize("family", ["DejaVu Sans", "Liberation Sans"])
def test_the_font_safe_set_is_in_the_common_fonts(family: str) -> None:
    """The set is honest: the fonts Debian's Chromium falls back on draw every one of its characters."""
    installed = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True).stdout
    if not installed.strip():
        pytest.skip(f"{family} is not installed")
    charset = " ".join(f"{ord(c):x}" for c in sorted(FONT_SAFE) if 0x20 <= ord(c) != 0x7F and c != "\u200b")
    having = subprocess.run(["fc-list", f":family={family}:charset={charset}", "family"],
                            capture_output=True, text=True, check=True).stdout
    assert having.strip(), f"{family} lacks some character of FONT_SAFE"


# --------------------------------------------------------------------------- the counts themselves

def _html_output(page: str) -> Any:
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": page, "text/plain": "x"})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    return nb


def test_the_counts_find_planted_noise() -> None:
    refused = Call(operation="AdminGetUser", request={"UserPoolId": "us-east-1_x", "Username": "Bob"},
                   error=CallError("UserNotFoundException", "User does not exist."))
    assert red_calls(_html_output(call_html(refused, 1))) == ["cell 0: AdminGetUser refused"]
    assert red_calls(_html_output(call_html(refused, 1, expected=True))) == []  # the lesson's point: calm
    long = {"UserPool": {"SchemaAttributes": [{"Name": f"attr{i}"} for i in range(60)]}}
    ok = Call(operation="CreateUserPool", request={"PoolName": "p"}, response=long)
    assert long_outputs(_html_output(call_html(ok, 1))) == []  # folded after its first lines
    unfolded = (f"<div class='cmk-call' data-operation='CreateUserPool' data-ok='true'><pre>"
                f"{json.dumps(long, indent=2)}</pre></div>")
    assert any("CreateUserPool shows" in p for p in long_outputs(_html_output(unfolded)))
    assert long_outputs(_html_output(folded_pre(json.dumps(long, indent=2)))) == []
    text = nbformat.v4.new_notebook()
    text.cells = [nbformat.v4.new_code_cell("x")]
    text.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="line\n" * 60)]
    assert long_outputs(text) == ["cell 0: an output of 60 lines"]


# --------------------------------------------------------------------------- what the first cell imports

def _code(cell: Any) -> ast.Module:
    """A code cell as Python (IPython's ``!`` and ``%`` lines turned into calls, as the kernel runs them)."""
    return ast.parse(TransformerManager().transform_cell(cell.source))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_first_cell_imports_what_every_later_cell_needs(path: Path) -> None:
    """After a kernel restart a trainee may run any cell first: the first code cell is the one to run, and it
    imports everything; no later cell imports anything (so "run the cells above" is always the fix)."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    first, later = _code(cells[0]), [_code(c) for c in cells[1:]]
    imported = {alias.asname or alias.name for node in ast.walk(first) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert imported == FIRST_CELL_IMPORTS
    for i, tree in enumerate(later, 2):
        imports = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert imports == [], f"code cell {i} imports: {imports} (move it to the first cell)"

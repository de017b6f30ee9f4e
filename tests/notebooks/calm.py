"""What makes a notebook read as broken when nothing is, counted in an executed notebook's outputs.

- a **red call**: a Cognito call shown as refused (``.cmk-call[data-ok=false]``) that the lesson did not announce
  (``data-expected`` is not ``true``: :func:`cognito_mfa_kit.course.expect` marks the failures a lesson is about);
- an **unfolded long response**: a call that shows more than :data:`SCREEN_LINES` lines before any click (text
  inside a closed ``<details>`` fold does not count; its ``<summary>`` does);
- a **long output**: any output that shows more than that many lines.

Lines are counted as a browser lays them out, roughly: each line of a ``<pre>``, and each block element (``div``,
``p``, ``summary``, table rows...) starts a line; long lines wrapping is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

#: About one screen of output: a 900-px-high window shows ~40 lines of the notebook's output text.
SCREEN_LINES = 40

_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr"}
_BLOCKS = {"div", "p", "pre", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table",
           "blockquote", "ul", "ol", "hr", "br"}


@dataclass
class _Call:
    operation: str
    ok: bool
    expected: bool
    start: int  # index in the reader's text where the call begins
    end: int = -1


class _Reader(HTMLParser):
    """The visible text of an HTML output (closed folds left out), with line breaks where blocks begin and end."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.calls: list[_Call] = []
        self._details: list[bool] = []  # one per open <details>: True while inside its <summary>
        self._hidden = 0  # inside <style> / <script>
        self._open_calls: list[tuple[int, _Call]] = []
        self._depth = 0

    def _visible(self) -> bool:
        return not self._hidden and all(self._details)

    def _break(self) -> None:
        if self._visible():
            self.text.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break()
        if tag in _VOID:
            return
        self._depth += 1
        a = dict(attrs)
        if "cmk-call" in (a.get("class") or "").split() and self._visible():
            call = _Call(a.get("data-operation") or "?", a.get("data-ok") == "true", a.get("data-expected") == "true",
                         start=len(self.text))
            self.calls.append(call)
            self._open_calls.append((self._depth, call))
        elif "cmk-call" in (a.get("class") or "").split():  # a call folded away: still a call, not visible
            self.calls.append(_Call(a.get("data-operation") or "?", a.get("data-ok") == "true",
                                    a.get("data-expected") == "true", start=len(self.text), end=len(self.text)))
        if tag == "details":
            self._details.append(False)
        elif tag == "summary" and self._details:
            self._details[-1] = True
        elif tag in ("style", "script"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag == "details" and self._details:
            self._details.pop()
        elif tag == "summary" and self._details:
            self._details[-1] = False
        elif tag in ("style", "script"):
            self._hidden = max(0, self._hidden - 1)
        if self._open_calls and self._open_calls[-1][0] == self._depth:
            self._open_calls.pop()[1].end = len(self.text)
        self._depth -= 1
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._visible():
            self.text.append(data)

    @staticmethod
    def lines(parts: list[str]) -> int:
        return sum(1 for line in "".join(parts).split("\n") if line.strip())

    def call_lines(self, call: _Call) -> int:
        return self.lines(self.text[call.start:call.end if call.end >= 0 else len(self.text)])


def _outputs(nb: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, output) for i, cell in enumerate(nb.cells) for output in cell.get("outputs", [])]


def _read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader


def red_calls(nb: Any) -> list[str]:
    """Each call shown as refused that no ``course.expect`` announced: ``cell N: Operation refused``."""
    problems = []
    for i, output in _outputs(nb):
        page = (output.get("data") or {}).get("text/html")
        if page:
            problems += [f"cell {i}: {c.operation} refused" for c in _read(page).calls if not c.ok and not c.expected]
    return problems


def output_lines(output: dict[str, Any]) -> int:
    """How many lines ``output`` shows before any click (0 for a widget: its own tests look at it)."""
    data = output.get("data") or {}
    if "application/vnd.jupyter.widget-view+json" in data:
        return 0
    if "text/html" in data:
        return _Reader.lines(_read(data["text/html"]).text)
    shown = output.get("text") or data.get("text/markdown") or data.get("text/plain") or ""
    return sum(1 for line in str(shown).split("\n") if line.strip())


def long_outputs(nb: Any, limit: int = SCREEN_LINES) -> list[str]:
    """Each call that shows more than ``limit`` lines unfolded, and each output longer than that."""
    problems = []
    for i, output in _outputs(nb):
        page = (output.get("data") or {}).get("text/html")
        if page:
            reader = _read(page)
            problems += [f"cell {i}: {c.operation} shows {reader.call_lines(c)} lines" for c in reader.calls
                         if reader.call_lines(c) > limit]
        lines = output_lines(output)
        if lines > limit:
            problems.append(f"cell {i}: an output of {lines} lines")
    return problems


def tallest_output(nb: Any) -> int:
    """The most lines any one output shows (for the report)."""
    return max((output_lines(o) for _i, o in _outputs(nb)), default=0)

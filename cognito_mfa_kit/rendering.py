"""HTML pieces the widgets (``ui``) and the course share to show a call: a long text folded after its first lines.

>>> folded_pre(json.dumps(response, indent=2))   # ≤ FOLD_LINES lines: one <pre>; longer: head + "show all" toggle

A long answer (CreateUserPool's ~250 lines of schema) is shown by its first :data:`FOLD_LINES` lines and a
``<details>`` toggle ("... 241 more lines: show all") that opens the rest in place; every value is escaped.
Plain strings only: no ipywidgets, no IPython.

Text the kit shows keeps to :data:`FONT_SAFE`, characters every common sans-serif font has (a subset of Windows
Glyph List 4, which DejaVu Sans, Liberation Sans, Arial and Noto Sans all cover): no emoji, which a machine without an
emoji font (CI's Chromium, many Linux laptops) draws as empty boxes.
"""

from __future__ import annotations

import html

__all__ = ["FOLD_LINES", "FONT_SAFE", "PRE_STYLE", "folded_pre", "unsafe_characters"]

#: Lines of a long text shown before the "show all" toggle.
FOLD_LINES = 8
# Once open, the toggle line goes (a click on the first lines folds the text again). Where styles are stripped
# (an untrusted notebook), the line simply stays.
_FOLD_STYLE = "<style>details.cmk-fold[open] > summary .cmk-fold-toggle {display: none}</style>"
#: The style of the kit's <pre> blocks (wrapped, slightly smaller than the text around them).
PRE_STYLE = "margin:2px 0;white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere;font-size:0.85em"


def folded_pre(text: str, *, lines: int = FOLD_LINES, css_class: str = "cmk-response", style: str = PRE_STYLE) -> str:
    """``text`` in a ``<pre>`` (escaped); past ``lines`` lines, the rest folded behind a "show all" toggle.

    The head sits in the ``<summary>`` and the rest in the ``<details>`` body, so opening the fold shows the text
    whole, in order. The block carries ``css_class`` (and ``cmk-fold`` when folded).
    """
    e = html.escape
    rows = text.split("\n")
    if len(rows) <= lines + 2:  # folding one or two lines away would save nothing
        return f"<pre class='{e(css_class)}' style='{style}'>{e(text)}</pre>"
    head, rest = "\n".join(rows[:lines]), "\n".join(rows[lines:])
    tight = style + ";margin-bottom:0"
    return (
        _FOLD_STYLE + f"<details class='{e(css_class)} cmk-fold'>"
        f"<summary style='cursor:pointer;list-style:none;display:block'>"
        f"<pre style='{tight}'>{e(head)}</pre>"
        f"<small class='cmk-fold-toggle' style='color:#1a5fb4'>... {len(rows) - lines} more lines "
        "(click to show them)</small></summary>"
        f"<pre style='{style};margin-top:0'>{e(rest)}</pre></details>"
    )


#: Characters the kit's text may use: printable ASCII, Latin-1 (· × ± § é...), and a few WGL4 signs: dashes, quotes,
#: bullet, ellipsis, arrows, ≤ ≥ − ≈ ≠ and simple box/geometric shapes. U+200B (zero-width space, ipywidgets' default
#: placeholder) is never drawn.
FONT_SAFE = frozenset(
    "\n\t\r\u200b"
    + "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xA0, 0x100))
    + "–—‘’‚“”„†‡•…‰‹›€™←↑→↓↔−≈≠≤≥∞─│┌┐└┘├┤►◄▲▼●○■□"  # noqa: RUF001 - the typographic characters the kit may draw, on purpose
)


def unsafe_characters(text: str) -> str:
    """The characters of ``text`` outside :data:`FONT_SAFE`, each once, in order of appearance ('' when none)."""
    return "".join(dict.fromkeys(c for c in text if c not in FONT_SAFE))

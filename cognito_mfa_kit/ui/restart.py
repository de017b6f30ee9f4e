"""What a kit widget says once its kernel is gone: "disconnected, re-run this cell" — CSS only, no front-end code.

When the kernel restarts (or stops), JupyterLab's widget manager (ipywidgets 8) keeps every widget view on the page
and marks each one ``jupyter-widgets-disconnected`` (``DOMWidgetView._comm_live_update``): a broken-link icon before
each element, and a click that goes nowhere (the browser logs ``Cannot send``). A view cannot run Python any more,
but CSS still applies, so every kit widget carries, as its first child, a small HTML block (``cmk-restart-holder``)
with a ``<style>`` and a note hidden while the kernel is connected. Once disconnected:

- the outermost kit widget shows the note (what happened, what to do) instead of the broken-link icons;
- its other children are greyed out and take no clicks, so nothing fails silently.

:func:`add_restart_note` puts it in a widget (once); stable hooks: ``cmk-widget``, ``cmk-restart-note``.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["RESTART_CSS", "RESTART_NOTE", "RestartNote", "add_restart_note"]

#: What a disconnected widget says.
RESTART_NOTE = (
    "Disconnected: the kernel restarted or stopped, so this widget no longer reaches Python. Re-run this cell to "
    "use it again (after a restart, run the cells above it first: menu Run > Run All Above Selected Cell)."
)

RESTART_CSS = """
.cmk-restart-holder { display: none !important; }
.cmk-widget.jupyter-widgets-disconnected > .cmk-restart-holder { display: block !important; height: auto; }
.cmk-widget .cmk-widget > .cmk-restart-holder { display: none !important; }
.cmk-restart-note { display: block; margin: 2px 0 6px; padding: 6px 10px; border-left: 4px solid #9a6700;
  background: #fff8e1; color: #4a3a00; white-space: normal; line-height: 1.4; }
.cmk-widget.jupyter-widgets-disconnected::before,
.cmk-widget .jupyter-widgets-disconnected::before { content: none !important; display: none !important; }
.cmk-widget.jupyter-widgets-disconnected > :not(.cmk-restart-holder) { opacity: 0.45; pointer-events: none; }
"""


class RestartNote(widgets.HTML):
    """The hidden note (and its CSS) that a kit widget shows once the kernel is gone."""

    def __init__(self) -> None:
        super().__init__(f"<style>{RESTART_CSS}</style><div class='cmk-restart-note' role='status'>"
                         f"{RESTART_NOTE}</div>")
        self.add_class("cmk-restart-holder")


def add_restart_note(box: widgets.Box) -> widgets.Box:
    """Mark ``box`` as a kit widget (``cmk-widget``) and give it the restart note as its first child (once)."""
    box.add_class("cmk-widget")
    if not any(isinstance(child, RestartNote) for child in box.children):
        box.children = (RestartNote(), *box.children)
    return box

"""Code entry: six digits checked as they are typed, submitted with Enter or the button."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from ..totp import normalise_code
from .feedback import Action, Refused, StatusLine
from .restart import add_restart_note


class CodeEntry(widgets.VBox):
    """A 6-digit code field (``cmk-code-input``) and a submit button (``cmk-verify-button``).

    The field is checked on every keystroke (``continuous_update``): the hint says what is wrong and the
    button is enabled only for six digits. Enter submits: the text field's front end sends a ``submit``
    message on Enter, handled here with ``on_msg`` (ipywidgets 8 deprecates ``on_submit``, not the message).
    ``on_code(code)`` does the call and returns the success text; it may raise (the error is explained).
    After a success the field is cleared (a TOTP code is single-use).
    """

    code = traitlets.Unicode("", help="The last valid code typed (normalised), or ''.")

    def __init__(
        self,
        on_code: Callable[[str], str | None],
        *,
        label: str = "Code",
        button: str = "Verify",
        status: StatusLine | None = None,
        button_class: str = "cmk-verify-button",
        placeholder: str = "6 digits",
    ) -> None:
        self.on_code = on_code
        self.text = widgets.Text(
            value="", placeholder=placeholder, description=label, continuous_update=True,
            layout=widgets.Layout(width="16em"),
        )
        self.text.add_class("cmk-code-input")
        self.button = widgets.Button(description=button, button_style="primary", disabled=True, icon="check")
        self.button.add_class(button_class)
        self.hint = widgets.HTML("")
        self.hint.add_class("cmk-code-hint")
        own_status = status is None
        self.status = status or StatusLine()
        self.action = Action(
            self.button, self.status, self._submit, inputs=lambda: self.text.value, on_done=self._answered
        )
        self.text.observe(self._typed, names="value")
        self.text.on_msg(self._text_msg)
        # A status shared with a parent form is shown by the parent.
        super().__init__([widgets.HBox([self.text, self.button]), self.hint, *([self.status] if own_status else [])])
        add_restart_note(self)
        self.add_class("cmk-code-entry")

    # -- typing -----------------------------------------------------------------------------------
    def _typed(self, change: dict[str, Any] | None = None) -> None:  # noqa: ARG002 - a traitlets observer
        raw = self.text.value
        if not raw.strip():
            self.code = ""
            self.hint.value = ""
            self.button.disabled = True
            return
        try:
            self.code = normalise_code(raw)
        except ValueError as exc:
            self.code = ""
            self.hint.value = f"<span style='color:#9a6700'>{html.escape(str(exc))}</span>"
            self.button.disabled = True
            return
        self.hint.value = "<span style='color:#1b7f3b'>6 digits, ready — press Enter or the button</span>"
        self.button.disabled = False

    def _answered(self, ok: bool) -> None:
        """After a call: the field as typed; a refused code keeps no "ready" beside the status saying why."""
        self._typed()
        if not ok and self.code:
            self.hint.value = ""

    def _text_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":
            self.submit()

    # -- submitting -------------------------------------------------------------------------------
    def submit(self) -> bool:
        """Submit what is typed (Enter and the button both land here). True if the call succeeded."""
        if self.button.disabled and not self.action.running:
            # Refused before any call: say why, change nothing.
            try:
                normalise_code(self.text.value)
            except ValueError as exc:
                self.status.refuse(f"Not sent: {exc}.")
            return False
        return self.action.trigger()

    def _submit(self) -> str | None:
        try:
            code = normalise_code(self.text.value)
        except ValueError as exc:
            raise Refused(f"Not sent: {exc}.") from None
        message = self.on_code(code)
        self.text.value = ""
        return message

    def set_enabled(self, enabled: bool) -> None:
        """Lock or unlock the field (the button follows the typed value)."""
        self.text.disabled = not enabled
        if enabled:
            self._typed()
        else:
            self.button.disabled = True


__all__ = ["CodeEntry"]

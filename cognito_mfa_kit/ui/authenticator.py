"""A virtual authenticator on screen: the current code and a live countdown, for trainees without a phone."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..totp import PERIOD, VirtualAuthenticator
from .restart import add_restart_note
from .ticker import Ticker


class VirtualAuthenticatorView(widgets.VBox):
    """Shows ``authenticator.code()`` (``cmk-virtual-code``) and the seconds left in its 30 s step.

    A :class:`Ticker` refreshes it every second (traits only); ``stop()`` ends the timer. With
    ``autostart=False`` nothing runs in the background until :meth:`start` (tests call :meth:`tick`).
    """

    def __init__(self, authenticator: VirtualAuthenticator, *, autostart: bool = True) -> None:
        self.authenticator = authenticator
        self.title = widgets.HTML()
        self.code_display = widgets.HTML()
        self.code_display.add_class("cmk-virtual-code")
        self.countdown = widgets.IntProgress(value=PERIOD, min=0, max=PERIOD, description="", bar_style="info")
        self.countdown.add_class("cmk-virtual-countdown")
        self.seconds = widgets.Label()
        self.seconds.add_class("cmk-virtual-seconds")
        self.current_code = ""
        self.ticker = Ticker(self.tick, 1.0, name="cmk-virtual-authenticator")
        super().__init__([self.title, self.code_display, widgets.HBox([self.countdown, self.seconds])])
        add_restart_note(self)
        self.add_class("cmk-virtual-authenticator")
        self.tick()
        if autostart:
            self.start()

    def tick(self) -> None:
        """Redraw the code and the countdown from the authenticator's clock."""
        a = self.authenticator
        code = a.code()
        left = a.seconds_left()
        self.title.value = (
            f"<small>Virtual authenticator — {html.escape(a.issuer or '')} "
            f"({html.escape(a.account_name)})</small>"
        )
        self.current_code = code
        self.code_display.value = (
            f"<span style='font-family:monospace;font-size:1.8em;letter-spacing:0.15em'>"
            f"{code}</span>"
        )
        self.countdown.value = left
        self.countdown.bar_style = "warning" if left <= 5 else "info"
        self.seconds.value = f"{left} s left"

    def start(self) -> None:
        self.ticker.start()

    def stop(self) -> None:
        self.ticker.stop()

    def close(self) -> None:
        self.stop()
        super().close()

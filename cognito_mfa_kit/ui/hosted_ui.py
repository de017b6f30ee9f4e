"""The hosted-UI sign-in widget: the link to open, a wait for the browser to come back, then the tokens and their
scopes.

>>> ui.HostedUiSignIn(lab, flows.hosted_ui(lab, pool, scopes=("openid", "email")))

A background timer (``ticker.Ticker``) polls the callback catcher; when the code arrives it exchanges it at
/oauth2/token (the call is copied into the widget's own journal) and shows the tokens verified against the pool's
keys, with the scopes the access token carries — and whether it may call GetUser / AssociateSoftwareToken. The timer
only changes traits (it never prints). Stable CSS classes: ``cmk-hosted-ui``, ``cmk-hosted-link`` (the ``<a>``),
``cmk-hosted-scopes``, ``cmk-status``, ``cmk-tokens``.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets
import traitlets

from ..journal import Journal
from .feedback import StatusLine
from .journal_view import JournalView, copying_calls
from .ticker import Ticker
from .token_viewer import TokenViewer

#: how long the widget waits for the browser (a code lives five minutes)
WAIT_SECONDS = 300.0


class HostedUiSignIn(widgets.VBox):
    """Shows ``sign_in``'s link; ``code`` and then ``tokens`` are set when the browser comes back."""

    sign_in = traitlets.Any(None, allow_none=True)
    code = traitlets.Any(None, allow_none=True)
    tokens = traitlets.Any(None, allow_none=True)
    #: waiting | exchanging | done | failed | stopped
    state = traitlets.Unicode("idle")

    def __init__(self, lab: Any, sign_in: Any = None, *, autostart: bool = True, interval: float = 0.5,
                 wait_seconds: float = WAIT_SECONDS, show_calls: bool = True) -> None:
        self.lab = lab
        self.link = widgets.HTML("")
        self.link.add_class("cmk-hosted-link-box")
        self.scopes = widgets.HTML("")
        self.scopes.add_class("cmk-hosted-scopes")
        self.status = StatusLine()
        self.token_viewer = TokenViewer(lab)
        self.token_viewer.layout.display = "none"
        self.journal = Journal()
        self.journal_view = JournalView(self.journal, max_calls=5, title="Calls this sign-in made") \
            if show_calls else None
        self.autostart, self.wait_seconds = autostart, wait_seconds
        self._started_at = 0.0
        self.ticker = Ticker(self.tick, interval, name="cmk-hosted-ui")
        parts: list[Any] = [self.link, self.scopes, self.status, self.token_viewer]
        if self.journal_view is not None:
            parts.append(self.journal_view)
        super().__init__(parts)
        self.add_class("cmk-hosted-ui")
        self.observe(self._sign_in_changed, names="sign_in")
        self.sign_in = sign_in
        if sign_in is None:
            self._sign_in_changed()  # no change to observe: draw the empty state

    # ------------------------------------------------------------------ drawing
    def _sign_in_changed(self, _change: Any = None) -> None:
        self.ticker.stop()
        self.code, self.tokens = None, None
        self.token_viewer.layout.display = "none"
        sign_in = self.sign_in
        if sign_in is None:
            self.link.value = "<i>No sign-in yet: make one with flows.hosted_ui(lab, pool).</i>"
            self.scopes.value = ""
            self.state = "idle"
            return
        e = html.escape
        via = f" (straight to {e(sign_in.identity_provider)})" if sign_in.identity_provider else ""
        self.link.value = (
            f"<b>Open the hosted UI{via}:</b> <a class='cmk-hosted-link' href='{e(sign_in.url)}' target='_blank' "
            f"rel='noopener'>sign in at {e(sign_in.ui.base_url)}</a><br><small>Managed login sends the browser "
            f"back to <code>{e(sign_in.ui.redirect_uri)}</code> with a code; this widget then exchanges it.</small>")
        self.scopes.value = f"<small>Scopes asked: <code>{e(' '.join(sign_in.scopes))}</code></small>"
        self.status.info("Not waiting yet." if not self.autostart else "Waiting for the browser to come back…")
        self.state = "idle"
        if self.autostart:
            self.start()

    def start(self) -> HostedUiSignIn:
        """Wait for the browser (in the background)."""
        if self.sign_in is None or self.tokens is not None:
            return self
        from ..flows.hosted_ui import start_callback_listener

        try:
            start_callback_listener(self.sign_in)
        except OSError as exc:  # the callback port is taken
            self.status.error(exc)
            self.state = "failed"
            return self
        self._started_at = time.monotonic()
        self.state = "waiting"
        self.status.info("Waiting for the browser to come back…")
        self.ticker.start()
        return self

    def tick(self) -> None:
        """One poll of the callback catcher (the timer calls it; tests may too). Sets traits only."""
        if self.sign_in is None or self.state not in ("waiting", "idle"):
            return
        from ..flows.hosted_ui import exchange_code, poll_code

        try:
            with copying_calls(self.lab.journal, self.journal):
                code = poll_code(self.lab, self.sign_in)
                if code is None:
                    if self._started_at and time.monotonic() - self._started_at > self.wait_seconds:
                        self.ticker.stop()
                        self.state = "stopped"
                        self.status.refuse("No sign-in came back in time (a code lives 5 minutes): make a new "
                                           "sign-in and try again.")
                    return
                self.code = code
                self.state = "exchanging"
                self.status.busy("The browser is back with a code: exchanging it at /oauth2/token…")
                tokens = exchange_code(self.lab, self.sign_in, code)
        except Exception as exc:  # noqa: BLE001 - shown, never raised from the timer
            self.ticker.stop()
            self.state = "failed"
            self.status.error(exc)
            return
        self.ticker.stop()
        self._show(tokens)

    def _show(self, tokens: Any) -> None:
        self.tokens = tokens
        self.state = "done"
        e = html.escape
        admin = tokens.has_admin_scope
        verdict = ("it may call GetUser, AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference"
                   if admin else "it lacks <code>aws.cognito.signin.user.admin</code>: GetUser, "
                   "AssociateSoftwareToken & co. answer <i>Access Token does not have required scopes</i>")
        self.scopes.value = (f"<small>Scopes asked: <code>{e(' '.join(self.sign_in.scopes))}</code></small><br>"
                             f"<b>The access token carries</b> <code class='cmk-token-scope'>"
                             f"{e(' '.join(tokens.scopes))}</code> — {verdict}.")
        self.token_viewer.layout.display = ""
        self.token_viewer.show(tokens, pool_id=self.sign_in.ui.pool_id, client_id=self.sign_in.ui.client_id)
        self.status.ok(f"Signed in through the hosted UI as {tokens.username}.")

    def stop(self) -> None:
        self.ticker.stop()
        if self.state == "waiting":
            self.state = "stopped"

    def close(self) -> None:
        self.stop()
        if self.journal_view is not None:
            self.journal_view.close()
        super().close()

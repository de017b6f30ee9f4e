"""The challenge responder: answers whatever Cognito asks next, and shows how long the session has left."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets

from ..clockhint import clock_ahead
from ..journal import Journal
from ..totp import VirtualAuthenticator
from .authenticator import VirtualAuthenticatorView
from .code_entry import CodeEntry
from .enrol_form import EnrolForm
from .feedback import Action, StatusLine
from .journal_view import JournalView, copying_calls
from .restart import add_restart_note
from .ticker import Ticker

PROMPTS = {
    "SOFTWARE_TOKEN_MFA": "Type the 6-digit code your authenticator app shows now.",
    "SMS_MFA": "Type the code sent by SMS (the sandbox sends nothing: it keeps the SMS in its outbox).",
    "EMAIL_OTP": "Type the code sent by email (the sandbox sends nothing: it keeps the mail in its outbox).",
    "SMS_OTP": "Passwordless sign-in: type the code sent by SMS (kept in the sandbox's outbox).",
    "SELECT_CHALLENGE": "Choice-based sign-in (USER_AUTH): choose how to sign in. After a password the user's MFA "
                        "follows, with a new session.",
    "PASSWORD": "Type the user's password (the first factor of choice-based sign-in).",
    "WEB_AUTHN": "A passkey is answered by the browser's authenticator (navigator.credentials.get); this form "
                 "can't answer it.",
    "SELECT_MFA_TYPE": "More than one factor is enabled and none is preferred: choose one for this sign-in.",
    "NEW_PASSWORD_REQUIRED": "The password was temporary (FORCE_CHANGE_PASSWORD): choose the user's new password.",
    "MFA_SETUP": "MFA is required but the user has no authenticator yet: set one up now, in this session "
                 "(associate → verify → answer MFA_SETUP with the session VerifySoftwareToken returned).",
}


#: Challenges answered with a code the pool sent, and how it was sent
SENT_CODES = {"SMS_MFA": "SMS", "SMS_OTP": "SMS", "EMAIL_OTP": "EMAIL"}


class ChallengeResponder(widgets.VBox):
    """Set ``challenge`` (a flows Challenge) and it asks for the right answer; ``tokens`` is set at the end.

    Follows the chain: an answer that brings another challenge shows that one. The session's remaining validity
    (``cmk-session-countdown``) counts down from the app client's AuthSessionValidity on the lab's clock.

    Optional helpers for a trainee without a phone or a terminal:

    - ``authenticator`` (a :class:`~cognito_mfa_kit.totp.VirtualAuthenticator`, or the TOTP secret to build one on
      the pool's clock): its current code (``cmk-virtual-code``) is shown next to the code field of a
      ``SOFTWARE_TOKEN_MFA`` challenge;
    - ``show_calls``: the calls it makes (with an MFA_SETUP enrolment's) are copied into ``journal`` and shown live
      under it (``journal_view``);
    - ``show_tokens``: at the end the tokens' claims are verified and shown (``token_viewer``, ``cmk-tokens``).

    Codes sent by SMS or email (SMS_MFA, EMAIL_OTP, SMS_OTP) can be read from the sandbox's outbox with the
    ``cmk-outbox-button`` (on real AWS they arrive on the user's phone or in their inbox). SELECT_CHALLENGE shows the
    AvailableChallenges (``cmk-first-factor``) and a password field (``cmk-password``) for PASSWORD / PASSWORD_SRP.
    """

    pool = traitlets.Any(None, allow_none=True)
    challenge = traitlets.Any(None, allow_none=True)
    tokens = traitlets.Any(None, allow_none=True)
    #: The Association of an MFA_SETUP answered here (its secret_code is the user's new TOTP secret).
    association = traitlets.Any(None, allow_none=True)

    def __init__(self, lab: Any, pool: Any = None, *, autostart: bool = True, account_name: str = "trainee",
                 device_name: str = "trainee-phone", authenticator: VirtualAuthenticator | str | None = None,
                 show_calls: bool = True, show_tokens: bool = True) -> None:
        self.lab = lab
        if isinstance(authenticator, str):
            on_pool = pool is not None and hasattr(lab, "clock_for")
            clock = lab.clock_for(pool) if on_pool else getattr(lab, "clock", None)
            authenticator = VirtualAuthenticator(authenticator, clock, account_name=account_name)
        self.authenticator: VirtualAuthenticator | None = authenticator
        self.virtual: VirtualAuthenticatorView | None = (
            VirtualAuthenticatorView(authenticator, autostart=False) if authenticator is not None else None
        )
        self.journal = Journal()
        self.journal_view: JournalView | None = (
            JournalView(self.journal, max_calls=10, title="Calls this responder made") if show_calls else None
        )
        self.show_tokens = show_tokens
        self.token_viewer: Any = None
        self.autostart = autostart
        self.account_name, self.device_name = account_name, device_name
        self.history: list[str] = []
        self.header = widgets.HTML("")
        self.header.add_class("cmk-challenge-name")
        self.countdown = widgets.HTML("")
        self.countdown.add_class("cmk-session-countdown")
        self.status = StatusLine()
        self.status.clock_ahead = lambda code: clock_ahead(self.lab, code, pool=self.pool)
        self.body = widgets.VBox([])
        self.code_entry = CodeEntry(self._answer_code, label="Code", button="Respond",
                                    button_class="cmk-respond-button", status=self.status)
        self.choice = widgets.ToggleButtons(options=[], description="Factor")
        self.choice.add_class("cmk-mfa-choice")
        self.new_password = widgets.Password(description="New password")
        self.new_password.add_class("cmk-new-password")
        self.first_factor = widgets.ToggleButtons(options=[], description="Sign in with")
        self.first_factor.add_class("cmk-first-factor")
        self.password = widgets.Password(description="Password")
        self.password.add_class("cmk-password")
        self.outbox_button = widgets.Button(description="Read the code from the sandbox outbox", icon="envelope")
        self.outbox_button.add_class("cmk-outbox-button")
        self.outbox_action = Action(self.outbox_button, self.status, self._read_outbox,
                                    inputs=lambda: id(self.challenge))
        self.respond_button = widgets.Button(description="Respond", button_style="primary")
        self.respond_button.add_class("cmk-respond-button")
        self.respond_action = Action(self.respond_button, self.status, self._answer_other,
                                     inputs=lambda: (id(self.challenge), self.choice.value, self.new_password.value,
                                                     self.first_factor.value, self.password.value))
        self.enrol: EnrolForm | None = None
        self.finish_button = widgets.Button(description="Answer MFA_SETUP", button_style="primary", disabled=True)
        self.finish_button.add_class("cmk-respond-button")
        self.finish_action = Action(self.finish_button, self.status, self._finish_setup,
                                    inputs=lambda: id(self.challenge))
        self.ticker = Ticker(self.tick, 1.0, name="cmk-session-countdown")
        super().__init__([self.header, self.countdown, self.body, self.status,
                          *([self.journal_view] if self.journal_view is not None else [])])
        add_restart_note(self)
        self.add_class("cmk-challenge")
        self.pool = pool
        self.observe(self._challenge_changed, names="challenge")
        self._draw()

    # -- drawing ------------------------------------------------------------------------------------
    def _challenge_changed(self, _change: Any = None) -> None:
        try:
            self._draw()
        except Exception as exc:  # noqa: BLE001 - never raise into the notebook
            self.status.error(exc)

    def _draw(self) -> None:
        c = self.challenge
        if self.enrol is not None:
            self.enrol.close()
            self.enrol = None
        if c is not None and not hasattr(c, "parameters"):
            self.challenge = None
            self.status.refuse(f"Not a challenge: {type(c).__name__}. Give the Challenge sign_in() returned.")
            return
        if self.virtual is not None:
            self.virtual.stop()
        if c is None:
            self.header.value = "<i>No challenge.</i>"
            self.countdown.value = ""
            self.body.children = ()
            self.ticker.stop()
            return
        e = html.escape
        params = dict(c.parameters)
        self.header.value = (f"<b>Cognito asks: <code>{e(c.name)}</code></b> <small>({e(c.api)} API, user "
                             f"{e(c.username)})</small><br><small>{e(PROMPTS.get(c.name, ''))}</small>"
                             f"<br><small>ChallengeParameters: <code>{e(str(params))}</code></small>")
        if c.name == "SOFTWARE_TOKEN_MFA" and self.virtual is not None:
            self.code_entry.set_enabled(True)
            self.virtual.tick()
            if self.autostart:
                self.virtual.start()
            self.body.children = (self.virtual, self.code_entry)
        elif c.name == "SOFTWARE_TOKEN_MFA":
            self.code_entry.set_enabled(True)
            self.body.children = (self.code_entry,)
        elif c.name in SENT_CODES:
            self.code_entry.set_enabled(True)
            on_sandbox = bool(getattr(self.lab, "is_sandbox", False))
            self.body.children = (self.code_entry, *([self.outbox_button] if on_sandbox else []))
        elif c.name == "SELECT_CHALLENGE":
            options = list(getattr(c, "available", ()) or ())
            self.first_factor.options = options
            self.first_factor.value = "PASSWORD" if "PASSWORD" in options else (options[0] if options else None)
            self.password.value = ""
            self.body.children = (self.first_factor, self.password, self.respond_button)
        elif c.name == "PASSWORD":
            self.password.value = ""
            self.body.children = (self.password, self.respond_button)
        elif c.name == "SELECT_MFA_TYPE":
            from ..flows.challenges import choices

            options = choices(c)
            self.choice.options = options
            self.choice.value = "SOFTWARE_TOKEN_MFA" if "SOFTWARE_TOKEN_MFA" in options else (
                options[0] if options else None)
            self.body.children = (self.choice, self.respond_button)
        elif c.name == "NEW_PASSWORD_REQUIRED":
            self.new_password.value = ""
            self.body.children = (self.new_password, self.respond_button)
        elif c.name == "MFA_SETUP":
            self.enrol = EnrolForm(self.lab, session=c.session, account_name=self.account_name or c.username,
                                   device_name=self.device_name, autostart=self.autostart, journal=self.journal,
                                   show_calls=False, pool=self.pool)
            self.enrol.observe(self._verified, names="verification")
            self.finish_button.disabled = True
            self.body.children = (self.enrol, self.finish_button)
        else:
            self.body.children = (widgets.HTML(f"<i>{e(c.name)} is not answered by this form.</i>"),)
        self.tick()
        if self.autostart:
            self.ticker.start()

    def seconds_left(self) -> float | None:
        """Seconds until the current challenge's session expires (None without a challenge)."""
        c = self.challenge
        if c is None:
            return None
        minutes = getattr(self.pool, "session_minutes", 3) or 3
        return c.seconds_left(self.lab, minutes)

    def tick(self) -> None:
        """Redraw the session countdown (traits only)."""
        left = self.seconds_left()
        if left is None:
            self.countdown.value = ""
            return
        if left <= 0:
            self.countdown.value = ("<span style='color:#b3261e'>Session expired — Cognito will refuse an answer; "
                                    "sign in again.</span>")
        else:
            m, s = divmod(int(left), 60)
            colour = "#9a6700" if left < 60 else "#333"
            self.countdown.value = f"<span style='color:{colour}'>Session valid for {m}:{s:02d}</span>"

    # -- answering ------------------------------------------------------------------------------------
    def _follow(self, result: Any) -> str:
        from ..flows.auth import Challenge

        self.history.append(self.challenge.name if self.challenge is not None else "?")
        if isinstance(result, Challenge):
            self.challenge = result
            return f"Accepted; Cognito asks for {result.name} next."
        self.tokens = result
        self.challenge = None
        self.body.children = ()
        if self.show_tokens and self.pool is not None:
            from .token_viewer import TokenViewer

            self.token_viewer = TokenViewer(self.lab)
            self.token_viewer.show(result, pool_id=self.pool.pool_id, client_id=getattr(self.pool, "client_id", None))
            self.body.children = (self.token_viewer,)
        return "Signed in: Cognito answered with tokens."

    def _need(self) -> Any:
        if self.challenge is None:
            raise ValueError("No challenge to answer: sign in first.")
        if self.pool is None:
            raise ValueError("No pool: create the pool first.")
        return self.challenge

    def _own_calls(self) -> Any:
        """A context in which the lab's calls (this thread's) are copied into ``journal``."""
        return copying_calls(getattr(self.lab, "journal", None), self.journal)

    def _answer_code(self, code: str) -> str:
        from ..flows.challenges import respond

        challenge = self._need()
        with self._own_calls():
            result = respond(self.lab, self.pool, challenge, code=code)
        return self._follow(result)

    def _answer_other(self) -> str:
        from ..flows.challenges import respond

        c = self._need()
        if c.name == "SELECT_MFA_TYPE":
            with self._own_calls():
                result = respond(self.lab, self.pool, c, answer=self.choice.value)
            return self._follow(result)
        if c.name == "NEW_PASSWORD_REQUIRED":
            with self._own_calls():
                result = respond(self.lab, self.pool, c, new_password=self.new_password.value)
            return self._follow(result)
        if c.name in ("SELECT_CHALLENGE", "PASSWORD"):
            factor = self.first_factor.value if c.name == "SELECT_CHALLENGE" else None
            needs_password = c.name == "PASSWORD" or factor in ("PASSWORD", "PASSWORD_SRP")
            with self._own_calls():
                result = respond(self.lab, self.pool, c, answer=factor,
                                 password=self.password.value if needs_password else None)
            self.password.value = ""
            return self._follow(result)
        raise ValueError(f"{c.name} is answered above, not with this button.")

    def _read_outbox(self) -> str:
        """Put the newest code the sandbox "sent" for this challenge into the code field."""
        from ..flows.outbox import sent_code

        c = self._need()
        medium = SENT_CODES.get(c.name)
        if medium is None:
            raise ValueError(f"{c.name} sends no code.")
        self.code_entry.text.value = sent_code(self.lab, self.pool, c.username, medium=medium)
        return f"The sandbox's outbox holds the {medium.lower()} code sent to {c.username}: it is in the field."

    def _verified(self, change: Any) -> None:
        verification = change["new"]
        self.finish_button.disabled = not (verification is not None and verification.ok)

    def _finish_setup(self) -> str:
        from ..flows.challenges import respond

        c = self._need()
        if c.name != "MFA_SETUP" or self.enrol is None or self.enrol.verification is None:
            raise ValueError("Verify the authenticator first: MFA_SETUP is answered with VerifySoftwareToken's "
                             "session.")
        with self._own_calls():
            result = respond(self.lab, self.pool, c, session=self.enrol.verification.session)
        self.association = self.enrol.association
        return self._follow(result)

    def stop(self) -> None:
        self.ticker.stop()
        if self.virtual is not None:
            self.virtual.stop()
        if self.enrol is not None:
            self.enrol.stop()

    def close(self) -> None:
        self.stop()
        if self.journal_view is not None:
            self.journal_view.close()
        super().close()

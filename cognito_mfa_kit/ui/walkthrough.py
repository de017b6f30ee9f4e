"""The seed article end to end as a stepper: each step unlocks when the one before succeeded.

Steps: pool → user → sign in → associate & verify the authenticator → MFA preference → sign in with MFA → tokens.
A failed step stays open to retry; a finished step keeps its result (and can be run again); the journal of every
call and (in the sandbox) the clock controls sit below.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from .challenge import ChallengeResponder
from .clock import ClockControls
from .enrol_form import EnrolForm
from .feedback import StatusLine
from .journal_view import JournalView
from .pool_form import PoolForm
from .preference_form import PreferenceForm
from .restart import add_restart_note
from .signin_form import SignInForm
from .token_viewer import TokenViewer
from .user_form import UserForm


@dataclass
class Step:
    """One step of the walkthrough: its form, and whether it has succeeded."""

    key: str
    title: str
    form: widgets.Widget
    done: bool = False
    header: widgets.HTML = field(default_factory=widgets.HTML)
    box: widgets.VBox = field(default_factory=widgets.VBox)


class Walkthrough(widgets.VBox):
    """The whole seed flow as forms. ``Walkthrough(lab)``; ``walkthrough.step("verify").done`` etc.

    ``autostart=False`` keeps the countdowns from running in the background (tests call their ``tick()``).
    """

    def __init__(self, lab: Any = None, *, pool_name: str = "mfa-course", username: str = "Bob",
                 device_name: str = "BobPhone", autostart: bool = True) -> None:
        if lab is None:
            from ..connect import connect

            lab = connect()
        self.lab = lab
        self.autostart = autostart
        self.tokens: Any = None  # from the first sign-in
        self.mfa_tokens: Any = None  # from the sign-in with MFA
        self.status = StatusLine()
        self.pool_form = PoolForm(lab, name=pool_name)
        self.user_form = UserForm(lab, username=username)
        self.signin_form = SignInForm(lab, username=username)
        # The walkthrough shows every call and the tokens once, below the steps: its forms don't repeat them.
        self.first_challenge = ChallengeResponder(lab, autostart=autostart, account_name=username,
                                                  device_name=device_name, show_calls=False, show_tokens=False)
        self.enrol_form = EnrolForm(lab, account_name=username, device_name=device_name, autostart=autostart,
                                    show_calls=False)
        self.preference_form = PreferenceForm(lab, username=username)
        self.mfa_signin_form = SignInForm(lab, username=username)
        self.mfa_challenge = ChallengeResponder(lab, autostart=autostart, account_name=username,
                                                device_name=device_name, show_calls=False, show_tokens=False)
        self.token_viewer = TokenViewer(lab)
        self.journal_view = JournalView(lab.journal)
        self.clock = ClockControls(lab)
        self.clock.on_advance.append(lambda _s: self._tick_all())
        self.steps = [
            Step("pool", "1. Create the user pool and app client (MFA first)", self.pool_form),
            Step("user", "2. Create the user", self.user_form),
            Step("signin", "3. Sign in (to get an access token)",
                 widgets.VBox([self.signin_form, self.first_challenge])),
            Step("enrol", "4–7. Associate an authenticator and verify a code (AssociateSoftwareToken, "
                          "VerifySoftwareToken)", self.enrol_form),
            Step("preference", "8. Make TOTP the user's MFA (as the user, or as an admin)", self.preference_form),
            Step("mfa", "9. Sign in again: password, then the TOTP code",
                 widgets.VBox([self.mfa_signin_form, self.mfa_challenge])),
            Step("tokens", "10. The tokens", self.token_viewer),
        ]
        for step in self.steps:
            step.box.children = (step.form,)
            step.box.add_class(f"cmk-step-{step.key}")
        self._wire()
        self.title = widgets.HTML(f"<h3>TOTP MFA on a Cognito user pool, step by step</h3>"
                                  f"<small>{html.escape(lab.banner())}</small>")
        parts: list[widgets.Widget] = [self.title]
        for step in self.steps:
            parts += [step.header, step.box]
        parts += [self.status, self.clock, self.journal_view]
        super().__init__(parts)
        add_restart_note(self)
        self.add_class("cmk-walkthrough")
        self._refresh()

    # -- structure -------------------------------------------------------------------------------------
    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def unlocked(self, key: str) -> bool:
        """A step is open when every step before it has succeeded."""
        for s in self.steps:
            if s.key == key:
                return True
            if not s.done:
                return False
        raise KeyError(key)

    def _refresh(self) -> None:
        for s in self.steps:
            open_ = self.unlocked(s.key)
            mark = ("<span style='color:#1b7f3b'>[done]</span>" if s.done
                    else "<span style='color:#1a5fb4'>[now]</span>" if open_
                    else "<span style='color:#777'>[later]</span>")
            hint = "" if open_ else " <small>(finish the step before first)</small>"
            s.header.value = f"<h4 style='margin:8px 0 2px'>{mark} {html.escape(s.title)}{hint}</h4>"
            s.header.remove_class("cmk-step-done")
            s.header.remove_class("cmk-step-locked")
            s.header.add_class("cmk-step-done" if s.done else ("cmk-step-open" if open_ else "cmk-step-locked"))
            s.box.layout.display = None if open_ else "none"

    def _complete(self, key: str) -> None:
        self.step(key).done = True
        self._refresh()

    def _tick_all(self) -> None:
        for responder in (self.first_challenge, self.mfa_challenge):
            responder.tick()
        if self.enrol_form.card is not None and self.enrol_form.card.virtual is not None:
            self.enrol_form.card.virtual.tick()

    # -- data flowing from one step to the next ------------------------------------------------------------
    def _wire(self) -> None:
        def guarded(fn):
            def handler(change: dict[str, Any]) -> None:
                try:
                    fn(change["new"])
                except Exception as exc:  # noqa: BLE001 - never raise into the notebook
                    self.status.error(exc)
            return handler

        self.pool_form.observe(guarded(self._pool_ready), names="pool")
        self.user_form.observe(guarded(self._user_ready), names="user")
        self.signin_form.observe(guarded(self._first_result), names="result")
        self.first_challenge.observe(guarded(self._signed_in), names="tokens")
        self.enrol_form.observe(guarded(self._verified), names="verification")
        self.preference_form.observe(guarded(lambda done: self._complete("preference") if done else None), names="done")
        self.mfa_signin_form.observe(guarded(self._mfa_result), names="result")
        self.mfa_challenge.observe(guarded(self._mfa_tokens), names="tokens")

    def _pool_ready(self, pool: Any) -> None:
        if pool is None:
            return
        for form in (self.user_form, self.signin_form, self.first_challenge, self.preference_form,
                     self.mfa_signin_form, self.mfa_challenge):
            form.pool = pool
        self.clock.pool = pool  # the clock buttons move this pool's clock, not the others'
        self._complete("pool")

    def _user_ready(self, user: Any) -> None:
        if user is None:
            return
        for form in (self.signin_form, self.mfa_signin_form):
            form.username.value = user.username
            form.password.value = user.password
        self.preference_form.username = user.username
        self._complete("user")

    def _first_result(self, result: Any) -> None:
        from ..flows.auth import Challenge

        if isinstance(result, Challenge):
            self.first_challenge.challenge = result
        elif result is not None:
            self._signed_in(result)

    def _signed_in(self, tokens: Any) -> None:
        if tokens is None:
            return
        self.tokens = tokens
        self.enrol_form.access_token = tokens.access_token
        self.preference_form.access_token = tokens.access_token
        self._complete("signin")
        if self.first_challenge.association is not None:
            # MFA_SETUP was answered during this sign-in: the authenticator is already registered.
            self.enrol_form.association = self.first_challenge.association
            self._complete("enrol")

    def _verified(self, verification: Any) -> None:
        if verification is not None and verification.ok:
            self._complete("enrol")

    def _mfa_result(self, result: Any) -> None:
        from ..flows.auth import Challenge

        if isinstance(result, Challenge):
            self.mfa_challenge.challenge = result
        elif result is not None:
            self.mfa_signin_form.status.info("Cognito gave tokens without asking for a code: is TOTP enabled and "
                                             "preferred (step 8)?")
            self._mfa_tokens(result)

    def _mfa_tokens(self, tokens: Any) -> None:
        if tokens is None:
            return
        self.mfa_tokens = tokens
        self._complete("mfa")
        pool = self.pool_form.pool
        self.token_viewer.show(tokens, pool_id=pool.pool_id, client_id=pool.client_id)
        if self.token_viewer.claims:
            self._complete("tokens")

    # -- the virtual authenticator, for trainees without a phone -------------------------------------------
    def virtual_code(self) -> str | None:
        """The current code of the enrolment card's virtual authenticator (None before associating)."""
        card = self.enrol_form.card
        return card.authenticator.code() if card is not None else None

    def stop(self) -> None:
        """Stop every timer (countdowns, virtual authenticator) and the journal subscription."""
        for w in (self.first_challenge, self.mfa_challenge, self.enrol_form, self.journal_view):
            w.stop()

    def close(self) -> None:
        self.stop()
        super().close()

"""Enrolment: AssociateSoftwareToken → the enrolment card → VerifySoftwareToken with a typed code.

Works on both of Cognito's paths: a signed-in user (``access_token``) or the MFA_SETUP chain (``session``; each
step's answer carries the session for the next).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from ..clockhint import clock_ahead
from ..journal import Journal
from ..totp import DEFAULT_ISSUER
from .code_entry import CodeEntry
from .enrolment import TotpEnrolmentCard
from .feedback import Action, StatusLine
from .journal_view import JournalView, copying_calls
from .restart import add_restart_note


class EnrolForm(widgets.VBox):
    """Associate (``cmk-associate-button``), scan or type the key, then verify a code (``cmk-verify-button``).

    ``association`` and ``verification`` hold the flows' answers (``verification.session`` continues MFA_SETUP).
    Set ``access_token`` or ``session`` (exactly one) before associating.

    The calls its buttons make (AssociateSoftwareToken, VerifySoftwareToken) are copied into ``journal`` (a
    :class:`~cognito_mfa_kit.journal.Journal` of their own unless one is given; ``lab.journal`` still has them) and,
    with ``show_calls`` (default), shown live under the form in a :class:`JournalView` (``journal_view``).
    """

    access_token = traitlets.Unicode(None, allow_none=True)
    session = traitlets.Unicode(None, allow_none=True)
    association = traitlets.Any(None, allow_none=True)
    verification = traitlets.Any(None, allow_none=True)

    def __init__(self, lab: Any, *, access_token: str | None = None, session: str | None = None,
                 account_name: str = "trainee", issuer: str = DEFAULT_ISSUER, device_name: str = "BobPhone",
                 autostart: bool = True, journal: Journal | None = None, show_calls: bool = True,
                 pool: Any = None) -> None:
        self.lab = lab
        self.pool = pool  # the user's pool: its clock times the codes (read from the access token when not given)
        self.journal = journal if journal is not None else Journal()
        self.journal_view: JournalView | None = (
            JournalView(self.journal, max_calls=10, title="Calls this form made") if show_calls else None
        )
        self.account_name, self.issuer, self.autostart = account_name, issuer, autostart
        self.card: TotpEnrolmentCard | None = None
        self.associate_button = widgets.Button(description="Associate authenticator", button_style="primary",
                                               icon="qrcode", layout=widgets.Layout(width="auto"))
        self.associate_button.add_class("cmk-associate-button")
        self.status = StatusLine()
        self.card_box = widgets.VBox([])
        self.device_name = widgets.Text(value=device_name, description="Device name",
                                        style={"description_width": "initial"})
        self.device_name.add_class("cmk-device-name")
        self.status.clock_ahead = lambda code: clock_ahead(
            self.lab, code, pool=self.pool or getattr(self.association, "pool_id", None))
        self.code_entry = CodeEntry(self._verify, label="Code", button="Verify", status=self.status)
        self.code_entry.set_enabled(False)
        self.verify_box = widgets.VBox([self.device_name, self.code_entry])
        self.action = Action(self.associate_button, self.status, self._associate,
                             inputs=lambda: (self.access_token, self.session))
        super().__init__([self.associate_button, self.card_box, self.verify_box, self.status,
                          *([self.journal_view] if self.journal_view is not None else [])])
        add_restart_note(self)
        self.add_class("cmk-enrol-form")
        self.access_token, self.session = access_token, session

    def _own_calls(self) -> Any:
        """A context in which the lab's calls (this thread's) are copied into ``journal``."""
        return copying_calls(getattr(self.lab, "journal", None), self.journal)

    def _associate(self) -> str:
        from ..flows.enrol import associate

        with self._own_calls():
            association = associate(self.lab, access_token=self.access_token or None, session=self.session or None,
                                    pool=self.pool)
        if self.card is not None:
            self.card.close()
        clock = self.lab.clock_for(association.pool_id) if association.pool_id else self.lab.clock
        self.card = TotpEnrolmentCard(association.secret_code, account_name=self.account_name, issuer=self.issuer,
                                      clock=clock, autostart=self.autostart)
        self.card_box.children = (self.card,)
        self.association = association
        self.verification = None
        self.code_entry.set_enabled(True)
        return "Secret received (AssociateSoftwareToken). Add it to an authenticator app, then type its code."

    def _verify(self, code: str) -> str:
        from ..flows.enrol import verify

        if self.association is None:
            raise ValueError("Associate first: there is no secret to verify yet.")
        device = self.device_name.value.strip() or None
        with self._own_calls():
            if self.association.session:  # MFA_SETUP chain: verify with the session associate returned
                verification = verify(self.lab, code, session=self.association.session, device_name=device)
            else:
                verification = verify(self.lab, code, access_token=self.access_token, device_name=device)
        self.verification = verification
        if not verification.ok:
            raise RuntimeError(f"VerifySoftwareToken answered Status={verification.status}")
        self.code_entry.set_enabled(False)
        return "Authenticator verified (Status SUCCESS)."

    def stop(self) -> None:
        if self.card is not None:
            self.card.stop()

    def close(self) -> None:
        self.stop()
        if self.journal_view is not None:
            self.journal_view.close()
        super().close()

"""MFA preference: the user's call and the admin's call side by side, and what each changed."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets

from ..rendering import PRE_STYLE
from .feedback import Action, StatusLine
from .restart import add_restart_note

USER_NOTE = ("<b>As the user</b> — <code>SetUserMFAPreference</code> with the user's <i>access token</i>: what an "
             "app calls for the signed-in user; no AWS credentials needed.")
ADMIN_NOTE = ("<b>As an admin</b> — <code>AdminSetUserMFAPreference</code> with the <i>pool id and username</i>: "
              "a back end or operator with IAM credentials; works without the user signed in.")


class _Column(widgets.VBox):
    def __init__(self, note: str, css: str, label: str) -> None:
        self.enabled = widgets.Checkbox(value=True, description="TOTP enabled", indent=False)
        self.enabled.add_class(f"{css}-enabled")
        self.preferred = widgets.Checkbox(value=True, description="TOTP preferred", indent=False)
        self.preferred.add_class(f"{css}-preferred")
        self.button = widgets.Button(description=label, button_style="primary")
        self.button.add_class(f"{css}-button")
        self.cli = widgets.HTML("")
        self.cli.add_class("cmk-cli")
        self.status = StatusLine()
        super().__init__([widgets.HTML(note), self.enabled, self.preferred, self.button, self.status, self.cli],
                         layout=widgets.Layout(width="50%", padding="0 8px"))
        self.add_class(css)


class PreferenceForm(widgets.VBox):
    """``flows.preference.set_preference`` (left) and ``admin_set_preference`` (right); after each, the user's
    MFA status (AdminGetUser) shows what changed. Needs ``pool``, ``username`` and, for the user call,
    ``access_token``."""

    pool = traitlets.Any(None, allow_none=True)
    username = traitlets.Unicode("")
    access_token = traitlets.Unicode(None, allow_none=True)
    done = traitlets.Bool(False, help="True once either call succeeded.")

    def __init__(self, lab: Any, pool: Any = None, *, username: str = "", access_token: str | None = None) -> None:
        self.lab = lab
        self.user = _Column(USER_NOTE, "cmk-user-preference", "Set (user)")
        self.admin = _Column(ADMIN_NOTE, "cmk-admin-preference", "Set (admin)")
        self.mfa_status = widgets.HTML("")
        self.mfa_status.add_class("cmk-mfa-status")
        self.user_action = Action(self.user.button, self.user.status, self._as_user,
                                  inputs=lambda: ("u", self.access_token, self.user.enabled.value,
                                                  self.user.preferred.value))
        self.admin_action = Action(self.admin.button, self.admin.status, self._as_admin,
                                   inputs=lambda: ("a", self.pool, self.username, self.admin.enabled.value,
                                                   self.admin.preferred.value))
        super().__init__([widgets.HBox([self.user, self.admin]), self.mfa_status])
        add_restart_note(self)
        self.add_class("cmk-preference-form")
        self.pool, self.username, self.access_token = pool, username, access_token

    def _last_cli(self, before: int) -> str:
        calls = self.lab.journal[before:]
        return calls[0].as_cli() if calls else ""

    def _after(self, column: _Column, before: int) -> None:
        from ..flows.users import mfa_status

        column.cli.value = (f"<pre style='{PRE_STYLE};user-select:all'>"
                            f"{html.escape(self._last_cli(before))}</pre>")
        self.done = True
        try:
            status = mfa_status(self.lab, self.pool, self.username)
            e = html.escape
            self.mfa_status.value = (
                f"<small>Now (AdminGetUser): UserMFASettingList {e(str(list(status.mfa_setting_list)))}, "
                f"PreferredMfaSetting {e(str(status.preferred))}</small>"
            )
            # Both columns show the user's settings as they are now (one call changes what the other would send).
            enabled = "SOFTWARE_TOKEN_MFA" in status.mfa_setting_list
            for side in (self.user, self.admin):
                side.enabled.value, side.preferred.value = enabled, status.preferred == "SOFTWARE_TOKEN_MFA"
        except Exception:  # noqa: BLE001 - never raise into the notebook: the form says why
            self.mfa_status.value = ""

    def _as_user(self) -> str:
        from ..flows.preference import set_preference

        if not self.access_token:
            raise ValueError("No access token: sign in first (the user call acts as the signed-in user).")
        before = len(self.lab.journal)
        set_preference(self.lab, self.access_token, totp_enabled=bool(self.user.enabled.value),
                       totp_preferred=bool(self.user.preferred.value))
        self._after(self.user, before)
        return "Preference set by the user (SetUserMFAPreference)."

    def _as_admin(self) -> str:
        from ..flows.preference import admin_set_preference

        if self.pool is None:
            raise ValueError("No pool yet: create the pool first.")
        before = len(self.lab.journal)
        admin_set_preference(self.lab, self.pool, self.username, totp_enabled=bool(self.admin.enabled.value),
                             totp_preferred=bool(self.admin.preferred.value))
        self._after(self.admin, before)
        return f"Preference of {self.username} set by an admin (AdminSetUserMFAPreference)."

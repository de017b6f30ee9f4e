"""The user form: a user of the teaching pool (password masked; blank = generated) and its MFA status."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets

from .feedback import Action, StatusLine
from .restart import add_restart_note


class UserForm(widgets.VBox):
    """Creates (or finds again) a user with ``flows.users.create_user``; result in ``user``.

    ``pool`` must be set (a TeachingPool) before creating. "MFA status" reads AdminGetUser's factors.
    """

    pool = traitlets.Any(None, allow_none=True)
    user = traitlets.Any(None, allow_none=True, help="The TrainingUser once created.")

    def __init__(self, lab: Any, pool: Any = None, *, username: str = "Bob") -> None:
        self.lab = lab
        self.username = widgets.Text(value=username, description="Username")
        self.username.add_class("cmk-username")
        self.password = widgets.Password(value="", description="Password", placeholder="blank: generate one")
        self.password.add_class("cmk-user-password")
        self.permanent = widgets.Checkbox(value=True, indent=False,
                                          description="Permanent password (else NEW_PASSWORD_REQUIRED at sign-in)")
        self.permanent.add_class("cmk-user-permanent")
        self.button = widgets.Button(description="Create user", button_style="primary", icon="user-plus")
        self.button.add_class("cmk-create-user-button")
        self.status_button = widgets.Button(description="MFA status", icon="info")
        self.status_button.add_class("cmk-mfa-status-button")
        self.status = StatusLine()
        self.mfa_status = widgets.HTML("")
        self.mfa_status.add_class("cmk-mfa-status")
        self.action = Action(self.button, self.status, self._create, inputs=self.inputs)
        self.status_action = Action(self.status_button, self.status, self._show_status,
                                    inputs=lambda: (self.username.value, len(lab.journal)))
        super().__init__([self.username, self.password, self.permanent,
                          widgets.HBox([self.button, self.status_button]), self.status, self.mfa_status])
        add_restart_note(self)
        self.add_class("cmk-user-form")
        self.pool = pool

    def inputs(self) -> tuple[Any, ...]:
        return (self.pool, self.username.value, self.password.value, self.permanent.value)

    def _need_pool(self) -> Any:
        if self.pool is None:
            raise ValueError("No pool yet: create the pool first.")
        return self.pool

    def _create(self) -> str:
        from ..flows.users import create_user

        pool = self._need_pool()
        user = create_user(self.lab, pool, self.username.value, self.password.value or None,
                           permanent=bool(self.permanent.value))
        self.user = user
        generated = "" if self.password.value else " with a generated password (kept, masked, for the next steps)"
        return f"User {user.username} {'created' if user.created else 'found again'}{generated}."

    def _show_status(self) -> str:
        from ..flows.users import mfa_status

        status = mfa_status(self.lab, self._need_pool(), self.username.value)
        e = html.escape
        self.mfa_status.value = (
            f"<small><code>{e(status.username)}</code>: status {e(str(status.user_status))}; "
            f"UserMFASettingList {e(str(list(status.mfa_setting_list)))}; "
            f"PreferredMfaSetting {e(str(status.preferred))}</small>"
        )
        return f"MFA status of {status.username} read (AdminGetUser)."

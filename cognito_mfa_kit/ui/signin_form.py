"""The sign-in form: admin API or client API, password or SRP; the answer is tokens or a challenge."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from .feedback import Action, StatusLine
from .restart import add_restart_note

API_NOTES = {
    "admin": "AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH): a back end with IAM credentials signs the user in — "
             "the seed's command. Needs ALLOW_ADMIN_USER_PASSWORD_AUTH on the app client.",
    "client": "InitiateAuth: what an app in the browser or on a phone calls, with no AWS credentials "
              "(USER_PASSWORD_AUTH or USER_SRP_AUTH on the app client).",
}
METHOD_NOTES = {
    "password": "The password travels to Cognito (over TLS).",
    "srp": "Secure Remote Password: Cognito checks a proof; the password never leaves this machine "
           "(an extra PASSWORD_VERIFIER round trip, answered for you).",
}


class SignInForm(widgets.VBox):
    """Signs in with ``flows.signin.sign_in``; ``result`` is the Tokens or the Challenge Cognito answered."""

    pool = traitlets.Any(None, allow_none=True)
    result = traitlets.Any(None, allow_none=True)

    def __init__(self, lab: Any, pool: Any = None, *, username: str = "Bob", password: str = "",
                 api: str = "admin", method: str = "password") -> None:
        self.lab = lab
        self.username = widgets.Text(value=username, description="Username")
        self.username.add_class("cmk-signin-username")
        self.password = widgets.Password(value=password, description="Password")
        self.password.add_class("cmk-signin-password")
        self.api = widgets.ToggleButtons(options=[("Admin API", "admin"), ("Client API", "client")], value=api,
                                         description="API")
        self.api.add_class("cmk-signin-api")
        self.method = widgets.ToggleButtons(options=[("Password", "password"), ("SRP", "srp")], value=method,
                                            description="Method")
        self.method.add_class("cmk-signin-method")
        self.note = widgets.HTML("")
        self.button = widgets.Button(description="Sign in", button_style="primary", icon="sign-in")
        self.button.add_class("cmk-signin-button")
        self.status = StatusLine()
        self.action = Action(self.button, self.status, self._sign_in, inputs=self.inputs)
        self.api.observe(self._explain, names="value")
        self.method.observe(self._explain, names="value")
        self._explain()
        super().__init__([self.username, self.password, self.api, self.method, self.note, self.button, self.status])
        add_restart_note(self)
        self.add_class("cmk-signin-form")
        self.pool = pool

    def inputs(self) -> tuple[Any, ...]:
        return (self.pool, self.username.value, self.password.value, self.api.value, self.method.value)

    def _explain(self, _change: Any = None) -> None:
        self.note.value = f"<small>{API_NOTES[self.api.value]} {METHOD_NOTES[self.method.value]}</small>"

    def _sign_in(self) -> str:
        from ..flows.signin import Challenge, sign_in

        if self.pool is None:
            raise ValueError("No pool yet: create the pool first.")
        result = sign_in(self.lab, self.pool, self.username.value, self.password.value,
                         api=self.api.value, method=self.method.value)
        self.result = result
        if isinstance(result, Challenge):
            return f"Password accepted; Cognito asks for {result.name} next."
        return "Signed in: Cognito answered with tokens (no MFA was asked)."

"""The pool and app-client form: MFA mode, factors, auth flows, AuthSessionValidity, device remembering."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets

from ..naming import DEFAULT_RUN_ID
from .feedback import Action, StatusLine
from .restart import add_restart_note

#: The app client's auth flows offered, each with why it matters for this course.
AUTH_FLOWS: tuple[tuple[str, str], ...] = (
    ("ALLOW_ADMIN_USER_PASSWORD_AUTH",
     "the seed's <code>admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH</code>: sign-in from a server with "
     "IAM credentials. Without it Cognito answers <i>InvalidParameterException: Auth flow not enabled for this "
     "client</i>."),
    ("ALLOW_USER_PASSWORD_AUTH", "InitiateAuth with the password sent (over TLS) — what a simple app does."),
    ("ALLOW_USER_SRP_AUTH", "InitiateAuth with SRP: the password never leaves the device (Amplify's default)."),
    ("ALLOW_REFRESH_TOKEN_AUTH", "new ID/access tokens from the refresh token, without MFA again."),
)
#: Device remembering as the console words it → ``remember_devices`` (the dropdown's values: "" stands for None,
#: which a Dropdown would show as no selection at all).
REMEMBER = (("Don't remember", ""), ("Always", "always"), ("User opt-in", "user_opt_in"))
#: Wide enough for every description ("Session (min)", "Devices"): ipywidgets cuts longer ones with "…".
_LABELS = {"description_width": "initial"}


class PoolForm(widgets.VBox):
    """Creates (or finds again) a teaching pool with ``flows.pool.create_teaching_pool``; result in ``pool``."""

    pool = traitlets.Any(None, allow_none=True, help="The TeachingPool once created.")

    def __init__(self, lab: Any, *, name: str = "mfa-course", mfa: str = "OPTIONAL",
                 run_id: str = DEFAULT_RUN_ID, session_minutes: int = 3) -> None:
        self.lab = lab
        self.run_id = run_id
        self.name = widgets.Text(value=name, description="Pool name", continuous_update=True)
        self.name.add_class("cmk-pool-name")
        self.mfa = widgets.ToggleButtons(options=["OFF", "OPTIONAL", "ON"], value=mfa, description="MFA",
                                         tooltips=["No MFA", "Each user chooses (the seed's setup)",
                                                   "Required: users set up MFA at first sign-in (MFA_SETUP)"])
        self.mfa.add_class("cmk-pool-mfa")
        self.totp = widgets.Checkbox(value=True, description="TOTP (authenticator app)", indent=False)
        self.totp.add_class("cmk-pool-totp")
        self.sms = widgets.Checkbox(value=False, description="SMS (sandbox: nothing is sent)", indent=False)
        self.sms.add_class("cmk-pool-sms")
        self.flows = {flow: widgets.Checkbox(value=True, description=flow, indent=False) for flow, _ in AUTH_FLOWS}
        for flow, box in self.flows.items():
            box.add_class("cmk-flow-" + flow.lower().replace("_", "-"))
        flow_rows = [widgets.HBox([box, widgets.HTML(f"<small>{why}</small>")]) for (flow, why), box
                     in zip(AUTH_FLOWS, self.flows.values(), strict=True)]
        self.session_minutes = widgets.IntSlider(value=session_minutes, min=3, max=15, description="Session (min)",
                                                 continuous_update=False, style=_LABELS)
        self.session_minutes.add_class("cmk-session-minutes")
        self.remember = widgets.Dropdown(options=REMEMBER, value="", description="Devices", style=_LABELS)
        self.remember.add_class("cmk-remember-devices")
        self.button = widgets.Button(description="Create pool", button_style="primary", icon="users")
        self.button.add_class("cmk-create-pool-button")
        self.status = StatusLine()
        self.summary = widgets.HTML("")
        self.summary.add_class("cmk-pool-summary")
        self.action = Action(self.button, self.status, self._create, inputs=self.inputs)
        super().__init__([
            self.name, self.mfa, widgets.HBox([self.totp, self.sms]),
            widgets.HTML("<b>App client auth flows</b>"), *flow_rows,
            widgets.HTML("<small>AuthSessionValidity: how long a challenge's session lasts (3–15 minutes) — the "
                         "time a trainee has to scan the QR code and type a code.</small>"),
            self.session_minutes, self.remember, self.button, self.status, self.summary,
        ])
        add_restart_note(self)
        self.add_class("cmk-pool-form")

    def inputs(self) -> tuple[Any, ...]:
        return (self.name.value, self.mfa.value, self.totp.value, self.sms.value,
                tuple(f for f, b in self.flows.items() if b.value), self.session_minutes.value, self.remember.value)

    def _create(self) -> str:
        from ..flows.pool import create_teaching_pool

        name = self.name.value.strip()
        if not name:
            raise ValueError("Pool name: it is empty. Type a name such as 'mfa-course'.")
        flows = [f for f, b in self.flows.items() if b.value]
        pool = create_teaching_pool(
            self.lab, name, mfa=self.mfa.value, totp=self.totp.value, sms=self.sms.value, auth_flows=flows,
            session_minutes=int(self.session_minutes.value), remember_devices=self.remember.value or None,
            run_id=self.run_id,
        )
        self.pool = pool
        e = html.escape
        self.summary.value = (
            f"<small>Pool <code>{e(pool.pool_id)}</code> ({e(pool.name)}), app client <code>{e(pool.client_id)}"
            f"</code>; MFA {e(pool.mfa)}, session {pool.session_minutes} min, flows: "
            f"{e(', '.join(pool.auth_flows))}</small>"
        )
        return f"Pool {pool.pool_id} {'created' if pool.created else 'found again and updated'}."

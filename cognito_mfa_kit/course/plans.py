"""What each feature plan allows that touches MFA, tried live (notebook 10): for Lite, Essentials and Plus, a pool of
that plan is asked for each feature and the table shows Cognito's answer — allowed, or its error.

>>> matrix = plan_matrix(lab)      # three teaching pools, a few calls each; renders as a table
>>> matrix.answer("LITE", "Email MFA")
'FeatureUnavailableInTierException'

Each feature is tried and then put back, so the pools can be reused; the pools send email with SES (a placeholder
identity on the sandbox), so that email MFA is refused for its plan only. Sandbox only unless ``allow_aws=True``: on
AWS a Plus pool is billed per MAU with no free tier (and SES needs a verified identity).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import TeachingPool

ALLOWED = "allowed"
TIERS = ("LITE", "ESSENTIALS", "PLUS")


def _totp(lab: Lab, pool: TeachingPool) -> None:
    lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, MfaConfiguration="OPTIONAL",
                                        SoftwareTokenMfaConfiguration={"Enabled": True})


def _email(lab: Lab, pool: TeachingPool) -> None:
    lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, MfaConfiguration="OPTIONAL",
                                        SoftwareTokenMfaConfiguration={"Enabled": True},
                                        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"})
    _totp(lab, pool)  # put back


def _user_auth(lab: Lab, pool: TeachingPool) -> None:
    from ..flows import update_client

    update_client(lab, pool, auth_flows=[*pool.auth_flows, "ALLOW_USER_AUTH"])
    update_client(lab, pool, auth_flows=pool.auth_flows)  # put back


def _passkeys(lab: Lab, pool: TeachingPool) -> None:
    lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, MfaConfiguration="OPTIONAL",
                                        SoftwareTokenMfaConfiguration={"Enabled": True},
                                        WebAuthnConfiguration={"RelyingPartyId": "plans.example.com"})


def _managed_login(lab: Lab, pool: TeachingPool) -> None:
    domain = f"cmk-plans-{uuid.uuid4().hex[:8]}"
    lab.client.create_user_pool_domain(UserPoolId=pool.pool_id, Domain=domain, ManagedLoginVersion=2)
    lab.client.delete_user_pool_domain(UserPoolId=pool.pool_id, Domain=domain)  # put back


def _threat_protection(lab: Lab, pool: TeachingPool) -> None:
    from ..flows.pool import _pool_settings

    lab.client.update_user_pool(**_pool_settings(pool), UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    lab.client.update_user_pool(**_pool_settings(pool), UserPoolAddOns={"AdvancedSecurityMode": "OFF"})
    _totp(lab, pool)  # UpdateUserPool may reset the MFA settings: put them back


#: feature → the calls that use it (each puts the pool back as it was)
FEATURES: dict[str, Callable[[Lab, TeachingPool], None]] = {
    "TOTP MFA": _totp,
    "Email MFA": _email,
    "Choice-based sign-in (ALLOW_USER_AUTH)": _user_auth,
    "Passkeys (WebAuthnConfiguration)": _passkeys,
    "Managed login v2": _managed_login,
    "Threat protection (AUDIT)": _threat_protection,
}


@dataclass
class PlanMatrix:
    """``cells[(tier, feature)]`` → ``allowed`` or Cognito's error code. Renders as an HTML table."""

    cells: dict[tuple[str, str], str] = field(default_factory=dict)

    def answer(self, tier: str, feature: str) -> str:
        return self.cells[(tier, feature)]

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(t.title())}</th>" for t in TIERS)
        rows = []
        for feature in FEATURES:
            tds = []
            for tier in TIERS:
                got = self.cells.get((tier, feature), "")
                bg = "#e6f4ea" if got == ALLOWED else "#fce8e6"
                tds.append(f"<td style='background:{bg}'>{e(got)}</td>")
            rows.append(f"<tr><th style='text-align:left'>{e(feature)}</th>{''.join(tds)}</tr>")
        return (f"<table class='cmk-plan-matrix'><tr><th>feature ↓ / plan →</th>{head}</tr>{''.join(rows)}</table>"
                "<p><small>Each cell is a live call against a pool of that plan.</small></p>")

    def __repr__(self) -> str:
        lines = [" | ".join(["feature", *TIERS])]
        lines += [" | ".join([f, *(self.cells.get((t, f), "") for t in TIERS)]) for f in FEATURES]
        return "\n".join(lines)


def plan_matrix(lab: Lab, *, name: str = "plans", allow_aws: bool = False) -> PlanMatrix:
    """Try every feature of :data:`FEATURES` on a teaching pool of each plan (``name``-lite, -essentials, -plus)."""
    from ..flows import create_teaching_pool
    from ..flows.pool import _email_configuration, _pool_settings

    if not lab.is_sandbox and not allow_aws:
        raise ValueError("allow_aws: plan_matrix creates a Plus pool (billed per MAU, no free tier) on AWS; pass "
                         "allow_aws=True if you mean it, or run it on the sandbox.")
    matrix = PlanMatrix()
    for tier in TIERS:
        pool = create_teaching_pool(lab, f"{name}-{tier.lower()}", tier=tier)
        # Email MFA also needs SES sending, which every plan may have: so the plan is the only thing tried.
        sending = _email_configuration(lab, None, None)
        lab.client.update_user_pool(**_pool_settings(pool, email_configuration=sending))
        _totp(lab, pool)
        for feature, attempt in FEATURES.items():
            try:
                attempt(lab, pool)
                matrix.cells[(tier, feature)] = ALLOWED
            except ClientError as exc:
                matrix.cells[(tier, feature)] = exc.response.get("Error", {}).get("Code", "error")
    return matrix

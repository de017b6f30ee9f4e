"""Notebook 07's table, computed live: pool MFA × factors (TOTP, SMS, email) × feature plan × user MFA state ×
auth flow → what sign-in does.

:func:`playground` signs every user state in with every flow, for every pool configuration, against the target
(the sandbox by default) and returns a :class:`Playground` that renders as a table; :func:`live_answer` computes one
cell (a quiz's answer, checked live).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from .lessons import fresh_user, outcome

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import TeachingPool, TrainingUser
    from ..flows.auth import Api
    from ..flows.signin import Method

__all__ = [
    "PLAYGROUND_COLUMNS", "PLAYGROUND_DEFAULT_FLOWS", "PLAYGROUND_FLOWS", "PLAYGROUND_USERS", "Playground",
    "PoolSetting", "UserState", "live_answer", "playground",
]

class PoolSetting(NamedTuple):
    """A playground column: the pool's MFA mode, its factors and its feature plan."""

    mfa: str  # MfaConfiguration
    totp: bool
    sms: bool
    email: bool = False  # email MFA (EmailMfaConfiguration): Essentials or Plus
    tier: str = "ESSENTIALS"  # UserPoolTier


class UserState(NamedTuple):
    """A playground row: what the user has set up."""

    verified: bool  # a verified TOTP token
    totp_on: bool
    totp_pref: bool
    sms_on: bool
    sms_pref: bool
    phone: bool
    email_on: bool = False  # EmailMfaSettings.Enabled
    email_pref: bool = False
    address: bool = False  # an email address (needed for email MFA)


#: Pool configurations (columns): label → PoolSetting (MfaConfiguration, TOTP, SMS, email, plan).
PLAYGROUND_COLUMNS: dict[str, PoolSetting] = {
    "OFF": PoolSetting("OFF", True, False),
    "OPTIONAL · TOTP": PoolSetting("OPTIONAL", True, False),
    "OPTIONAL · TOTP+SMS": PoolSetting("OPTIONAL", True, True),
    "ON · TOTP": PoolSetting("ON", True, False),
    "ON · TOTP+SMS": PoolSetting("ON", True, True),
    "ON · SMS only": PoolSetting("ON", False, True),
    "OPTIONAL · TOTP+email": PoolSetting("OPTIONAL", True, False, email=True),
    "ON · TOTP+email": PoolSetting("ON", True, False, email=True),
    "Lite · OPTIONAL · TOTP": PoolSetting("OPTIONAL", True, False, tier="LITE"),
    "Lite · OPTIONAL · TOTP+email": PoolSetting("OPTIONAL", True, False, email=True, tier="LITE"),
}
#: User MFA states (rows): label → UserState.
PLAYGROUND_USERS: dict[str, UserState] = {
    "no MFA, no phone": UserState(False, False, False, False, False, False),
    "no MFA, phone number": UserState(False, False, False, False, False, True),
    "no MFA, email address": UserState(False, False, False, False, False, False, address=True),
    "TOTP verified, not enabled": UserState(True, False, False, False, False, False),
    "TOTP enabled + preferred": UserState(True, True, True, False, False, False),
    "TOTP enabled, not preferred": UserState(True, True, False, False, False, False),
    "SMS enabled + preferred": UserState(False, False, False, True, True, True),
    "TOTP + SMS, none preferred": UserState(True, True, False, True, False, True),
    "TOTP + SMS, TOTP preferred": UserState(True, True, True, True, False, True),
    "email enabled + preferred": UserState(False, False, False, False, False, False, True, True, True),
    "TOTP + email, none preferred": UserState(True, True, False, False, False, False, True, False, True),
}
#: Auth flows tried for every cell: label → (api, method) of ``flows.sign_in``.
PLAYGROUND_FLOWS: dict[str, tuple[Api, Method]] = {
    "ADMIN_USER_PASSWORD_AUTH": ("admin", "password"),
    "USER_PASSWORD_AUTH": ("client", "password"),
    "USER_SRP_AUTH": ("client", "srp"),
}
#: The flows :func:`playground` tries by default (SRP gives the same answers and takes ~0.4 s per sign-in).
PLAYGROUND_DEFAULT_FLOWS = ("ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")


@dataclass
class Playground:
    """The live table: ``cells[(user, column)]`` → {flow: outcome}. Renders as HTML (one row per user state)."""

    columns: list[str]
    users: list[str]
    flows: list[str]
    cells: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    pool_id: str = ""
    sign_ins: int = 0

    def outcome(self, user: str, column: str) -> str:
        """The outcome shared by every flow, or each flow's outcome when they differ."""
        by_flow = self.cells[(user, column)]
        distinct = set(by_flow.values())
        if len(distinct) == 1:
            return distinct.pop()
        return "; ".join(f"{f}: {o}" for f, o in by_flow.items())

    def flows_agree(self) -> bool:
        """True when every auth flow gave the same outcome in every cell (MFA comes after the first factor)."""
        return all(len(set(v.values())) == 1 for v in self.cells.values())

    def rows(self) -> list[dict[str, str]]:
        return [{"user": u, **{c: self.outcome(u, c) for c in self.columns}} for u in self.users]

    def _repr_html_(self) -> str:
        e = html.escape
        colour = {"tokens": "#e6f4ea", "SOFTWARE_TOKEN_MFA": "#e8f0fe", "SMS_MFA": "#fef7e0", "EMAIL_OTP": "#e0f7fa",
                  "FeatureUnavailableInTierException": "#eeeeee"}
        head = "".join(f"<th>{e(c)}</th>" for c in self.columns)
        body = []
        for u in self.users:
            tds = []
            for c in self.columns:
                o = self.outcome(u, c)
                bg = colour.get(o, "#fce8e6" if o.startswith("MFA_SETUP") else "#f3e8fd" if "SELECT" in o else "")
                tds.append(f"<td style='background:{bg}'>{e(o)}</td>")
            body.append(f"<tr><th style='text-align:left'>{e(u)}</th>{''.join(tds)}</tr>")
        agree = (f"The {len(self.flows)} auth flows gave the same answer in every cell: MFA is decided after the "
                 "first factor, whichever way the password was checked." if self.flows_agree()
                 else "The auth flows differ in some cells (shown per flow).")
        # A wide table scrolls sideways in its own box instead of being cut off at the output's edge.
        return (f"<div class='cmk-playground-scroll' style='overflow-x:auto;max-width:100%'>"
                f"<table class='cmk-playground'><tr><th>user ↓ / pool →</th>{head}</tr>{''.join(body)}</table></div>"
                f"<p><small>{self.sign_ins} live sign-ins ({', '.join(self.flows)}) against pool "
                f"{e(self.pool_id)}. {e(agree)}</small></p>")

    def __repr__(self) -> str:
        lines = [" | ".join(["user", *self.columns])]
        lines += [" | ".join([r["user"]] + [r[c] for c in self.columns]) for r in self.rows()]
        return "\n".join(lines)


def _prepare_user(lab: Lab, pool: TeachingPool, label: str, state: UserState, index: int) -> TrainingUser:
    from ..flows import Tokens, associate, authenticator, set_preference, sign_in, verify

    user = fresh_user(lab, pool, f"play{index}", phone="+15555550100" if state.phone else None,
                      email=f"play{index}@example.com" if state.address else None)
    if not (state.verified or state.sms_on or state.email_on):
        return user
    tokens = sign_in(lab, pool, user.username, user.password)  # pool OPTIONAL and no MFA yet: tokens
    if not isinstance(tokens, Tokens):
        raise RuntimeError(f"playground: a new user's sign-in asked for {outcome(tokens)} in an OPTIONAL pool.")
    if state.verified:
        secret = associate(lab, access_token=tokens.access_token)
        verify(lab, authenticator(lab, secret).code(), access_token=tokens.access_token, device_name=label[:20])
    if state.totp_on or state.sms_on or state.email_on:
        set_preference(
            lab, tokens.access_token,
            totp_enabled=True if state.verified and state.totp_on else None, totp_preferred=state.totp_pref,
            sms_enabled=True if state.sms_on else None, sms_preferred=state.sms_pref,
            email_enabled=True if state.email_on else None, email_preferred=state.email_pref,
        )
    return user


def _set_column(lab: Lab, pool: TeachingPool, setting: PoolSetting) -> tuple[TeachingPool, str | None]:
    """Put the pool in the column's plan and MFA configuration; the error code when Cognito refuses it."""
    from ..flows.pool import _pool_settings

    if setting.tier != pool.tier:
        # A plain configuration first, which every plan accepts, so that the plan change is not refused for email.
        lab.client.set_user_pool_mfa_config(**_mfa_config(pool, "OPTIONAL", True, False, lab))
        lab.client.update_user_pool(**_pool_settings(pool, tier=setting.tier))
        pool = dataclasses.replace(pool, tier=setting.tier)
    try:
        lab.client.set_user_pool_mfa_config(**_mfa_config(pool, setting.mfa, setting.totp, setting.sms, lab,
                                                          email=setting.email))
    except ClientError as exc:
        return pool, exc.response.get("Error", {}).get("Code", "error")
    return pool, None


def playground(
    lab: Lab,
    columns: Sequence[str] | None = None,
    users: Sequence[str] | None = None,
    flows: Sequence[str] | None = None,
    *,
    name: str = "playground",
) -> Playground:
    """Sign in live for every pool configuration × user MFA state × auth flow and tabulate what happens.

    One teaching pool (``name``): the users are set up once with the pool OPTIONAL and every factor on (TOTP, SMS,
    email), then for each column the pool's plan (UpdateUserPool) and MFA configuration are set
    (SetUserPoolMfaConfig) and every user signs in with every flow. A configuration the plan refuses (email MFA on
    Lite) fills its column with Cognito's error. Sandbox only by default: on AWS, SMS needs an SNS role, email an
    SES identity, and each sign-in counts against your quotas.
    """
    from ..flows import create_teaching_pool, sign_in

    columns = list(columns or PLAYGROUND_COLUMNS)
    users = list(users or PLAYGROUND_USERS)
    flows = list(flows or PLAYGROUND_DEFAULT_FLOWS)
    for wanted, known, what in ((columns, PLAYGROUND_COLUMNS, "columns"), (users, PLAYGROUND_USERS, "users"),
                                (flows, PLAYGROUND_FLOWS, "flows")):
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ValueError(f"{what}: {', '.join(unknown)} unknown; choose from {', '.join(known)}.")
    pool = create_teaching_pool(lab, name, mfa="OPTIONAL", totp=True, sms=True, email=True)
    prepared = {u: _prepare_user(lab, pool, u, PLAYGROUND_USERS[u], i) for i, u in enumerate(users)}
    table = Playground(columns=columns, users=users, flows=flows, pool_id=pool.pool_id)
    for column in columns:
        pool, refused = _set_column(lab, pool, PLAYGROUND_COLUMNS[column])
        for u in users:
            user = prepared[u]
            by_flow = {}
            for f in flows:
                if refused:
                    by_flow[f] = refused  # the configuration itself was refused: no sign-in to try
                    continue
                api, method = PLAYGROUND_FLOWS[f]
                try:
                    by_flow[f] = outcome(sign_in(lab, pool, user.username, user.password, api=api, method=method))
                except ClientError as exc:
                    by_flow[f] = exc.response.get("Error", {}).get("Code", "error")
                table.sign_ins += 1
            table.cells[(u, column)] = by_flow
    _set_column(lab, pool, PoolSetting("OPTIONAL", True, True, email=True))  # back to the plan it was made with
    return table


def _mfa_config(pool: TeachingPool, mfa: str, totp: bool, sms: bool, lab: Lab, *, email: bool = False
                ) -> dict[str, Any]:
    from ..flows.pool import _mfa_request

    return _mfa_request(lab, pool.pool_id, mfa, totp, sms, None, None, email)


def live_answer(lab: Lab, column: str, user: str, flow: str = "ADMIN_USER_PASSWORD_AUTH") -> str:
    """What sign-in does for one playground cell, computed live now (for notebook 07's quiz)."""
    return playground(lab, [column], [user], [flow], name="playground-quiz").outcome(user, column)

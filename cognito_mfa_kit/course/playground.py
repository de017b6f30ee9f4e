"""Notebook 07's table, computed live: pool MFA × factors × user MFA state × auth flow → what sign-in does.

:func:`playground` signs every user state in with every flow, for every pool configuration, against the target
(the sandbox by default) and returns a :class:`Playground` that renders as a table; :func:`live_answer` computes one
cell (a quiz's answer, checked live).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .lessons import fresh_user, outcome

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import TeachingPool, TrainingUser
    from ..flows.auth import Api
    from ..flows.signin import Method

__all__ = [
    "PLAYGROUND_COLUMNS", "PLAYGROUND_DEFAULT_FLOWS", "PLAYGROUND_FLOWS", "PLAYGROUND_USERS", "Playground",
    "live_answer", "playground",
]

#: Pool configurations (columns): label → (MfaConfiguration, TOTP on the pool, SMS on the pool).
PLAYGROUND_COLUMNS: dict[str, tuple[str, bool, bool]] = {
    "OFF": ("OFF", True, False),
    "OPTIONAL · TOTP": ("OPTIONAL", True, False),
    "OPTIONAL · TOTP+SMS": ("OPTIONAL", True, True),
    "ON · TOTP": ("ON", True, False),
    "ON · TOTP+SMS": ("ON", True, True),
    "ON · SMS only": ("ON", False, True),
}
#: User MFA states (rows): label → (TOTP verified, TOTP enabled, TOTP preferred, SMS enabled, SMS preferred, phone).
PLAYGROUND_USERS: dict[str, tuple[bool, bool, bool, bool, bool, bool]] = {
    "no MFA, no phone": (False, False, False, False, False, False),
    "no MFA, phone number": (False, False, False, False, False, True),
    "TOTP verified, not enabled": (True, False, False, False, False, False),
    "TOTP enabled + preferred": (True, True, True, False, False, False),
    "TOTP enabled, not preferred": (True, True, False, False, False, False),
    "SMS enabled + preferred": (False, False, False, True, True, True),
    "TOTP + SMS, none preferred": (True, True, False, True, False, True),
    "TOTP + SMS, TOTP preferred": (True, True, True, True, False, True),
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
        colour = {"tokens": "#e6f4ea", "SOFTWARE_TOKEN_MFA": "#e8f0fe", "SMS_MFA": "#fef7e0"}
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
        lines = [" | ".join(["user"] + self.columns)]
        lines += [" | ".join([r["user"]] + [r[c] for c in self.columns]) for r in self.rows()]
        return "\n".join(lines)


def _prepare_user(lab: Lab, pool: TeachingPool, label: str, state: tuple[bool, ...], index: int) -> TrainingUser:
    from ..flows import Tokens, associate, authenticator, set_preference, sign_in, verify

    verified, totp_on, totp_pref, sms_on, sms_pref, phone = state
    user = fresh_user(lab, pool, f"play{index}", phone="+15555550100" if phone else None)
    if not (verified or sms_on):
        return user
    tokens = sign_in(lab, pool, user.username, user.password)  # pool OPTIONAL and no MFA yet: tokens
    if not isinstance(tokens, Tokens):
        raise RuntimeError(f"playground: a new user's sign-in asked for {outcome(tokens)} in an OPTIONAL pool.")
    if verified:
        secret = associate(lab, access_token=tokens.access_token)
        verify(lab, authenticator(lab, secret).code(), access_token=tokens.access_token, device_name=label[:20])
    if totp_on or sms_on:
        set_preference(
            lab, tokens.access_token,
            totp_enabled=totp_on if verified else None, totp_preferred=totp_pref,
            sms_enabled=sms_on if sms_on else None, sms_preferred=sms_pref,
        )
    return user


def playground(
    lab: Lab,
    columns: Sequence[str] | None = None,
    users: Sequence[str] | None = None,
    flows: Sequence[str] | None = None,
    *,
    name: str = "playground",
) -> Playground:
    """Sign in live for every pool configuration × user MFA state × auth flow and tabulate what happens.

    One teaching pool (``name``): the users are set up once with the pool OPTIONAL and both factors on, then for
    each column the pool's MFA configuration is set (SetUserPoolMfaConfig) and every user signs in with every
    flow. Sandbox only by default: on AWS, SMS needs an SNS role and each sign-in counts against your quotas.
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
    pool = create_teaching_pool(lab, name, mfa="OPTIONAL", totp=True, sms=True)
    prepared = {u: _prepare_user(lab, pool, u, PLAYGROUND_USERS[u], i) for i, u in enumerate(users)}
    table = Playground(columns=columns, users=users, flows=flows, pool_id=pool.pool_id)
    for column in columns:
        mfa, totp, sms = PLAYGROUND_COLUMNS[column]
        lab.client.set_user_pool_mfa_config(**_mfa_config(pool, mfa, totp, sms, lab))
        for u in users:
            user = prepared[u]
            by_flow = {}
            for f in flows:
                api, method = PLAYGROUND_FLOWS[f]
                try:
                    by_flow[f] = outcome(sign_in(lab, pool, user.username, user.password, api=api, method=method))
                except ClientError as exc:
                    by_flow[f] = exc.response.get("Error", {}).get("Code", "error")
                table.sign_ins += 1
            table.cells[(u, column)] = by_flow
    return table


def _mfa_config(pool: TeachingPool, mfa: str, totp: bool, sms: bool, lab: Lab) -> dict[str, Any]:
    from ..flows.pool import _mfa_request

    return _mfa_request(lab, pool.pool_id, mfa, totp, sms, None, None)


def live_answer(lab: Lab, column: str, user: str, flow: str = "ADMIN_USER_PASSWORD_AUTH") -> str:
    """What sign-in does for one playground cell, computed live now (for notebook 07's quiz)."""
    return playground(lab, [column], [user], [flow], name="playground-quiz").outcome(user, column)

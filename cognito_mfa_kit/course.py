"""Small helpers the course notebooks need, so that their cells stay one to three lines.

- :func:`follow` shows, under each notebook cell, every Cognito call the cell made: the AWS CLI twin, then
  Cognito's answer (or its error), secrets masked. :func:`calls` shows the latest calls on demand.
- :func:`expect` runs a step that must fail, shows the error explained and checks it is the error the lesson
  is about (a different outcome stops the notebook, so the course's own test notices).
- :func:`next_code` waits for the authenticator's next 30-second step (the sandbox's clock jumps; AWS sleeps).
- :func:`fresh_user` re-creates a user so a notebook can be re-run from the top.
- :func:`sessions` puts the sessions of a challenge chain side by side (masked) to show they differ.
- :func:`playground` computes notebook 07's table live: pool MFA × factors (TOTP, SMS, email) × feature plan × user
  MFA state × auth flow → what sign-in does.
- :func:`headless` says whether nobody is at the keyboard (``COGNITO_MFA_KIT_HEADLESS=1``, set by the course's
  test and benchmark): then widgets start no timers.

Plain Python: nothing here imports ipywidgets; IPython is used only when running in a kernel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from .errors import explain
from .journal import Call, mask_value

if TYPE_CHECKING:
    from .connect import Lab
    from .flows import Challenge, TeachingPool, TrainingUser
    from .totp import VirtualAuthenticator

__all__ = [
    "HEADLESS_ENV", "headless", "follow", "calls", "call_html", "expect", "Expected", "next_code", "fresh_user",
    "sessions", "outcome", "playground", "Playground", "PLAYGROUND_COLUMNS", "PLAYGROUND_USERS", "PLAYGROUND_FLOWS",
    "PLAYGROUND_DEFAULT_FLOWS", "PoolSetting", "UserState",
    "federated_provider", "Markdown",
]

#: Set to 1 by the course's test and benchmark: nobody is at the keyboard.
HEADLESS_ENV = "COGNITO_MFA_KIT_HEADLESS"


def headless() -> bool:
    """True when the notebook runs with nobody at the keyboard (``$COGNITO_MFA_KIT_HEADLESS`` is 1/true/yes)."""
    return os.environ.get(HEADLESS_ENV, "").strip().lower() in ("1", "true", "yes")


class Markdown(str):
    """A string that a notebook renders as Markdown."""

    def _repr_markdown_(self) -> str:
        return str(self)


# --------------------------------------------------------------------------- calls under each cell

_PRE = "<pre style='margin:2px 0 6px 0;white-space:pre-wrap;font-size:0.85em'>"


def call_html(call: Call, index: int | None = None) -> str:
    """One call as HTML: operation and outcome, the AWS CLI twin, Cognito's answer (masked), the request folded."""
    e = html.escape
    number = f"{index}. " if index is not None else ""
    if call.ok:
        outcome = "<span style='color:#1b7f3b'>OK</span>"
    else:
        assert call.error is not None
        outcome = f"<span style='color:#b3261e'>{e(call.error.code)}</span>"
    parts = [
        f"<div class='cmk-call' data-operation='{e(call.operation)}' data-ok='{str(call.ok).lower()}' "
        "style='border-left:3px solid #8aa4c8;padding-left:8px;margin:6px 0'>",
        f"<b>{number}{e(call.operation)}</b> — {outcome} <small>({call.elapsed_ms:.0f} ms)</small>",
        f"{_PRE}$ {e(call.as_cli())}</pre>",
    ]
    if call.ok:
        body = json.dumps(call.response_masked, indent=2, default=str)
        parts.append(f"<small>Cognito answered</small>{_PRE}{e(body)}</pre>")
    else:
        assert call.error is not None
        why = explain((call.error.code, call.error.message))
        parts.append(
            f"<small>Cognito refused</small>{_PRE}{e(why.code or call.error.code)}: {e(why.message or '')}</pre>"
            f"<small><b>{e(why.title)}.</b> {e(why.what_to_do)}</small>"
        )
    request = json.dumps(call.request_masked, indent=2, default=str)
    parts.append(f"<details><summary><small>request as sent (masked)</small></summary>{_PRE}{e(request)}</pre>"
                 "</details></div>")
    return "".join(parts)


def _call_text(call: Call, index: int | None = None) -> str:
    number = f"{index}. " if index is not None else ""
    outcome = "OK" if call.ok else str(call.error)
    return f"{number}{call.operation} — {outcome}\n$ {call.as_cli()}"


class _Calls:
    """Calls rendered for a notebook (HTML, with a plain-text fallback)."""

    def __init__(self, items: Sequence[tuple[int, Call]]) -> None:
        self.items = list(items)

    def _repr_html_(self) -> str:
        if not self.items:
            return "<small>(no calls)</small>"
        return "".join(call_html(c, i) for i, c in self.items)

    def __repr__(self) -> str:
        return "\n".join(_call_text(c, i) for i, c in self.items) or "(no calls)"


def calls(lab: Lab, last: int = 1) -> _Calls:
    """The ``last`` calls of ``lab.journal``, ready to display (masked)."""
    journal = list(lab.journal)
    start = max(0, len(journal) - last)
    return _Calls([(i + 1, c) for i, c in enumerate(journal) if i >= start])


@dataclass
class _Follower:
    lab: Any
    in_cell: bool = False
    unsubscribe: Any = None
    shell: Any = None

    def pre(self, *_: Any) -> None:
        self.in_cell = True

    def post(self, *_: Any) -> None:
        self.in_cell = False

    def on_call(self, call: Call) -> None:
        # Only calls made by the cell itself, in the kernel's main thread: a widget's button callback or a
        # background timer has no cell to print under (its own form shows the call).
        if not self.in_cell or threading.current_thread() is not threading.main_thread():
            return
        from IPython.display import display

        display(_Calls([(len(self.lab.journal), call)]))


_followers: dict[int, _Follower] = {}


def follow(lab: Lab) -> Markdown:
    """From now on, show each call ``lab`` makes under the notebook cell that made it (secrets masked).

    Outside IPython it does nothing but return the banner. Calling it again for the same lab changes nothing.
    """
    banner = Markdown(f"**{lab.banner()}**\n\nEvery call below a cell is shown as its AWS CLI twin, then "
                      "Cognito's answer — tokens, sessions, secrets and passwords masked.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kit's dependencies
        return banner
    shell = get_ipython()
    if shell is None or id(lab) in _followers:
        return banner
    follower = _Follower(lab, shell=shell)
    shell.events.register("pre_run_cell", follower.pre)
    shell.events.register("post_run_cell", follower.post)
    follower.unsubscribe = lab.journal.subscribe(follower.on_call)
    follower.in_cell = True  # the cell calling follow() is running now
    _followers[id(lab)] = follower
    return banner


def unfollow(lab: Lab) -> None:
    """Stop showing ``lab``'s calls under cells."""
    follower = _followers.pop(id(lab), None)
    if follower is None:
        return
    follower.unsubscribe()
    follower.shell.events.unregister("pre_run_cell", follower.pre)
    follower.shell.events.unregister("post_run_cell", follower.post)


# --------------------------------------------------------------------------- expected failures

@dataclass
class Expected:
    """What :func:`expect` caught: the error code, Cognito's message (masked) and the explanation."""

    wanted: tuple[str, ...]
    code: str | None = None
    message: str | None = None
    explanation: Any = None

    def __repr__(self) -> str:
        if self.explanation is None:
            return "(nothing caught yet)"
        return f"As expected: {self.code}\n{self.explanation.as_text()}"

    def _repr_markdown_(self) -> str:
        if self.explanation is None:
            return "(nothing caught yet)"
        if self.code == "ValueError":
            return f"✅ As expected, the kit refused it **before calling Cognito**: {self.message}"
        return f"✅ As expected: **{self.code}**\n\n{self.explanation.as_markdown()}"


@contextlib.contextmanager
def expect(*codes: str) -> Iterator[Expected]:
    """Run a step that must fail with one of ``codes`` (Cognito's exception name, or ``ValueError`` for the kit's
    own input checks); show the error explained.

    Succeeding, or failing differently, raises ``AssertionError``: the notebook stops there, so a change in
    Cognito's (or the sandbox's) behaviour is noticed.
    """
    if not codes:
        raise ValueError("codes: name the error the step must raise, e.g. expect('CodeMismatchException').")
    caught = Expected(wanted=tuple(codes))
    try:
        yield caught
    except ClientError as exc:
        caught.explanation = explain(exc)
        caught.code = exc.response.get("Error", {}).get("Code")
        caught.message = caught.explanation.message
    except ValueError as exc:
        caught.explanation = explain(exc)
        caught.code = "ValueError"
        caught.message = str(exc)
    else:
        raise AssertionError(f"expected {' or '.join(codes)}, but the step succeeded")
    if caught.code not in codes:
        raise AssertionError(f"expected {' or '.join(codes)}, got {caught.code}: {caught.message}")
    _display(caught)


def _display(obj: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display(obj)


# --------------------------------------------------------------------------- time, users, sessions

def next_code(lab: Lab, authenticator: VirtualAuthenticator) -> str:
    """The authenticator's code of the next 30-second step, once that step has begun.

    A code can be used once: after VerifySoftwareToken, the sign-in needs the *next* code. In the sandbox the
    clock jumps to the next step (no waiting); on AWS this sleeps until the code changes (at most 30 s).
    """
    wait = authenticator.seconds_left()
    if lab.is_sandbox:
        lab.advance_clock(wait)
    else:  # pragma: no cover - real AWS
        time.sleep(wait + 0.5)
    return authenticator.code()


def fresh_user(
    lab: Lab, pool: TeachingPool, username: str, password: str | None = None, **kwargs: Any
) -> TrainingUser:
    """Delete ``username`` if it exists, then create it again: a clean start each time a notebook runs."""
    from .flows import create_user, delete_user

    try:
        delete_user(lab, pool, username)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
            raise
    return create_user(lab, pool, username, password, **kwargs)


def sessions(**named: Any) -> Markdown:
    """A table of the sessions in a chain (challenge, association, verification...), masked, and whether they
    differ. Each value is an object with ``.session`` or the session string itself."""
    rows = ["| step | Session (masked) | length |", "|---|---|---|"]
    seen: list[str] = []
    for name, value in named.items():
        session = value if isinstance(value, str) or value is None else getattr(value, "session", None)
        if not session:
            rows.append(f"| {name} | (none) | |")
            continue
        seen.append(session)
        rows.append(f"| {name} | `{mask_value(session)}` | {len(session)} |")
    distinct = len(set(seen)) == len(seen)
    verdict = ("Every step answered with a **new** session: each one is valid only for the next call."
               if distinct else "Some steps share a session.")
    return Markdown("\n".join(rows) + "\n\n" + verdict)


_SHORT = {"SOFTWARE_TOKEN_MFA": "TOTP", "SMS_MFA": "SMS", "EMAIL_OTP": "email"}


def outcome(result: Any) -> str:
    """What a sign-in step ended in, in a few words: ``tokens``, or the challenge (with its factor list)."""
    from .flows import Challenge, Tokens, choices

    if isinstance(result, Tokens):
        return "tokens"
    if isinstance(result, Challenge):
        listed = choices(result)
        if result.name in ("SELECT_MFA_TYPE", "MFA_SETUP") and listed:
            short = "+".join(_SHORT.get(f, f) for f in listed)
            return f"{result.name} ({short})"
        return result.name
    return type(result).__name__


# --------------------------------------------------------------------------- notebook 07: the playground

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
PLAYGROUND_FLOWS: dict[str, tuple[str, str]] = {
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
        return (f"<table class='cmk-playground'><tr><th>user ↓ / pool →</th>{head}</tr>{''.join(body)}</table>"
                f"<p><small>{self.sign_ins} live sign-ins ({', '.join(self.flows)}) against pool "
                f"{e(self.pool_id)}. {e(agree)}</small></p>")

    def __repr__(self) -> str:
        lines = [" | ".join(["user"] + self.columns)]
        lines += [" | ".join([r["user"]] + [r[c] for c in self.columns]) for r in self.rows()]
        return "\n".join(lines)


def _prepare_user(lab: Lab, pool: TeachingPool, label: str, state: UserState, index: int) -> TrainingUser:
    from .flows import associate, authenticator, set_preference, sign_in, verify

    user = fresh_user(lab, pool, f"play{index}", phone="+15555550100" if state.phone else None,
                      email=f"play{index}@example.com" if state.address else None)
    if not (state.verified or state.sms_on or state.email_on):
        return user
    tokens = sign_in(lab, pool, user.username, user.password)  # pool OPTIONAL and no MFA yet: tokens
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
    from .flows.pool import _pool_settings

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
    from .flows import create_teaching_pool, sign_in

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
    from .flows.pool import _mfa_request

    return _mfa_request(lab, pool.pool_id, mfa, totp, sms, None, None, email)


# --------------------------------------------------------------------------- federation (notebook 06)

def federated_provider(lab: Lab, pool: TeachingPool, name: str = "ExampleOIDC") -> dict[str, Any]:
    """Add (or find) an OIDC identity provider on the pool, as a federated set-up has: CreateIdentityProvider.

    Users who sign in through it are authenticated by the IdP; Cognito offers them no MFA of its own.
    """
    try:
        return lab.client.describe_identity_provider(UserPoolId=pool.pool_id, ProviderName=name)["IdentityProvider"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    return lab.client.create_identity_provider(
        UserPoolId=pool.pool_id, ProviderName=name, ProviderType="OIDC",
        ProviderDetails={
            "client_id": "example-client",
            "authorize_scopes": "openid email", "oidc_issuer": "https://idp.example.com",
            "attributes_request_method": "GET",
        },
        AttributeMapping={"email": "email"},
    )["IdentityProvider"]


def challenge_line(lab: Lab, challenge: Challenge, pool: TeachingPool) -> Markdown:
    """One line about a challenge: its name, the factors it lists and how long its session stays valid."""
    left = challenge.seconds_left(lab, pool)
    factors = ""
    from .flows import choices

    listed = choices(challenge)
    if listed:
        factors = f" offering {', '.join(listed)}"
    return Markdown(f"Cognito asks for **{challenge.name}**{factors}. The session (`{mask_value(challenge.session)}`) "
                    f"is valid for another **{max(0, left):.0f} s** (AuthSessionValidity {pool.session_minutes} min).")


# --------------------------------------------------------------------------- small lesson helpers

DEMO_SECRET = "JBSWY3DPEHPK3PXP"  # RFC/authenticator documentation's well-known example key; not a Cognito secret


def demo_authenticator(lab: Lab) -> VirtualAuthenticator:
    """An authenticator for a well-known *example* key, on the lab's clock (notebook 00: how codes change)."""
    from .totp import VirtualAuthenticator

    return VirtualAuthenticator(DEMO_SECRET, lab.clock, account_name="demo", issuer="Example")


def masked_key_uri(authenticator: VirtualAuthenticator) -> str:
    """The key URI an authenticator app scans, with the secret masked (the real one is in the QR code)."""
    uri = authenticator.key_uri()
    return uri.replace(authenticator.secret, mask_value(authenticator.secret))


class _SkewedClock:
    """The lab's clock shifted by ``offset`` seconds: a phone whose clock runs fast (+) or slow (−)."""

    def __init__(self, clock: Any, offset: float) -> None:
        self.clock, self.offset = clock, float(offset)

    def now(self) -> float:
        return self.clock.now() + self.offset


def skewed(lab: Lab, authenticator: VirtualAuthenticator, seconds: float) -> VirtualAuthenticator:
    """The same authenticator on a phone whose clock is ``seconds`` ahead (or behind, negative) of Cognito's."""
    from .totp import VirtualAuthenticator

    return VirtualAuthenticator(authenticator.secret, _SkewedClock(lab.clock, seconds),
                                account_name=authenticator.account_name, issuer=authenticator.issuer)


def enrolled_user(
    lab: Lab, pool: TeachingPool, username: str, *, prefer: bool = False, device_name: str | None = None, **kwargs: Any
) -> tuple[TrainingUser, VirtualAuthenticator, Any]:
    """A fresh user who signed in and enrolled a (virtual) authenticator — the seed's steps 1–7 in one call.

    ``prefer=True`` also does step 8 (TOTP enabled and preferred). Returns ``(user, authenticator, tokens)``; the
    pool must let the user sign in without MFA first (OFF or OPTIONAL).
    """
    from .flows import associate, authenticator, set_preference, sign_in, verify

    user = fresh_user(lab, pool, username, **kwargs)
    tokens = sign_in(lab, pool, username, user.password)
    association = associate(lab, access_token=tokens.access_token)
    phone = authenticator(lab, association, account_name=username)
    verify(lab, phone.code(), access_token=tokens.access_token, device_name=device_name or f"{username}Phone")
    if prefer:
        set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
    return user, phone, tokens


def claims(lab: Lab, pool: TeachingPool, tokens: Any) -> Markdown:
    """The MFA-relevant claims of the ID and access tokens, each verified against the pool's JWKS (no token shown)."""
    from .tokens import issuer_url, jwks_url, verify

    endpoint = lab.target.endpoint_url if lab.is_sandbox else None
    url = jwks_url(pool.pool_id, region=lab.region, endpoint_url=endpoint)
    issuer = None if lab.is_sandbox else issuer_url(pool.pool_id, region=lab.region)
    rows = ["| claim | ID token | access token |", "|---|---|---|"]
    found = {}
    for use, token in (("id", tokens.id_token), ("access", tokens.access_token)):
        found[use] = verify(token, jwks_url=url, issuer=issuer, client_id=pool.client_id, token_use=use,
                            now=lab.clock.now(), leeway=5)
    for name in ("token_use", "username", "auth_time", "iat", "exp"):
        cells = []
        for use in ("id", "access"):
            value = getattr(found[use], name)
            if name in ("auth_time", "iat", "exp") and value is not None:
                value = time.strftime("%H:%M:%S UTC", time.gmtime(value))
            cells.append(f"`{value}`")
        rows.append(f"| `{name}` | {cells[0]} | {cells[1]} |")
    scope = found["access"].scope
    return Markdown("\n".join(rows) + f"\n\nBoth signatures verified with the pool's JWKS. Access token scope: "
                    f"`{scope}` (it carries `aws.cognito.signin.user.admin`, which Associate/Verify/"
                    "SetUserMFAPreference require).")


# --------------------------------------------------------------------------- exercise checks (plain Python)

CheckResult = tuple[bool, str]


def check_next_sign_in(lab: Lab, pool: TeachingPool, username: str, password: str, expected: str) -> CheckResult:
    """Sign ``username`` in now and compare what Cognito asks for with ``expected`` (an :func:`outcome`)."""
    from .flows import sign_in

    got = outcome(sign_in(lab, pool, username, password))
    return got == expected or got.startswith(expected + " "), f"Sign-in answered: {got} (wanted {expected})."


def check_mfa_status(
    lab: Lab, pool: TeachingPool, username: str, *, enabled: bool | None = None, preferred: str | None = ""
) -> CheckResult:
    """AdminGetUser: is TOTP ``enabled`` (when given) and is ``preferred`` the preferred factor ('' = don't care)?"""
    from .flows import mfa_status

    status = mfa_status(lab, pool, username)
    ok = (enabled is None or status.totp_enabled == enabled) and (preferred == "" or status.preferred == preferred)
    return ok, (f"UserMFASettingList={list(status.mfa_setting_list)}, PreferredMfaSetting={status.preferred}.")


def check_pool(
    lab: Lab, name: str, *, mfa: str | None = None, totp: bool | None = None, session_minutes: int | None = None,
    auth_flow: str | None = None,
) -> CheckResult:
    """Find the kit pool ``name`` (any run id) and compare its MFA configuration and app client with the task."""
    from .naming import pool_name

    full = pool_name(name)
    found = [p for p in lab.client.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == full]
    if not found:
        return False, f"No pool named {full} yet."
    pool_id = found[-1]["Id"]
    config = lab.client.get_user_pool_mfa_config(UserPoolId=pool_id)
    clients = lab.client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
    problems = []
    if mfa is not None and config.get("MfaConfiguration") != mfa:
        problems.append(f"MfaConfiguration is {config.get('MfaConfiguration')}, not {mfa}")
    if totp is not None and bool((config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")) != totp:
        problems.append(f"TOTP is {'off' if totp else 'on'} on the pool")
    if session_minutes is not None or auth_flow is not None:
        if not clients:
            problems.append("the pool has no app client")
        else:
            app = lab.client.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[0]["ClientId"])[
                "UserPoolClient"]
            if session_minutes is not None and app.get("AuthSessionValidity") != session_minutes:
                problems.append(f"AuthSessionValidity is {app.get('AuthSessionValidity')}, not {session_minutes}")
            if auth_flow is not None and auth_flow not in (app.get("ExplicitAuthFlows") or []):
                problems.append(f"{auth_flow} is not among the app client's auth flows")
    if problems:
        return False, f"{full}: " + "; ".join(problems) + "."
    return True, f"{full} ({pool_id}) is configured as asked."


def live_answer(lab: Lab, column: str, user: str, flow: str = "ADMIN_USER_PASSWORD_AUTH") -> str:
    """What sign-in does for one playground cell, computed live now (for notebook 07's quiz)."""
    return playground(lab, [column], [user], [flow], name="playground-quiz").outcome(user, column)


# --------------------------------------------------------------------------- quizzes (the questions live here)

#: key → (question, options, right answer, why). The right answer is always one of the options.
QUIZZES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "00-skew": (
        "Your phone's clock is 45 seconds fast. What happens to its TOTP codes at Cognito?",
        ("Accepted: Cognito ignores the phone's clock", "Refused: they belong to a step Cognito does not accept",
         "Accepted for the first sign-in only"),
        "Refused: they belong to a step Cognito does not accept",
        "Cognito accepts the current 30-second step or one either side; 45 s ahead is usually two steps away.",
    ),
    "00-secret": (
        "Who can make valid TOTP codes for a user?",
        ("Anyone who knows the user's password", "Anyone holding the SecretCode from AssociateSoftwareToken",
         "Only the phone that scanned the QR code"),
        "Anyone holding the SecretCode from AssociateSoftwareToken",
        "The secret is the factor. That is why the kit masks it, and why a QR code deserves the same care.",
    ),
    "01-order": (
        "You create a pool with CreateUserPool(MfaConfiguration='ON') and no SmsConfiguration. What happens?",
        ("The pool is created with TOTP required", "InvalidParameterException: SMS configuration … required",
         "The pool is created with MFA OFF"),
        "InvalidParameterException: SMS configuration … required",
        "CreateUserPool only configures SMS MFA (API Reference, CreateUserPool). Create the pool, then call "
        "SetUserPoolMfaConfig with SoftwareTokenMfaConfiguration={Enabled: true}.",
    ),
    "01-admin-flow": (
        "Why does the seed article ask you to enable ALLOW_ADMIN_USER_PASSWORD_AUTH on the app client?",
        ("Without it TOTP can't be enabled on the pool",
         "Its test uses admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH, refused unless the client allows it",
         "It makes the TOTP secret longer"),
        "Its test uses admin-initiate-auth --auth-flow ADMIN_USER_PASSWORD_AUTH, refused unless the client allows it",
        "Each auth flow must be listed in the app client's ExplicitAuthFlows; the admin password flow is off "
        "unless you turn it on.",
    ),
    "02-secret-call": (
        "Which call gives you the secret to put into the authenticator app?",
        ("VerifySoftwareToken", "AssociateSoftwareToken", "SetUserMFAPreference", "AdminGetUser"),
        "AssociateSoftwareToken",
        "AssociateSoftwareToken returns SecretCode; VerifySoftwareToken proves the app has it.",
    ),
    "02-after-verify": (
        "The pool's MFA is OPTIONAL. Bob verified his authenticator (Status SUCCESS) and did nothing else. "
        "What does his next sign-in ask for?",
        ("A TOTP code (SOFTWARE_TOKEN_MFA)", "Nothing: he gets tokens", "MFA_SETUP"),
        "Nothing: he gets tokens",
        "Verifying registers the authenticator; it does not turn TOTP on. That is step 8, the MFA preference.",
    ),
    "03-admin": (
        "Bob is not signed in. Which call can enable TOTP MFA for him?",
        ("SetUserMFAPreference", "AdminSetUserMFAPreference", "VerifySoftwareToken"),
        "AdminSetUserMFAPreference",
        "SetUserMFAPreference needs the user's own access token; the admin call uses the pool id, the username "
        "and IAM credentials.",
    ),
    "03-before-verify": (
        "Carol never verified an authenticator. You call SetUserMFAPreference with TOTP Enabled=true. Result?",
        ("TOTP is enabled and she gets MFA_SETUP", "InvalidParameterException: User has not set up software "
         "token mfa", "It succeeds but nothing changes"),
        "InvalidParameterException: User has not set up software token mfa",
        "Users must register a TOTP authenticator before they set this as their preferred MFA method "
        "(API Reference, SetUserMFAPreference).",
    ),
    "04-next-code": (
        "Bob verified his authenticator 10 seconds ago with code 123456. He signs in now. Which code works?",
        ("123456 again", "The next code his app shows", "Any code from the last 90 seconds"),
        "The next code his app shows",
        "A code is accepted once: reusing it gives ExpiredCodeException 'Your software token has already been "
        "used once.'",
    ),
    "04-device": (
        "A device was confirmed and remembered. What does signing in on it skip?",
        ("The password", "The MFA challenge", "Both"),
        "The MFA challenge",
        "The device proves itself with DEVICE_SRP_AUTH instead of a TOTP code; the password is still needed.",
    ),
    "05-session": (
        "In the MFA_SETUP chain, which Session do you send with RespondToAuthChallenge(MFA_SETUP)?",
        ("The one from InitiateAuth", "The one from AssociateSoftwareToken", "The one from VerifySoftwareToken"),
        "The one from VerifySoftwareToken",
        "Each step returns the session for the next one; VerifySoftwareToken's 'satisfies an MFA_SETUP "
        "challenge' (API Reference).",
    ),
    "06-reuse": (
        "Which error means the code was right but already used?",
        ("CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException",
         "NotAuthorizedException"),
        "ExpiredCodeException",
        "'Your software token has already been used once.' Wait for the next 30-second code.",
    ),
    "06-lost": (
        "Pool MFA is ON and a user lost the phone. After AdminDeleteSoftwareToken, what does the next sign-in "
        "(no other factor) return?",
        ("Tokens", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"),
        "MFA_SETUP",
        "The registration is gone; with MFA required the user must set up a new authenticator.",
    ),
    "08-tier": (
        "Which Cognito feature plans include TOTP MFA?",
        ("Plus only", "Essentials and Plus", "Lite, Essentials and Plus"),
        "Lite, Essentials and Plus",
        "TOTP and SMS MFA are on every plan; email MFA needs Essentials or Plus.",
    ),
    "10-session": (
        "Bob chose PASSWORD in SELECT_CHALLENGE and Cognito now asks SOFTWARE_TOKEN_MFA. Which session answers it?",
        ("The SELECT_CHALLENGE session, again", "The new session that came with SOFTWARE_TOKEN_MFA",
         "No session: the access token"),
        "The new session that came with SOFTWARE_TOKEN_MFA",
        "Every step answers with a new session; the SELECT_CHALLENGE one was spent by the password "
        "(\"session can only be used once\").",
    ),
    "10-first-factor": (
        "Can a user start a USER_AUTH sign-in with their TOTP code (no password)?",
        ("Yes, with PREFERRED_CHALLENGE=SOFTWARE_TOKEN_MFA", "No: TOTP is never a first factor, it follows one",
         "Only on the Plus plan"),
        "No: TOTP is never a first factor, it follows one",
        "\"SOFTWARE_TOKEN is not currently supported as a first auth factor\" (SignInPolicyType).",
    ),
    "10-plan": (
        "A pool on the Lite plan: which of these can it have?",
        ("Email MFA", "TOTP MFA", "Choice-based sign-in (ALLOW_USER_AUTH)", "Passkeys"),
        "TOTP MFA",
        "TOTP and SMS MFA work on every plan; email MFA, USER_AUTH and passkeys need Essentials or Plus.",
    ),
    "10-passkey-mfa": (
        "Carol has TOTP and a passkey, and turned passkey MFA on. She signs in with her password: what comes next?",
        ("Tokens: the passkey counts as MFA", "SOFTWARE_TOKEN_MFA: passkey MFA applies only when the passkey is "
         "the first factor", "WEB_AUTHN"),
        "SOFTWARE_TOKEN_MFA: passkey MFA applies only when the passkey is the first factor",
        "WebAuthnMfaSettings: \"passkey MFA applies only when passkey is the first authentication factor\".",
    ),
}


def quiz(key: str) -> Any:
    """The exercise widget for ``QUIZZES[key]`` (a :class:`cognito_mfa_kit.ui.exercises.Quiz`)."""
    from .ui.exercises import Quiz

    question, options, answer, why = QUIZZES[key]
    return Quiz(question, options, answer, why=why)


def task(prompt: str, check: Any, *args: Any, hint: str = "", **kwargs: Any) -> Any:
    """A hands-on exercise widget; *Check* calls ``check(*args, **kwargs)`` → ``(passed, what it found)``."""
    import functools

    from .ui.exercises import Task

    return Task(prompt, functools.partial(check, *args, **kwargs), hint=hint)

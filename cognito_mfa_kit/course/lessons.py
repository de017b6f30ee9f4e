"""Small lesson helpers, so that a notebook cell stays one to three lines. None makes a call that fails.

- :func:`next_code` waits for the authenticator's next 30-second step (its pool's clock jumps; AWS sleeps).
- :func:`fresh_user` re-creates a user so a notebook can be re-run from the top.
- :func:`enrolled_user` is the seed's steps 1–7 in one call (through MFA_SETUP on a pool that requires MFA).
- :func:`sessions` puts the sessions of a challenge chain side by side (masked) to show they differ.
- :func:`outcome`, :func:`challenge_line`, :func:`claims` say what a sign-in step returned, in a few words.
- :func:`demo_authenticator`, :func:`masked_key_uri`, :func:`skewed`: authenticators for notebooks 00 and 06.
- :func:`federated_provider` adds (or finds) an OIDC identity provider (notebook 06).
- :func:`pool_table` lists the kit's pools briefly (notebook 08; a shared server may hold hundreds).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..journal import mask_value
from .display import Markdown

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import Challenge, TeachingPool, Tokens, TrainingUser
    from ..totp import VirtualAuthenticator

__all__ = [
    "DEMO_SECRET", "challenge_line", "claims", "demo_authenticator", "demo_pool", "enrolled_user",
    "federated_provider", "fresh_user", "masked_key_uri", "next_code", "outcome", "pool_table", "sessions", "skewed",
    "wrap_up",
]


def next_code(lab: Lab, authenticator: VirtualAuthenticator) -> str:
    """The authenticator's code of the next 30-second step, once that step has begun.

    A code can be used once: after VerifySoftwareToken, the sign-in needs the *next* code. In the sandbox the clock
    of the authenticator's pool jumps to the next step (no waiting; :func:`wrap_up` puts it back at the end of the
    lesson); on AWS this sleeps until the code changes (at most 30 s).
    """
    wait = authenticator.seconds_left()
    pool = getattr(authenticator.clock, "pool", None)  # the pool whose clock the authenticator follows
    if lab.is_sandbox and pool:
        lab.advance_clock(wait, pool)  # that pool only: nobody else's codes move (put back by course.wrap_up)
    else:  # real AWS, or an authenticator on no pool's clock: wait for the real code to change
        time.sleep(wait + 0.5)
    return authenticator.code()


def fresh_user(
    lab: Lab, pool: TeachingPool, username: str, password: str | None = None, **kwargs: Any
) -> TrainingUser:
    """Delete ``username`` if it exists, then create it again: a clean start each time a notebook runs.

    Whether it exists is asked with ListUsers (a call that succeeds either way), so the cell shows no refusal.
    """
    from ..flows import recreate_user

    return recreate_user(lab, pool, username, password, **kwargs)


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
    from ..flows import Challenge, Tokens, choices

    if isinstance(result, Tokens):
        return "tokens"
    if isinstance(result, Challenge):
        listed = choices(result)
        if result.name in ("SELECT_MFA_TYPE", "MFA_SETUP") and listed:
            short = "+".join(_SHORT.get(f, f) for f in listed)
            return f"{result.name} ({short})"
        return result.name
    return type(result).__name__


def challenge_line(lab: Lab, challenge: Challenge, pool: TeachingPool) -> Markdown:
    """One line about a challenge: its name, the factors it lists and how long its session stays valid."""
    from ..flows import choices

    left = challenge.seconds_left(lab, pool)
    listed = choices(challenge)
    factors = f" offering {', '.join(listed)}" if listed else ""
    return Markdown(f"Cognito asks for **{challenge.name}**{factors}. The session (`{mask_value(challenge.session)}`) "
                    f"is valid for another **{max(0, left):.0f} s** (AuthSessionValidity {pool.session_minutes} min).")


# --------------------------------------------------------------------------- authenticators

DEMO_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - RFC/authenticator documentation's well-known example key; not a Cognito secret


def demo_pool(lab: Lab) -> TeachingPool:
    """Notebook 00's pool (``course-00``, made once per lab): its clock is the one the demo authenticator follows."""
    from ..flows import create_teaching_pool

    pool = getattr(lab, "_demo_pool", None)
    if pool is None:
        pool = create_teaching_pool(lab, "course-00", mfa="OPTIONAL")
        lab._demo_pool = pool  # type: ignore[attr-defined]
    return pool


def demo_authenticator(lab: Lab) -> VirtualAuthenticator:
    """An authenticator for a well-known *example* key, on the clock of notebook 00's pool (how codes change)."""
    from ..totp import VirtualAuthenticator

    clock = lab.clock_for(demo_pool(lab)) if lab.is_sandbox else lab.clock
    return VirtualAuthenticator(DEMO_SECRET, clock, account_name="demo", issuer="Example")


def wrap_up(lab: Lab) -> Markdown:
    """A lesson's last cell: every pool clock the lesson moved goes back on real time (a real phone works again)."""
    moved = lab.put_clocks_back() if lab.is_sandbox else []
    if not moved:
        return Markdown("Every clock this lesson used is on real time: a real phone's codes work.")
    return Markdown(f"Back on real time: the clock of {', '.join(f'`{p}`' for p in moved)}. "
                    "A real phone's codes work again.")


def masked_key_uri(authenticator: VirtualAuthenticator) -> str:
    """The key URI an authenticator app scans, with the secret masked (the real one is in the QR code)."""
    uri = authenticator.key_uri()
    return uri.replace(authenticator.secret, mask_value(authenticator.secret))


def _pool_of(clock: Any) -> str | None:
    """The user pool whose clock ``clock`` is (through a skewed phone's), if it is one; else ``None``."""
    while clock is not None:
        pool = getattr(clock, "pool", None)
        if pool is not None:
            return str(pool)
        clock = getattr(clock, "clock", None)
    return None


class _SkewedClock:
    """A clock shifted by ``offset`` seconds: a phone whose clock runs fast (+) or slow (−)."""

    def __init__(self, clock: Any, offset: float) -> None:
        self.clock, self.offset = clock, float(offset)

    def now(self) -> float:
        return self.clock.now() + self.offset


def skewed(lab: Lab, authenticator: VirtualAuthenticator, seconds: float) -> VirtualAuthenticator:  # noqa: ARG001 - the lesson helpers take the lab first
    """The same authenticator on a phone whose clock is ``seconds`` ahead (or behind, negative) of Cognito's (the
    clock of the authenticator's pool)."""
    from ..totp import VirtualAuthenticator

    return VirtualAuthenticator(authenticator.secret, _SkewedClock(authenticator.clock, seconds),
                                account_name=authenticator.account_name, issuer=authenticator.issuer)


# --------------------------------------------------------------------------- users with an authenticator

def _setup_during_sign_in(
    lab: Lab, pool: TeachingPool, challenge: Challenge, username: str, device_name: str
) -> tuple[VirtualAuthenticator, Tokens]:
    """Answer MFA_SETUP: associate with the challenge's session, verify, respond with the verified session."""
    from ..flows import Tokens, associate, authenticator, respond, verify

    association = associate(lab, session=challenge.session, pool=pool)
    phone = authenticator(lab, association, account_name=username)
    verification = verify(lab, phone.code(), session=association.session, device_name=device_name)
    result = respond(lab, pool, challenge, session=verification.session)
    if not isinstance(result, Tokens):  # some clients are asked for the new code at once
        result = respond(lab, pool, result, code=next_code(lab, phone))
    if not isinstance(result, Tokens):
        raise ValueError(f"pool: after MFA_SETUP, {username}'s sign-in asked for {outcome(result)}, not tokens.")
    return phone, result


def enrolled_user(
    lab: Lab, pool: TeachingPool, username: str, *, prefer: bool = False, device_name: str | None = None, **kwargs: Any
) -> tuple[TrainingUser, VirtualAuthenticator, Tokens]:
    """A fresh user who signed in and enrolled a (virtual) authenticator — the seed's steps 1–7 in one call.

    ``prefer=True`` also does step 8 (TOTP enabled and preferred). Returns ``(user, authenticator, tokens)``. In a
    pool that lets a user without MFA sign in (OFF, OPTIONAL) the enrolment uses the access token; in one that
    requires MFA (ON) the sign-in answers MFA_SETUP and the enrolment goes through its sessions (notebook 05).
    """
    from ..flows import Challenge, associate, authenticator, set_preference, sign_in, verify

    name = device_name or f"{username}Phone"
    user = fresh_user(lab, pool, username, **kwargs)
    first = sign_in(lab, pool, username, user.password)
    if isinstance(first, Challenge):
        if first.name != "MFA_SETUP":
            raise ValueError(f"pool: {username}'s first sign-in asks for {outcome(first)}; enrolled_user needs a "
                             "sign-in that ends in tokens or MFA_SETUP (give a permanent password).")
        phone, tokens = _setup_during_sign_in(lab, pool, first, username, name)
    else:
        tokens = first
        association = associate(lab, access_token=tokens.access_token)
        phone = authenticator(lab, association, account_name=username)
        verify(lab, phone.code(), access_token=tokens.access_token, device_name=name)
    if prefer:
        set_preference(lab, tokens.access_token, totp_enabled=True, totp_preferred=True)
    return user, phone, tokens


def claims(lab: Lab, pool: TeachingPool, tokens: Any) -> Markdown:
    """The MFA-relevant claims of the ID and access tokens, each verified against the pool's JWKS (no token shown)."""
    from ..tokens import issuer_url, jwks_url, verify

    endpoint = lab.target.endpoint_url if lab.is_sandbox else None
    url = jwks_url(pool.pool_id, region=lab.region, endpoint_url=endpoint)
    issuer = None if lab.is_sandbox else issuer_url(pool.pool_id, region=lab.region)
    rows = ["| claim | ID token | access token |", "|---|---|---|"]
    found = {}
    for use, token in (("id", tokens.id_token), ("access", tokens.access_token)):
        found[use] = verify(token, jwks_url=url, issuer=issuer, client_id=pool.client_id, token_use=use,
                            now=lab.clock_for(pool).now(), leeway=5)
    for name in ("token_use", "username", "auth_time", "iat", "exp"):
        cells = []
        for use in ("id", "access"):
            value = getattr(found[use], name)
            if name in ("auth_time", "iat", "exp") and value is not None:
                value = time.strftime("%H:%M:%S UTC", time.gmtime(value))
            cells.append(f"`{value}`")
        rows.append(f"| `{name}` | {cells[0]} | {cells[1]} |")
    scope = str(found["access"].scope or "")
    admin = "aws.cognito.signin.user.admin"
    why = (f"`{admin}` is what Associate/Verify/SetUserMFAPreference require" if admin in scope.split() else
           f"without `{admin}`, Associate/Verify/SetUserMFAPreference refuse this token")
    return Markdown("\n".join(rows) + f"\n\nBoth signatures verified with the pool's JWKS. Access token scope: "
                    f"`{scope}` ({why}).")


# --------------------------------------------------------------------------- federation (notebook 06)

def federated_provider(lab: Lab, pool: TeachingPool, name: str = "ExampleOIDC") -> dict[str, Any]:
    """Add (or find) an OIDC identity provider on the pool, as a federated set-up has: CreateIdentityProvider.

    Users who sign in through it are authenticated by the IdP; Cognito offers them no MFA of its own. Whether it
    exists is asked with ListIdentityProviders (a call that succeeds either way).
    """
    listed = lab.client.list_identity_providers(UserPoolId=pool.pool_id, MaxResults=60).get("Providers", [])
    if any(p.get("ProviderName") == name for p in listed):
        return lab.client.describe_identity_provider(UserPoolId=pool.pool_id, ProviderName=name)["IdentityProvider"]
    return lab.client.create_identity_provider(
        UserPoolId=pool.pool_id, ProviderName=name, ProviderType="OIDC",
        ProviderDetails={
            "client_id": "example-client",
            "authorize_scopes": "openid email", "oidc_issuer": "https://idp.example.com",
            "attributes_request_method": "GET",
        },
        AttributeMapping={"email": "email"},
    )["IdentityProvider"]


# --------------------------------------------------------------------------- the kit's pools (notebook 08)

def pool_table(pools: Sequence[Any], limit: int = 8) -> Markdown:
    """The kit's pools (``flows.find_kit_pools``) as a short table: name, id, run id; past ``limit``, a count."""
    rows = ["| pool | id | run id |", "|---|---|---|"]
    rows += [f"| `{p.name}` | `{p.pool_id}` | `{p.run_id}` |" for p in pools[:limit]]
    more = len(pools) - limit
    tail = f"\n\n... and {more} more." if more > 0 else ""
    return Markdown(f"{len(pools)} pool{'s' if len(pools) != 1 else ''} named `cmk-...` and tagged by the kit:\n\n"
                    + "\n".join(rows) + tail)

"""Choice-based sign-in (``AuthFlow=USER_AUTH``): the first factor chosen up front or from ``SELECT_CHALLENGE``; the
user's MFA (TOTP, email...) follows a password exactly as after USER_PASSWORD_AUTH, with a new session.

>>> challenge = sign_in_with_choice(lab, pool, "Bob")                   # SELECT_CHALLENGE
>>> challenge.available                                                 # ('PASSWORD', 'PASSWORD_SRP', ...)
>>> result = choose(lab, pool, challenge, "PASSWORD", password=pw)      # tokens, or SOFTWARE_TOKEN_MFA ...
>>> result = sign_in_with_choice(lab, pool, "Bob", preferred="PASSWORD", password=pw)   # no SELECT_CHALLENGE
>>> result = choose(lab, pool, challenge, "EMAIL_OTP")                  # EMAIL_OTP → respond(code=sent_code(...))
>>> auth_factors(lab, tokens.access_token)                             # GetUserAuthFactors

The app client needs ``ALLOW_USER_AUTH`` and the pool the Essentials or Plus plan. PASSWORD_SRP uses pycognito's
``AWSSRP`` for the math only; its PASSWORD_VERIFIER step is answered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pycognito.aws_srp import AWSSRP

from .auth import Api, Challenge, SignInResult, check_api, initiate, respond_call, to_result, with_secret_hash
from .pool import TeachingPool
from .validation import check_password, check_username

if TYPE_CHECKING:
    from ..connect import Lab

FIRST_FACTORS = ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
_NEED_PASSWORD = ("PASSWORD", "PASSWORD_SRP")


@dataclass(frozen=True)
class AuthFactors:
    """GetUserAuthFactors: what the user can sign in with (``configured``) and their MFA settings."""

    username: str
    configured: tuple[str, ...]  # ConfiguredUserAuthFactors, e.g. ('PASSWORD', 'SOFTWARE_TOKEN')
    mfa_setting_list: tuple[str, ...]
    preferred: str | None


def _check_factor(factor: object, field: str, offered: tuple[str, ...] | None = None) -> str:
    if factor in ("SOFTWARE_TOKEN", "SOFTWARE_TOKEN_MFA"):
        raise ValueError(f"{field}: TOTP is never a first factor in Cognito; choose PASSWORD (TOTP follows it).")
    if factor not in FIRST_FACTORS:
        raise ValueError(f"{field}: {factor!r} is not a first factor; use one of {', '.join(FIRST_FACTORS)}.")
    if offered is not None and factor not in offered:
        raise ValueError(f"{field}: {factor} is not offered to this user; choose one of {', '.join(offered)}.")
    return str(factor)


def _srp(pool: TeachingPool, username: str, password: str, lab: Lab) -> AWSSRP:
    return AWSSRP(username, password, pool.pool_id, pool.client_id, client=lab.client,
                  client_secret=pool.client_secret)


def _after_srp(lab: Lab, pool: TeachingPool, srp: AWSSRP, auth_params: dict[str, str], response: dict[str, Any],
               username: str, api: Api) -> SignInResult:
    if response.get("ChallengeName") == "PASSWORD_VERIFIER":
        answer = srp.process_challenge(response["ChallengeParameters"], auth_params)
        response = respond_call(lab, pool, "PASSWORD_VERIFIER", response.get("Session"), answer, api)
    return to_result(lab, response, username=username, api=api)


def sign_in_with_choice(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    *,
    preferred: str | None = None,
    password: str | None = None,
    api: Api = "client",
) -> SignInResult:
    """InitiateAuth (or AdminInitiateAuth) with ``AuthFlow=USER_AUTH``.

    Without ``preferred``: a SELECT_CHALLENGE :class:`Challenge` whose ``available`` lists the user's choices
    (answer it with :func:`choose`). With ``preferred`` (PASSWORD or PASSWORD_SRP need ``password``): that factor at
    once — tokens, the MFA challenge that follows the password, or the EMAIL_OTP / SMS_OTP / WEB_AUTHN challenge.
    """
    username = check_username(username)
    api = check_api(api)
    params: dict[str, str] = {"USERNAME": username}
    if preferred is not None:
        preferred = _check_factor(preferred, "preferred")
        params["PREFERRED_CHALLENGE"] = preferred
        if preferred in _NEED_PASSWORD:
            password = check_password(password)
    if preferred == "PASSWORD_SRP":
        srp = _srp(pool, username, password or "", lab)
        auth_params = {**srp.get_auth_params(), "PREFERRED_CHALLENGE": "PASSWORD_SRP"}
        response = initiate(lab, pool, "USER_AUTH", auth_params, api)
        return _after_srp(lab, pool, srp, auth_params, response, username, api)
    if preferred == "PASSWORD":
        params["PASSWORD"] = password or ""
    response = initiate(lab, pool, "USER_AUTH", with_secret_hash(pool, username, params), api)
    return to_result(lab, response, username=username, api=api)


def choose(
    lab: Lab, pool: TeachingPool, challenge: Challenge, answer: str, *, password: str | None = None
) -> SignInResult:
    """Answer SELECT_CHALLENGE with ``answer`` (one of ``challenge.available``); PASSWORD and PASSWORD_SRP take
    ``password``. The answer's session is spent: what follows (MFA, an OTP challenge) comes with a new one."""
    if challenge.name != "SELECT_CHALLENGE":
        raise ValueError(f"challenge: {challenge.name} is not SELECT_CHALLENGE; answer it with respond().")
    answer = _check_factor(answer, "answer", challenge.available)
    username = challenge.username
    if answer in _NEED_PASSWORD:
        password = check_password(password)
    responses: dict[str, str] = {"USERNAME": username, "ANSWER": answer}
    if answer == "PASSWORD_SRP":
        srp = _srp(pool, username, password or "", lab)
        auth_params = srp.get_auth_params()
        responses = with_secret_hash(pool, username, {**responses, "SRP_A": auth_params["SRP_A"]})
        response = respond_call(lab, pool, "SELECT_CHALLENGE", challenge.session, responses, challenge.api)
        return _after_srp(lab, pool, srp, auth_params, response, username, challenge.api)
    if answer == "PASSWORD":
        responses["PASSWORD"] = password or ""
    response = respond_call(lab, pool, "SELECT_CHALLENGE", challenge.session,
                            with_secret_hash(pool, username, responses), challenge.api)
    return to_result(lab, response, username=username, api=challenge.api)


def auth_factors(lab: Lab, access_token: str) -> AuthFactors:
    """GetUserAuthFactors with the user's access token."""
    if not access_token:
        raise ValueError("access_token: empty; sign in first and pass tokens.access_token.")
    found = lab.client.get_user_auth_factors(AccessToken=access_token)
    return AuthFactors(
        username=found.get("Username", ""),
        configured=tuple(found.get("ConfiguredUserAuthFactors") or ()),
        mfa_setting_list=tuple(found.get("UserMFASettingList") or ()),
        preferred=found.get("PreferredMfaSetting") or None,
    )

"""Sign in (admin or client API, password or SRP, optionally on a remembered device), refresh, sign out.

>>> result = sign_in(lab, pool, "Bob", password)              # AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH
>>> result = sign_in(lab, pool, "Bob", password, api="client")  # InitiateAuth USER_PASSWORD_AUTH
>>> result = sign_in(lab, pool, "Bob", password, method="srp")  # USER_SRP_AUTH + PASSWORD_VERIFIER
>>> isinstance(result, Challenge) and result.name                # e.g. "SOFTWARE_TOKEN_MFA" → challenges.respond
>>> tokens = refresh(lab, pool, tokens); sign_out(lab, tokens)

SRP uses pycognito's ``AWSSRP`` for the math only (``get_auth_params``, ``process_challenge``); the calls go
through ``lab.client`` so the journal records them. The PASSWORD_VERIFIER step is answered here, so the result
is what follows the password: tokens, an MFA challenge, NEW_PASSWORD_REQUIRED, MFA_SETUP...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pycognito.aws_srp import AWSSRP

from .auth import Api, Challenge, SignInResult, Tokens, check_api, initiate, respond_call, to_result, with_secret_hash
from .devices import RememberedDevice, answer_device_challenge
from .pool import TeachingPool
from .validation import check_password, check_username

if TYPE_CHECKING:
    from ..connect import Lab

__all__ = ["Challenge", "SignInResult", "Tokens", "refresh", "sign_in", "sign_out"]

Method = Literal["password", "srp"]
_FLOWS = {("admin", "password"): "ADMIN_USER_PASSWORD_AUTH", ("client", "password"): "USER_PASSWORD_AUTH"}


def _continue_device(lab: Lab, pool: TeachingPool, result: SignInResult) -> SignInResult:
    """Answer DEVICE_SRP_AUTH when the device is known (a remembered device then skips MFA)."""
    if isinstance(result, Challenge) and result.name == "DEVICE_SRP_AUTH" and result.device is not None:
        return answer_device_challenge(lab, pool, result)
    return result


def sign_in(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    password: str,
    *,
    api: Api = "admin",
    method: Method = "password",
    device: RememberedDevice | None = None,
) -> SignInResult:
    """The first factor: returns :class:`Tokens`, or the :class:`Challenge` Cognito asks next.

    ``device``: a :class:`RememberedDevice` (from ``confirm_device``); its key goes in DEVICE_KEY and the
    DEVICE_SRP_AUTH challenge is answered automatically.
    """
    username = check_username(username)
    password = check_password(password)
    api = check_api(api)
    if method not in ("password", "srp"):
        raise ValueError(f"method: {method!r} is not a sign-in method; use 'password' or 'srp'.")
    if method == "password":
        params = {"USERNAME": username, "PASSWORD": password}
        if device is not None:
            params["DEVICE_KEY"] = device.device_key
        response = initiate(lab, pool, _FLOWS[(api, method)], with_secret_hash(pool, username, params), api)
        return _continue_device(lab, pool, to_result(lab, response, username=username, api=api, device=device,
                                                     pool=pool))

    extra = {}
    if device is not None:
        extra = {"device_key": device.device_key, "device_group_key": device.device_group_key,
                 "device_password": device.device_password}
    srp = AWSSRP(username, password, pool.pool_id, pool.client_id, client=lab.client,
                 client_secret=pool.client_secret, **extra)
    auth_params = srp.get_auth_params()
    response = initiate(lab, pool, "USER_SRP_AUTH", auth_params, api)
    if response.get("ChallengeName") == "PASSWORD_VERIFIER":
        answer = srp.process_challenge(response["ChallengeParameters"], auth_params)
        response = respond_call(lab, pool, "PASSWORD_VERIFIER", response.get("Session"), answer, api)
    real_name = (response.get("ChallengeParameters") or {}).get("USER_ID_FOR_SRP") or username
    return _continue_device(lab, pool, to_result(lab, response, username=real_name, api=api, device=device,
                                                 pool=pool))


def refresh(lab: Lab, pool: TeachingPool, tokens: Tokens, *, api: Api = "client") -> Tokens:
    """REFRESH_TOKEN_AUTH: new access and ID tokens (the refresh token is kept); never asks for MFA."""
    api = check_api(api)
    if not tokens.refresh_token:
        raise ValueError("tokens: no refresh token; sign in again (refresh() needs tokens from a full sign-in).")
    params = {"REFRESH_TOKEN": tokens.refresh_token}
    if tokens.username:
        params = with_secret_hash(pool, tokens.username, params)
    response = initiate(lab, pool, "REFRESH_TOKEN_AUTH", params, api)
    result = to_result(lab, response, username=tokens.username or "", api=api, refresh_token=tokens.refresh_token,
                       pool=pool)
    if not isinstance(result, Tokens):  # Cognito never challenges a refresh; say so if a backend does
        raise RuntimeError(f"REFRESH_TOKEN_AUTH answered with a {result.name} challenge instead of tokens")
    return result


def sign_out(lab: Lab, tokens: Tokens | str) -> None:
    """GlobalSignOut: revokes the user's refresh tokens; their access tokens stop working."""
    token = tokens.access_token if isinstance(tokens, Tokens) else tokens
    if not token:
        raise ValueError("tokens: empty access token; sign in first.")
    lab.client.global_sign_out(AccessToken=token)

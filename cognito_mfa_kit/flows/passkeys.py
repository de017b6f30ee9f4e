"""Passkeys (WebAuthn) with Cognito: the pool's passkey settings, registering a passkey for a signed-in user, listing
and deleting them, and answering the WEB_AUTHN challenge of choice-based sign-in.

>>> pool = configure_passkeys(lab, pool, relying_party="login.example.com", as_mfa=True)
>>> key = VirtualPasskey()                                        # or a browser's authenticator
>>> register_passkey(lab, tokens.access_token, key, origin="https://login.example.com")
>>> challenge = sign_in_with_choice(lab, pool, "Bob", preferred="WEB_AUTHN")
>>> result = answer_passkey(lab, pool, challenge, key, origin="https://login.example.com")

In a browser the ceremony is ``navigator.credentials.create()`` / ``.get()`` with the options these calls return; a
:class:`~cognito_mfa_kit.passkey.VirtualPasskey` plays the authenticator here. A passkey satisfies MFA only when the
pool says ``FactorConfiguration=MULTI_FACTOR_WITH_USER_VERIFICATION``, the user turned passkey MFA on
(``set_preference(..., passkey_mfa=True)``, which needs another factor the user keeps) and the passkey is the first
factor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..passkey import VirtualPasskey
from .auth import Challenge, SignInResult, respond_call, to_result, with_secret_hash
from .pool import _MFA_CONFIG_KEYS, TeachingPool, _pool_settings

if TYPE_CHECKING:
    from ..connect import Lab

MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"


@dataclass(frozen=True)
class PasskeyInfo:
    """One of ListWebAuthnCredentials' WebAuthnCredentialDescription."""

    credential_id: str
    name: str
    relying_party: str
    attachment: str | None
    transports: tuple[str, ...]
    #: when it was registered, as ISO 8601 text (readable in a cell's output; botocore gives a datetime)
    created_at: str


def configure_passkeys(
    lab: Lab, pool: TeachingPool, *, relying_party: str, user_verification: str = "required", as_mfa: bool = False
) -> TeachingPool:
    """SetUserPoolMfaConfig with a WebAuthnConfiguration (the pool's MFA mode and factors unchanged) and the
    pool's sign-in policy allowing WEB_AUTHN (UpdateUserPool). Essentials or Plus."""
    if user_verification not in ("required", "preferred"):
        raise ValueError("user_verification: use 'required' or 'preferred'.")
    if not relying_party or "/" in relying_party or ":" in relying_party:
        raise ValueError("relying_party: a domain name such as 'login.example.com' (no scheme, no path).")
    factors = pool.first_factors if "WEB_AUTHN" in pool.first_factors else (*pool.first_factors, "WEB_AUTHN")
    if factors != pool.first_factors:
        current = lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)
        lab.client.update_user_pool(**_pool_settings(pool, first_factors=factors))
        kept = {k: v for k, v in current.items() if k in _MFA_CONFIG_KEYS and v}
        lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, **kept)  # UpdateUserPool may reset them
    config = lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)
    request = {k: v for k, v in config.items() if k in _MFA_CONFIG_KEYS and v}
    request["WebAuthnConfiguration"] = {"RelyingPartyId": relying_party, "UserVerification": user_verification,
                                        "FactorConfiguration": MULTI_FACTOR if as_mfa else "SINGLE_FACTOR"}
    lab.client.set_user_pool_mfa_config(UserPoolId=pool.pool_id, **request)
    return dataclasses.replace(pool, first_factors=tuple(factors), created=False)


def register_passkey(lab: Lab, access_token: str, authenticator: VirtualPasskey, *, origin: str) -> str:
    """StartWebAuthnRegistration → the authenticator makes the credential (as a browser would, on ``origin``) →
    CompleteWebAuthnRegistration. Returns the new credential's id."""
    if not access_token:
        raise ValueError("access_token: empty; sign in first and pass tokens.access_token.")
    if not origin.startswith(("https://", "http://localhost")):
        raise ValueError("origin: the page the passkey is made on, e.g. 'https://login.example.com'.")
    options = lab.client.start_web_authn_registration(AccessToken=access_token)["CredentialCreationOptions"]
    credential = authenticator.create(options, origin)
    lab.client.complete_web_authn_registration(AccessToken=access_token, Credential=credential)
    return str(credential["id"])


def list_passkeys(lab: Lab, access_token: str) -> list[PasskeyInfo]:
    """ListWebAuthnCredentials (every page)."""
    found: list[PasskeyInfo] = []
    kwargs: dict[str, Any] = {"AccessToken": access_token}
    while True:
        page = lab.client.list_web_authn_credentials(**kwargs)
        found += [PasskeyInfo(c["CredentialId"], c.get("FriendlyCredentialName", ""), c.get("RelyingPartyId", ""),
                              c.get("AuthenticatorAttachment"), tuple(c.get("AuthenticatorTransports") or ()),
                              _iso(c.get("CreatedAt"))) for c in page.get("Credentials", [])]
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def _iso(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if isinstance(moment, dt.datetime) else str(moment or "")


def delete_passkey(lab: Lab, access_token: str, credential_id: str) -> None:
    """DeleteWebAuthnCredential."""
    if not credential_id:
        raise ValueError("credential_id: empty; take it from list_passkeys().")
    lab.client.delete_web_authn_credential(AccessToken=access_token, CredentialId=credential_id)


def answer_passkey(
    lab: Lab, pool: TeachingPool, challenge: Challenge, authenticator: VirtualPasskey, *, origin: str
) -> SignInResult:
    """Answer a WEB_AUTHN challenge: the authenticator signs CREDENTIAL_REQUEST_OPTIONS on ``origin``; respond with
    the assertion as CREDENTIAL. Tokens — or the user's MFA challenge when the passkey doesn't satisfy MFA."""
    if challenge.name != "WEB_AUTHN":
        raise ValueError(f"challenge: {challenge.name} is not WEB_AUTHN.")
    options = json.loads(challenge.parameters["CREDENTIAL_REQUEST_OPTIONS"])
    responses = with_secret_hash(pool, challenge.username, {
        "USERNAME": challenge.username, "CREDENTIAL": json.dumps(authenticator.get(options, origin))})
    response = respond_call(lab, pool, "WEB_AUTHN", challenge.session, responses, challenge.api)
    return to_result(lab, response, username=challenge.username, api=challenge.api)

"""Managed login's sign-in steps, on the very rules of the API.

The login pages (``login``) call these methods, so a password, a TOTP code, an MFA_SETUP enrolment, a new password
or an MFA choice is checked exactly as InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken and
VerifySoftwareToken check it: the same lockout, the same TOTP window and code reuse on the pool's clock, the same
sessions living the app client's AuthSessionValidity, the same choice of the next challenge.

One difference: a managed-login sign-in ends in an authorization code, not in tokens. While a step runs, the
backend's ``_signed_in`` answers ``{"SignedIn": <username>}`` instead of minting tokens; the login app then issues
the code, and ``/oauth2/token`` mints tokens with the scopes asked for (``login.tokens``).

Managed login is not an SDK flow: the app client's ExplicitAuthFlows don't apply to it, and its pages send no
SECRET_HASH of their own (the service knows the client's secret) [UNVERIFIED: the docs describe ExplicitAuthFlows
for the API operations only]. It does not remember devices [UNVERIFIED].
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient

from . import plans
from .backend_protocol import MixinBase
from .model import SandboxUserPool

_MANAGED: contextvars.ContextVar[bool] = contextvars.ContextVar("managed_login", default=False)
INCORRECT_PASSWORD = "Incorrect username or password."  # noqa: S105 - Cognito's error message, not a password
NO_PASSKEY = "No passkey sign-in for this user."  # [UNVERIFIED] wording


@contextlib.contextmanager
def _managed_login() -> Iterator[None]:
    marker = _MANAGED.set(True)
    try:
        yield
    finally:
        _MANAGED.reset(marker)


def secret_hash(client: CognitoIdpUserPoolClient, username: str) -> str:
    """SECRET_HASH of ``username`` for a client with a secret: Base64(HMAC-SHA256(secret, username + client id))."""
    digest = hmac.new(str(client.secret).encode(), (username + client.id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class ManagedLoginSteps(MixinBase):
    """The managed-login part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    sign-in rules ``_find_user``, ``_check_lockout``, ``_password_failed``, ``_password_ok``, ``_after_password`` and
    the API's own answer and enrolment methods)."""

    def managed_password(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, username: str,
                         password: str) -> dict[str, Any]:
        """The sign-in page's username and password: the API's answer (a challenge) or ``{"SignedIn": ...}``."""
        with _managed_login():
            user = self._find_user(pool, client, username)
            self._check_lockout(user)
            if user.password is None or user.password != password:
                self._password_failed(user)
                raise NotAuthorizedError(INCORRECT_PASSWORD)
            self._password_ok(user)
            return self._after_password(pool, client, user, None)

    def managed_respond(self, session_id: str, client_id: str, challenge: str,
                        responses: dict[str, str]) -> dict[str, Any]:
        """Answer ``challenge`` with the session's own user (and the SECRET_HASH the service would add)."""
        session = self.sessions.find(session_id)
        username = session.username if session is not None else ""
        answer = {"USERNAME": username, **responses}
        _pool, client = self._pool_of_client(client_id)
        if client.generate_secret:
            answer["SECRET_HASH"] = secret_hash(client, username)
        with _managed_login():
            return self.respond_to_auth_challenge(session_id, client_id, challenge, answer)

    def managed_setup(self, session_id: str) -> dict[str, str]:
        """MFA_SETUP on the set-up page: AssociateSoftwareToken with the challenge's session → SecretCode, Session."""
        with _managed_login():
            return self.associate_software_token("", session_id)

    def managed_verify_setup(self, session_id: str, client_id: str, user_code: str) -> dict[str, Any]:
        """The set-up page's code: VerifySoftwareToken with the association's session, then MFA_SETUP answered."""
        with _managed_login():
            verified = self.verify_software_token("", session_id, user_code, "")
            return self.managed_respond(verified["Session"], client_id, "MFA_SETUP", {})

    # ------------------------------------------------------------------ passkeys (/login, /passkey, /passkeys/add)
    def managed_passkey(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient,
                        username: str) -> dict[str, Any]:
        """The sign-in page's "Sign in with a passkey": the WEB_AUTHN first factor of choice-based sign-in (the
        ``PREFERRED_CHALLENGE=WEB_AUTHN`` of USER_AUTH) → the WEB_AUTHN challenge with CREDENTIAL_REQUEST_OPTIONS.
        Offered only when the user could choose it in USER_AUTH (a registered passkey; a user with MFA only when
        passkeys satisfy MFA) [UNVERIFIED: what managed login says otherwise]."""
        s: Any = self
        with _managed_login():
            plans.require(plans.tier_of(pool.extended_config), "passkeys")
            user = s._find_user(pool, client, username)
            s._check_lockout(user)
            if "WEB_AUTHN" not in s._available_first_factors(pool, user):
                raise NotAuthorizedError(NO_PASSKEY)
            return s._first_factor(pool, client, user, "WEB_AUTHN", {}, None)

    def managed_start_passkey(self, pool: SandboxUserPool, client_id: str, username: str) -> dict[str, Any]:
        """/passkeys/add: StartWebAuthnRegistration's rules for the user the session cookie names."""
        s: Any = self
        return s._start_registration(pool, s.admin_get_user(pool.id, username), client_id)

    def managed_complete_passkey(self, pool: SandboxUserPool, client_id: str, username: str, credential: Any) -> None:
        """/passkeys/add's answer: CompleteWebAuthnRegistration's rules (the attestation checked by ``webauthn``)."""
        s: Any = self
        s._complete_registration(pool, s.admin_get_user(pool.id, username), client_id, credential)

    def _signed_in(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                   device: Any) -> dict[str, Any]:
        if _MANAGED.get():
            return {"ChallengeParameters": {}, "SignedIn": user.username}
        return super()._signed_in(pool, client, user, device)  # type: ignore[safe-super]  # SignInRules' (MRO at run time)

"""Passkeys (WebAuthn): the pool's WebAuthnConfiguration, registration (Start/CompleteWebAuthnRegistration),
ListWebAuthnCredentials, DeleteWebAuthnCredential, the user's WebAuthnMfaSettings, and the WEB_AUTHN challenge of
USER_AUTH. Attestations and assertions are verified by the ``webauthn`` library (py_webauthn), never by hand.

Rules (reference §9; service model WebAuthnConfigurationType, WebAuthnMfaSettingsType, the *WebAuthn* operations and
their exceptions):
- WebAuthnConfiguration {RelyingPartyId, UserVerification required|preferred, FactorConfiguration SINGLE_FACTOR |
  MULTI_FACTOR_WITH_USER_VERIFICATION} needs Essentials or Plus; GetUserPoolMfaConfig shows it with
  UserVerification ``preferred`` and FactorConfiguration ``SINGLE_FACTOR`` when not given [UNVERIFIED defaults].
- StartWebAuthnRegistration (access token) → ``CredentialCreationOptions`` for the pool's relying party (its
  RelyingPartyId, else its domain); no RP id and no domain → ``WebAuthnConfigurationMissingException``; passkeys not
  allowed as a first factor (``WEB_AUTHN`` not in AllowedFirstAuthFactors) → ``WebAuthnNotEnabledException``
  [UNVERIFIED: the sandbox's reading of "the passkey feature isn't enabled"].
- CompleteWebAuthnRegistration checks the attestation: a challenge that is not the pending one (or expired, after
  the app client's AuthSessionValidity [UNVERIFIED lifetime]) → ``WebAuthnChallengeNotFoundException``; an access
  token of another app client than Start's → ``WebAuthnClientMismatchException``; an origin that is not the RP id
  (or under it) → ``WebAuthnOriginNotAllowedException``; another RP id → ``WebAuthnRelyingPartyMismatchException``;
  UserVerification ``required`` and no UV flag → ``InvalidParameterException`` [UNVERIFIED]; an attestation the
  library can't use → ``WebAuthnCredentialNotSupportedException``. At most 20 passkeys per user
  (``LimitExceededException``) [UNVERIFIED number].
- ListWebAuthnCredentials pages by MaxResults (0–20); DeleteWebAuthnCredential of an unknown id →
  ``ResourceNotFoundException``.
- WebAuthnMfaSettings {Enabled} ("passkey MFA applies only when passkey is the first authentication factor"): needs
  the pool's FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION ("WEB_AUTHN is available as an MFA factor only
  when passkey MFA is enabled at the user pool level", GetUserAuthFactors), a registered passkey [UNVERIFIED], and
  another MFA factor the user keeps ("such as SMS, TOTP, or email", WebAuthnMfaSettingsType) — refused with
  ``InvalidParameterException`` otherwise [UNVERIFIED wording].
- WEB_AUTHN challenge: ``CREDENTIAL_REQUEST_OPTIONS`` (JSON) answered with ``CREDENTIAL`` (AuthenticationResponseJSON);
  a bad assertion → ``NotAuthorizedException`` [UNVERIFIED wording]. For a user with MFA, the passkey satisfies it
  when the pool says MULTI_FACTOR_WITH_USER_VERIFICATION, the user turned passkey MFA on, and the authenticator
  verified the user (UV flag); otherwise the user's MFA challenge follows [UNVERIFIED].
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient
from moto.core.exceptions import JsonRESTError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import challenges, plans
from .backend_protocol import MixinBase
from .choice import allowed_first_factors
from .clock import CLOCK
from .model import SandboxUserPool, claims_of, mfa

MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
MAX_PASSKEYS = 20  # [UNVERIFIED]
REGISTRATION_STEP = "WEB_AUTHN_REGISTRATION"


class WebAuthnError(JsonRESTError):
    """One of the service model's WebAuthn* exceptions (and LimitExceededException)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)


# ---------------------------------------------------------------------------------------------------- pool settings
def check_pool_config(pool: SandboxUserPool, config: dict[str, Any] | None) -> None:
    if config is None:
        return
    plans.require(plans.tier_of(pool.extended_config), "passkeys")
    if config.get("UserVerification") not in (None, "required", "preferred"):
        raise InvalidParameterException("UserVerification must be required or preferred")
    if config.get("FactorConfiguration") not in (None, "SINGLE_FACTOR", MULTI_FACTOR):
        raise InvalidParameterException(f"FactorConfiguration must be SINGLE_FACTOR or {MULTI_FACTOR}")


def normalised_config(config: dict[str, Any]) -> dict[str, Any]:
    """The WebAuthnConfiguration as GetUserPoolMfaConfig shows it (defaults filled in) [UNVERIFIED defaults]."""
    shown = {"UserVerification": config.get("UserVerification") or "preferred",
             "FactorConfiguration": config.get("FactorConfiguration") or "SINGLE_FACTOR"}
    if config.get("RelyingPartyId"):
        shown["RelyingPartyId"] = config["RelyingPartyId"]
    return shown


def _uv_required(pool: SandboxUserPool) -> bool:
    return (pool.web_authn_config or {}).get("UserVerification") == "required"


def _allowed_origin(origin: str, rp_id: str) -> bool:
    """The origin is the relying party's domain or under it (https; http only for loopback names: localhost,
    ``*.localhost`` such as the sandbox's own domains ``<prefix>.auth.localhost``, and 127.0.0.1 — the names browsers
    treat as secure contexts) [UNVERIFIED]."""
    parsed = urlparse(origin)
    host = parsed.hostname or ""
    loopback = host in ("localhost", "127.0.0.1") or host.endswith(".localhost")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
        return False
    return host == rp_id or host.endswith("." + rp_id)


# ---------------------------------------------------------------------------------------------------- preference
def check_preference(pool: SandboxUserPool, user: CognitoIdpUser, settings: dict[str, bool] | None, *,
                     totp: dict[str, bool] | None, sms: dict[str, bool] | None,
                     email: dict[str, bool] | None) -> None:
    """WebAuthnMfaSettings, and the rule that passkey MFA needs another factor the user keeps."""
    record = mfa(user)
    wants = record.passkey_mfa if settings is None else bool(settings.get("Enabled", record.passkey_mfa))
    if settings is not None:
        plans.require(plans.tier_of(pool.extended_config), "passkeys")
        if wants and (pool.web_authn_config or {}).get("FactorConfiguration") != MULTI_FACTOR:
            raise InvalidParameterException(
                f"Passkey MFA needs the user pool's WebAuthnConfiguration FactorConfiguration {MULTI_FACTOR}"
            )
        if wants and not record.passkeys:
            raise InvalidParameterException("User has no registered passkey")
    if not wants:
        return

    def after(given: dict[str, bool] | None, now: bool) -> bool:
        return now if given is None else bool(given.get("Enabled", now))

    others = (after(totp, bool(user.software_token_mfa_enabled)), after(sms, bool(user.sms_mfa_enabled)),
              after(email, record.email_enabled))
    if not any(others):
        raise InvalidParameterException(
            "Passkey MFA needs another MFA factor (SMS, TOTP or email) that stays enabled for the user"
        )


def apply_preference(user: CognitoIdpUser, settings: dict[str, bool] | None) -> None:
    if settings is not None and "Enabled" in settings:
        mfa(user).passkey_mfa = bool(settings["Enabled"])


# ---------------------------------------------------------------------------------------------------- the API
class PasskeyApi(MixinBase):
    """The passkey part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the backend's
    ``_user_for_access_token``, sessions, ``_issue``, ``_signed_in``, ``_mfa_or_tokens`` and ``_has_mfa``)."""

    def _relying_party(self, pool: SandboxUserPool) -> str:
        configured = (pool.web_authn_config or {}).get("RelyingPartyId")
        if configured:
            return str(configured)
        for domain in self.user_pool_domains.values():
            if domain.user_pool_id == pool.id:
                if domain.custom_domain_config:
                    return str(domain.domain)
                return f"{domain.domain}.auth.{pool.region}.amazoncognito.com"
        raise WebAuthnError("WebAuthnConfigurationMissingException",
                            "The user pool has no relying party id and no domain.")

    def _passkey_user(self, access_token: str) -> tuple[SandboxUserPool, CognitoIdpUser, str]:
        pool, user = self._user_for_access_token(access_token)
        client_id = str(claims_of(access_token).get("client_id", ""))
        return pool, user, client_id

    def start_web_authn_registration(self, access_token: str) -> dict[str, Any]:
        return self._start_registration(*self._passkey_user(access_token))

    def _start_registration(self, pool: SandboxUserPool, user: CognitoIdpUser, client_id: str) -> dict[str, Any]:
        """StartWebAuthnRegistration's rules for ``user`` signed in with app client ``client_id`` (the API gets them
        from the access token, managed login's /passkeys/add from its session cookie)."""
        if not plans.allows(plans.tier_of(pool.extended_config), "passkeys") \
                or "WEB_AUTHN" not in allowed_first_factors(pool):
            raise WebAuthnError("WebAuthnNotEnabledException", "Passkeys are not enabled for the user pool.")
        rp_id = self._relying_party(pool)
        record = mfa(user)
        if len(record.passkeys) >= MAX_PASSKEYS:
            raise WebAuthnError("LimitExceededException", f"A user can register at most {MAX_PASSKEYS} passkeys.")
        options = generate_registration_options(
            rp_id=rp_id, rp_name=pool.name, user_id=user.id.encode(), user_name=user.username,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED if _uv_required(pool)
                else UserVerificationRequirement.PREFERRED),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p["id"]))
                                 for p in record.passkeys],
        )
        client = self._client(pool, client_id)
        self._issue(pool, client, user.username, REGISTRATION_STEP,
                    challenge=bytes_to_base64url(options.challenge), rp_id=rp_id)
        return {"CredentialCreationOptions": json.loads(options_to_json(options))}

    def complete_web_authn_registration(self, access_token: str, credential: Any) -> None:
        self._complete_registration(*self._passkey_user(access_token), credential)

    def _complete_registration(self, pool: SandboxUserPool, user: CognitoIdpUser, client_id: str,
                               credential: Any) -> None:
        """CompleteWebAuthnRegistration's rules (as :meth:`_start_registration`)."""
        if not isinstance(credential, dict):
            raise InvalidParameterException("Credential must be a RegistrationResponseJSON object")
        pending = [s for s in self.sessions.all()
                   if s.step == REGISTRATION_STEP and s.pool_id == pool.id and s.username == user.username
                   and not s.used and s.expires_at >= CLOCK.now(pool.id)]
        try:
            client_data = parse_client_data_json(
                base64url_to_bytes((credential.get("response") or {}).get("clientDataJSON", "")))
            origin, challenge = client_data.origin, client_data.challenge
        except Exception as exc:  # the library's parser: any malformed input
            raise InvalidParameterException("Credential.response.clientDataJSON is malformed") from exc
        session = next((s for s in pending if s.data.get("challenge") == bytes_to_base64url(challenge)), None)
        if session is None:
            raise WebAuthnError("WebAuthnChallengeNotFoundException",
                                "No registration challenge matches: call StartWebAuthnRegistration again.")
        if session.client_id != client_id:
            raise WebAuthnError("WebAuthnClientMismatchException",
                                "The access token is for another app client than StartWebAuthnRegistration's.")
        rp_id = str(session.data["rp_id"])
        if not _allowed_origin(origin, rp_id):
            raise WebAuthnError("WebAuthnOriginNotAllowedException",
                                f"The origin {origin} does not belong to the relying party {rp_id}.")
        try:
            verified = verify_registration_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
                require_user_verification=_uv_required(pool))
        except WebAuthnException as exc:
            text = str(exc)
            if "RP ID hash" in text:
                raise WebAuthnError("WebAuthnRelyingPartyMismatchException",
                                    f"The passkey is not for the relying party {rp_id}.") from exc
            if "User verification" in text:
                raise InvalidParameterException("The user pool requires user verification for passkeys") from exc
            raise WebAuthnError("WebAuthnCredentialNotSupportedException", text) from exc
        self.sessions.spend(session)
        record = mfa(user)
        attachment = credential.get("authenticatorAttachment")
        transports = [t for t in (credential.get("response") or {}).get("transports") or []
                      if t in {m.value for m in AuthenticatorTransport}]
        entry = {"id": bytes_to_base64url(verified.credential_id),
                 "public_key": bytes_to_base64url(verified.credential_public_key),
                 "sign_count": verified.sign_count, "name": "Passkey", "rp_id": rp_id,
                 "transports": transports, "attachment": attachment, "created_at": CLOCK.now(pool.id)}
        record.passkeys = [p for p in record.passkeys if p["id"] != entry["id"]] + [entry]

    def list_web_authn_credentials(self, access_token: str, next_token: str | None,
                                   max_results: int | None) -> dict[str, Any]:
        _, user, _ = self._passkey_user(access_token)
        start = int(next_token) if next_token and next_token.isdigit() else 0
        size = 20 if max_results is None else max(0, min(int(max_results), 20))
        keys = mfa(user).passkeys
        page = keys[start:start + size] if size else keys[start:start + 20]
        answer: dict[str, Any] = {"Credentials": [_description(p) for p in page]}
        if start + len(page) < len(keys):
            answer["NextToken"] = str(start + len(page))
        return answer

    def delete_web_authn_credential(self, access_token: str, credential_id: str) -> None:
        _, user, _ = self._passkey_user(access_token)
        record = mfa(user)
        kept = [p for p in record.passkeys if p["id"] != credential_id]
        if len(kept) == len(record.passkeys):
            raise ResourceNotFoundError("Credential not found.")
        record.passkeys = kept
        if not kept:
            record.passkey_mfa = False  # [UNVERIFIED] no passkey left: passkey MFA is off

    # ------------------------------------------------------------------ sign-in
    def _passkey_first_factor(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                              params: dict[str, str], device_key: str | None) -> dict[str, Any]:  # noqa: ARG002 - the first-factor handlers' shared signature
        rp_id = self._relying_party(pool)
        options = generate_authentication_options(
            rp_id=rp_id,
            allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p["id"]))
                               for p in mfa(user).passkeys],
            user_verification=UserVerificationRequirement.REQUIRED if _uv_required(pool)
            else UserVerificationRequirement.PREFERRED,
        )
        session = self._issue(pool, client, user.username, "WEB_AUTHN", device_key=device_key, rp_id=rp_id,
                              challenge=bytes_to_base64url(options.challenge))
        return {"ChallengeName": "WEB_AUTHN", "Session": session.id,
                "ChallengeParameters": {"USERNAME": user.username,
                                        "CREDENTIAL_REQUEST_OPTIONS": options_to_json(options)}}

    def _answer_web_authn(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self.sessions.take(session_id, "WEB_AUTHN", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        raw = responses.get("CREDENTIAL")
        if not raw:
            raise InvalidParameterException("Missing required parameter CREDENTIAL")
        try:
            credential = json.loads(raw)
            origin = parse_client_data_json(base64url_to_bytes(credential["response"]["clientDataJSON"])).origin
        except Exception as exc:  # malformed JSON or structure
            raise InvalidParameterException("CREDENTIAL is not an AuthenticationResponseJSON") from exc
        record = mfa(user)
        stored = next((p for p in record.passkeys if p["id"] == credential.get("id")), None)
        rp_id = str(session.data["rp_id"])
        if stored is None or not _allowed_origin(origin, rp_id):
            self.sessions.wrong_code(session)
            raise NotAuthorizedError("Incorrect passkey credential.")  # [UNVERIFIED] wording
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=base64url_to_bytes(session.data["challenge"]),
                expected_rp_id=rp_id, expected_origin=origin,
                credential_public_key=base64url_to_bytes(stored["public_key"]),
                credential_current_sign_count=int(stored["sign_count"]),
                require_user_verification=_uv_required(pool))
        except WebAuthnException as exc:
            self.sessions.wrong_code(session)
            raise NotAuthorizedError("Incorrect passkey credential.") from exc
        self.sessions.spend(session)
        record.passkeys = [{**p, "sign_count": verified.new_sign_count} if p["id"] == stored["id"] else p
                           for p in record.passkeys]
        device = self._session_device(pool, user, session)
        satisfies_mfa = ((pool.web_authn_config or {}).get("FactorConfiguration") == MULTI_FACTOR
                         and record.passkey_mfa and verified.user_verified)
        if satisfies_mfa or not self._has_mfa(pool, user):
            return self._signed_in(pool, client, user, device)
        decision = challenges.decide(self._facts(pool, user))
        if decision.challenge is None:
            return self._signed_in(pool, client, user, device)
        return self._challenge(pool, client, user, decision.challenge, decision.parameters, device)


def _description(passkey: dict[str, Any]) -> dict[str, Any]:
    """A WebAuthnCredentialDescription."""
    described: dict[str, Any] = {
        "CredentialId": passkey["id"], "FriendlyCredentialName": passkey.get("name") or "Passkey",
        "RelyingPartyId": passkey["rp_id"], "AuthenticatorTransports": list(passkey.get("transports") or []),
        "CreatedAt": passkey["created_at"],
    }
    if passkey.get("attachment"):
        described["AuthenticatorAttachment"] = passkey["attachment"]
    return described

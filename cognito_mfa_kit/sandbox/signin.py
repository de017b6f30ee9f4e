"""Sign-in rules: InitiateAuth/AdminInitiateAuth, ExplicitAuthFlows, secret hash, user lookup,
password lockout on the pool's clock, refresh, the first factor (password or SRP), and what comes after it
(new password, remembered device, an MFA challenge, or tokens)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import moto.cognitoidp.models as moto_models
from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient, UserStatus
from moto.cognitoidp.utils import check_secret_hash

from . import challenges, email_mfa, srp
from .backend_protocol import MixinBase
from .clock import CLOCK
from .devices import Device, new_device, tracking_enabled
from .exceptions import PasswordResetRequiredException
from .model import AUTH_TIME, SandboxUserPool, mfa

INCORRECT_PASSWORD = "Incorrect username or password."  # noqa: S105 - Cognito's error message, not a password
LOCKED_OUT = "Password attempts exceeded"
#: "After five failed sign-in attempts, Amazon Cognito locks out your user for one second. The lockout duration
#: then doubles after each additional failed attempt, up to ... 15 minutes" (reference §2).
LOCKOUT_AFTER = 5
LOCKOUT_MAX_SECONDS = 15 * 60

# AuthFlow → the ExplicitAuthFlows values that allow it (new ALLOW_* names and the legacy ones).
FLOW_ALLOWED_BY = {
    "ADMIN_USER_PASSWORD_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
    "ADMIN_NO_SRP_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
    "USER_PASSWORD_AUTH": {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"},
    "USER_SRP_AUTH": {"ALLOW_USER_SRP_AUTH"},
    "REFRESH_TOKEN_AUTH": {"ALLOW_REFRESH_TOKEN_AUTH"},
    "REFRESH_TOKEN": {"ALLOW_REFRESH_TOKEN_AUTH"},
    "CUSTOM_AUTH": {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
    "USER_AUTH": {"ALLOW_USER_AUTH"},  # choice-based sign-in: choice.py
}
#: "If you don't specify a value for ExplicitAuthFlows, your user client supports ALLOW_REFRESH_TOKEN_AUTH,
#: ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH." (CreateUserPoolClient docs)
DEFAULT_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

ADMIN_FLOWS = ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH",
               "REFRESH_TOKEN"]
CLIENT_FLOWS = ["USER_SRP_AUTH", "USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"]


class SignInRules(MixinBase):
    """The sign-in part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's lookups ``_client``, ``_pool_of_client``, ``_user_for_access_token`` and ``_issue``)."""

    def _check_flow(self, client: CognitoIdpUserPoolClient, flow: str, *, admin: bool) -> None:
        """Rule: the app client's ExplicitAuthFlows are enforced."""
        configured = set(client.extended_config.get("ExplicitAuthFlows") or []) or DEFAULT_FLOWS
        allowed = set(FLOW_ALLOWED_BY.get(flow, set()))
        if configured and configured <= LEGACY_FLOWS:
            # Legacy-only clients always allowed SRP and refresh.
            allowed |= {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"} & configured
            if flow in ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
                return
        if configured & allowed:
            return
        # [UNVERIFIED] wording as widely reported from the service.
        if admin:
            raise InvalidParameterException("Auth flow not enabled for this client")
        raise InvalidParameterException(f"{flow} flow not enabled for this client")

    @staticmethod
    def _check_secret_hash(client: CognitoIdpUserPoolClient, username: str, given: str | None) -> None:
        if client.generate_secret and not check_secret_hash(client.secret, client.id, username, given):
            raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")

    def _find_user(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient,
                   username: str | None) -> CognitoIdpUser:
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        user = pool._get_user(username)
        if user is None:
            if self._hides_users(client):
                # Rule: PreventUserExistenceErrors=ENABLED: an unknown user fails as a wrong password does.
                raise NotAuthorizedError(INCORRECT_PASSWORD)
            raise UserNotFoundError("User does not exist.")
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        return user

    @staticmethod
    def _hides_users(client: CognitoIdpUserPoolClient) -> bool:
        return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def _phantom_srp(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, username: str,
                     params: dict[str, str]) -> dict[str, Any]:
        """Rule: with PreventUserExistenceErrors=ENABLED, USER_SRP_AUTH for an unknown user gets a simulated
        PASSWORD_VERIFIER (the same SALT on every try for that username; an SRP_B like any other) and fails only at
        the answer, with "Incorrect username or password." (reference §9, cognito-user-pool-managing-errors)."""
        self._check_secret_hash(client, username, params.get("SECRET_HASH"))
        srp_a = params.get("SRP_A")
        if not srp_a:
            raise InvalidParameterException("Missing required parameter SRP_A")
        salt = pool.srp_salt(username, None)
        verifier = srp.user_verifier(pool.id.split("_", 1)[1], username, secrets.token_urlsafe(16), salt)
        try:
            state = srp.start(verifier, salt, srp_a)
        except ValueError as exc:
            raise NotAuthorizedError(INCORRECT_PASSWORD) from exc
        session = self._issue(pool, client, username, "PASSWORD_VERIFIER", srp=state.to_dict(), device_key=None,
                              phantom=True)  # found by its SECRET_BLOCK too (SessionStore.by_secret_block)
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": session.id,
            "ChallengeParameters": {**srp.challenge_parameters(state), "USERNAME": username,
                                    "USER_ID_FOR_SRP": username},
        }

    # Rule: password lockout, timed by the pool's clock.
    @staticmethod
    def _check_lockout(user: CognitoIdpUser) -> None:
        record, now = mfa(user), CLOCK.now(user.user_pool_id)
        if record.failures and now - record.last_failure > LOCKOUT_MAX_SECONDS:
            record.failures = 0
        if now < record.locked_until:
            raise NotAuthorizedError(LOCKED_OUT)

    @staticmethod
    def _password_failed(user: CognitoIdpUser) -> None:
        record, now = mfa(user), CLOCK.now(user.user_pool_id)
        record.failures += 1
        record.last_failure = now
        if record.failures >= LOCKOUT_AFTER:
            record.locked_until = now + min(2 ** (record.failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS)

    @staticmethod
    def _password_ok(user: CognitoIdpUser) -> None:
        record = mfa(user)
        record.failures, record.locked_until = 0, 0.0

    def _srp_challenge(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                       step: str, state: srp.SrpState, device_key: str | None, **parameters: str) -> dict[str, Any]:
        """A PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER challenge: its session is also found by SECRET_BLOCK
        (``SessionStore.by_secret_block``)."""
        session = self._issue(pool, client, user.username, step, srp=state.to_dict(), device_key=device_key)
        return {
            "ChallengeName": step,
            "Session": session.id,
            "ChallengeParameters": {**srp.challenge_parameters(state), "USERNAME": user.username, **parameters},
        }

    def admin_initiate_auth(
        self, user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        if auth_flow == "USER_AUTH":  # not in moto's AuthFlow: choice.py
            pool = self.describe_user_pool(user_pool_id)
            return self._user_auth(pool, self._client(pool, client_id), auth_parameters or {}, admin=True)
        flow = self._validate_auth_flow(auth_flow, [moto_models.AuthFlow[f] for f in ADMIN_FLOWS])
        pool = self.describe_user_pool(user_pool_id)
        client = self._client(pool, client_id)
        return self._initiate(pool, client, flow.value, auth_parameters or {}, admin=True)

    def initiate_auth(
        self, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        if auth_flow == "USER_AUTH":  # not in moto's AuthFlow: choice.py
            return self._user_auth(*self._pool_of_client(client_id), auth_parameters or {}, admin=False)
        flow = self._validate_auth_flow(auth_flow, [moto_models.AuthFlow[f] for f in CLIENT_FLOWS])
        pool, client = self._pool_of_client(client_id)
        return self._initiate(pool, client, flow.value, auth_parameters or {}, admin=False)

    def _initiate(
        self,
        pool: SandboxUserPool,
        client: CognitoIdpUserPoolClient,
        flow: str,
        params: dict[str, str],
        *,
        admin: bool,
    ) -> dict[str, Any]:
        self._check_flow(client, flow, admin=admin)
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return self._refresh(pool, client, params)
        if flow == "USER_SRP_AUTH" and self._hides_users(client) and params.get("USERNAME") and pool._get_user(
            params["USERNAME"]
        ) is None:
            return self._phantom_srp(pool, client, params["USERNAME"], params)
        user = self._find_user(pool, client, params.get("USERNAME"))
        self._check_secret_hash(client, params.get("USERNAME", ""), params.get("SECRET_HASH"))
        self._check_lockout(user)
        if flow == "USER_SRP_AUTH":
            return self._start_srp(pool, client, user, params)
        if user.password != params.get("PASSWORD"):
            self._password_failed(user)
            raise NotAuthorizedError(INCORRECT_PASSWORD)
        self._password_ok(user)
        return self._after_password(pool, client, user, params.get("DEVICE_KEY"))

    def _refresh(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
                 ) -> dict[str, Any]:
        """Rule: a refresh never asks for MFA [UNVERIFIED beyond SDK behaviour, reference §5]; a revoked refresh
        token is refused."""
        token = params.get("REFRESH_TOKEN")
        if not token:
            raise InvalidParameterException("Missing required parameter REFRESH_TOKEN")
        if token not in pool.refresh_tokens:
            raise NotAuthorizedError("Invalid Refresh Token")
        entry = pool.refresh_tokens[token]
        if entry is None:
            raise NotAuthorizedError("Refresh Token has been revoked")
        token_client, username, _ = entry
        if token_client != client.id:
            # Cognito's wording since January 2022 (aws-sdk-js#4016; "Invalid Refresh Token" before).
            raise NotAuthorizedError("Refresh Token has different Client")
        self._check_secret_hash(client, username, params.get("SECRET_HASH"))
        access, id_token, expires_in = pool.create_tokens_from_refresh_token(token)
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": access,
                "IdToken": id_token,
                "ExpiresIn": expires_in,
                "TokenType": "Bearer",
            },
        }

    def _after_password(
        self,
        pool: SandboxUserPool,
        client: CognitoIdpUserPoolClient,
        user: CognitoIdpUser,
        device_key: str | None,
        *,
        device_checked: bool = False,
    ) -> dict[str, Any]:
        """The first factor passed: a new password, the device, MFA, or tokens — as Cognito decides."""
        if user.status == UserStatus.RESET_REQUIRED:
            raise PasswordResetRequiredException()
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
            session = self._issue(pool, client, user.username, "NEW_PASSWORD_REQUIRED", device_key=device_key)
            attributes = {a["Name"]: a["Value"] for a in user.attributes if a["Name"] != "sub"}
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session.id,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(attributes),
                },
            }
        device: Device | None = None
        if device_key and tracking_enabled(pool.extended_config.get("DeviceConfiguration")):
            device = pool.devices.get(user.username, device_key)
            if device.confirmed and not device_checked:
                session = self._issue(pool, client, user.username, "DEVICE_SRP_AUTH", device_key=device.key)
                return {"ChallengeName": "DEVICE_SRP_AUTH", "Session": session.id, "ChallengeParameters": {}}
            config = pool.extended_config.get("DeviceConfiguration") or {}
            if device_checked and device.remembered and config.get("ChallengeRequiredOnNewDevice"):
                # Rule: "When [ChallengeRequiredOnNewDevice is] true, a remembered device can sign in with device
                # authentication instead of SMS and TOTP factors" (DeviceConfigurationType).
                return self._signed_in(pool, client, user, device)
        return self._mfa_or_tokens(pool, client, user, device)

    def _facts(self, pool: SandboxUserPool, user: CognitoIdpUser) -> challenges.MfaFacts:
        return challenges.MfaFacts(
            pool_mfa=pool.mfa_config or "OFF",
            pool_totp=bool((pool.token_mfa_config or {}).get("Enabled")),
            pool_sms=bool((pool.sms_mfa_config or {}).get("SmsConfiguration")),
            totp_verified=bool(user.token_verified and mfa(user).secret),
            totp_enabled=bool(user.software_token_mfa_enabled),
            sms_enabled=bool(user.sms_mfa_enabled),
            has_phone=bool(user.attribute_lookup.get("phone_number")),
            preferred=user.preferred_mfa_setting or None,
            pool_email=email_mfa.pool_has_email(pool),
            email_enabled=mfa(user).email_enabled,
            has_email=bool(user.attribute_lookup.get("email")),
        )

    def _mfa_or_tokens(
        self,
        pool: SandboxUserPool,
        client: CognitoIdpUserPoolClient,
        user: CognitoIdpUser,
        device: Device | None,
    ) -> dict[str, Any]:
        decision = challenges.decide(self._facts(pool, user))
        if decision.challenge is None:
            return self._signed_in(pool, client, user, device)
        return self._challenge(pool, client, user, decision.challenge, decision.parameters, device)

    def _challenge(
        self,
        pool: SandboxUserPool,
        client: CognitoIdpUserPoolClient,
        user: CognitoIdpUser,
        name: str,
        parameters: dict[str, str],
        device: Device | None,
    ) -> dict[str, Any]:
        params = {"USER_ID_FOR_SRP": user.username, **parameters}
        data: dict[str, Any] = {"device_key": device.key if device else None}
        device_name = mfa(user).device_name
        if name == challenges.TOTP and device_name:
            params["FRIENDLY_DEVICE_NAME"] = device_name
        if name == challenges.SMS:
            params.update(self.outbox.send_sms_code(pool.id, user, data))
        if name == challenges.EMAIL:
            params.update(email_mfa.send_code(self.outbox, pool, client.extended_config, user, data))
        if name == "SELECT_MFA_TYPE":
            data["choices"] = json.loads(parameters["MFAS_CAN_CHOOSE"])
        session = self._issue(pool, client, user.username, name, **data)
        return {"ChallengeName": name, "Session": session.id, "ChallengeParameters": params}

    def _signed_in(
        self,
        pool: SandboxUserPool,
        client: CognitoIdpUserPoolClient,
        user: CognitoIdpUser,
        device: Device | None,
    ) -> dict[str, Any]:
        """Tokens, and NewDeviceMetadata for an unknown device when the pool tracks devices."""
        marker = AUTH_TIME.set(int(CLOCK.now(pool.id)))
        try:
            result = self._log_user_in(pool, client, user.username)
        finally:
            AUTH_TIME.reset(marker)
        if device is not None:
            device.last_authenticated = CLOCK.now(pool.id)
        elif tracking_enabled(pool.extended_config.get("DeviceConfiguration")):
            fresh = pool.devices.add(
                new_device(pool.region, user.username, pool.devices.group_key_of(user.username))
            )
            result["AuthenticationResult"]["NewDeviceMetadata"] = {
                "DeviceKey": fresh.key,
                "DeviceGroupKey": fresh.group_key,
            }
        return result

    def _start_srp(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                   params: dict[str, str]) -> dict[str, Any]:
        """Rule: USER_SRP_AUTH checks the password for real (Cognito's SRP-6a variant)."""
        srp_a = params.get("SRP_A")
        if not srp_a:
            raise InvalidParameterException("Missing required parameter SRP_A")
        salt = pool.srp_salt(user.username, user.password or "")
        verifier = srp.user_verifier(pool.id.split("_", 1)[1], user.username, user.password or "", salt)
        try:
            state = srp.start(verifier, salt, srp_a)
        except ValueError as exc:
            raise NotAuthorizedError(INCORRECT_PASSWORD) from exc
        return self._srp_challenge(pool, client, user, "PASSWORD_VERIFIER", state, params.get("DEVICE_KEY"),
                                   USER_ID_FOR_SRP=user.username)

"""The sandbox's Cognito: moto's cognito-idp backend, extended so that it fails like the real service.

moto has no plugin system, so :class:`SandboxBackend` subclasses its backend and :func:`install` registers the
subclass in moto's module globals. Each override is small and names the Cognito rule it implements; the rules
themselves live in sibling modules: ``totp`` (secrets, codes, reuse), ``sessions`` (single use, expiry),
``challenges`` (which challenge comes next), ``srp`` (USER_SRP_AUTH and DEVICE_SRP_AUTH proofs), ``devices``,
``jwt_keys`` (per-pool RS256 keys). Facts: ../shared/reference/cognito-totp-behaviour.md.
"""

from __future__ import annotations

import contextvars
import json
import secrets
import string
from dataclasses import dataclass
from typing import Any

import jwt
import moto.cognitoidp.models as moto_models
import moto.cognitoidp.responses as moto_responses
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)
from moto.cognitoidp.utils import check_secret_hash
from moto.core.base_backend import BackendDict

from . import challenges, srp
from .clock import CLOCK
from .devices import Device, DeviceStore, new_device, tracking_enabled
from .exceptions import (
    EnableSoftwareTokenMFAException,
    PasswordResetRequiredException,
    SoftwareTokenMFANotFoundException,
)
from .jwt_keys import PoolKey
from .sessions import AuthSession, SessionStore
from .totp import REUSED_MESSAGE, CodeCheck, check_code, new_secret, validate_user_code

INCORRECT_PASSWORD = "Incorrect username or password."
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
}
#: "If you don't specify a value for ExplicitAuthFlows, your user client supports ALLOW_REFRESH_TOKEN_AUTH,
#: ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH." (CreateUserPoolClient docs)
DEFAULT_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

ADMIN_FLOWS = ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH",
               "REFRESH_TOKEN"]
CLIENT_FLOWS = ["USER_SRP_AUTH", "USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"]

_AUTH_TIME: contextvars.ContextVar[int | None] = contextvars.ContextVar("auth_time", default=None)


@dataclass
class UserMfa:
    """What the sandbox keeps about a user beyond moto's fields (``token_verified``,
    ``software_token_mfa_enabled``, ``sms_mfa_enabled``, ``preferred_mfa_setting``)."""

    secret: str | None = None  # the verified secret in use
    pending: str | None = None  # associated with an access token, not verified yet
    device_name: str | None = None
    last_counter: int | None = None  # the last TOTP step used: no code of it or before is accepted
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


def mfa(user: CognitoIdpUser) -> UserMfa:
    """The sandbox's MFA record of ``user``."""
    record = getattr(user, "sandbox_mfa", None)
    if record is None:
        record = UserMfa()
        user.sandbox_mfa = record  # type: ignore[attr-defined]
    return record


class SandboxUserPool(CognitoIdpUserPool):
    """A pool with its own RS256 key, tokens on the sandbox clock, and device tracking."""

    def __init__(self, account_id: str, region: str, name: str, extended_config: dict[str, Any]):
        super().__init__(account_id, region, name, extended_config)
        # Pool ids look like Cognito's: <region>_ and nine letters and digits (moto uses 32 hex digits).
        alphabet = string.ascii_letters + string.digits
        self.id = f"{region}_" + "".join(secrets.choice(alphabet) for _ in range(9))
        self.arn = self.arn.rsplit("/", 1)[0] + "/" + self.id
        self.key = PoolKey()
        self.devices = DeviceStore()
        self.auth_times: dict[str, int] = {}  # origin_jti → auth_time, so a refresh keeps the sign-in's time

    def create_jwt(
        self,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 60 * 60,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Cognito's claims, timed by the sandbox clock, signed with the pool's key."""
        now = int(CLOCK.now())
        extra = dict(extra_data or {})
        origin = extra.get("origin_jti")
        auth_time = self.auth_times.get(origin) if origin else None
        if auth_time is None:
            auth_time = _AUTH_TIME.get() or now
            if origin:
                self.auth_times[origin] = auth_time
        client = self.clients.get(client_id)
        expires_in = _token_validity(client, "AccessToken" if token_use == "access" else "IdToken")
        user = self._get_user(username)
        claims: dict[str, Any] = {
            "sub": user.id,
            "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}",
            "token_use": token_use,
            "auth_time": auth_time,
            "iat": now,
            "exp": now + expires_in,
            "jti": secrets.token_hex(16),
        }
        if token_use == "access":
            claims["client_id"] = client_id
            claims["username"] = user.username
        else:
            claims["aud"] = client_id
            claims["cognito:username"] = user.username
        claims.update(extra)
        return self.key.sign(claims), expires_in


def _token_validity(client: CognitoIdpUserPoolClient | None, kind: str) -> int:
    """Seconds a token of ``kind`` lives: the app client's {kind}Validity in TokenValidityUnits (default 1 h)."""
    if client is None:
        return 3600
    config = client.extended_config
    value = config.get(f"{kind}Validity")
    if not value:
        return 3600
    unit = (config.get("TokenValidityUnits") or {}).get(kind, "hours")
    return int(value) * {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(unit, 3600)


class SandboxBackend(CognitoIdpBackend):
    """moto's cognito-idp backend with Cognito's TOTP, session, challenge, SRP and device rules."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.sessions = SessionStore()  # type: ignore[assignment]
        self.secret_blocks: dict[str, str] = {}  # SRP SECRET_BLOCK → session id
        self.outbox: list[dict[str, Any]] = []  # SMS "sent" by the sandbox (it delivers nothing)

    # ------------------------------------------------------------------ pools
    def create_user_pool(self, name: str, extended_config: dict[str, Any]) -> CognitoIdpUserPool:
        # Rule: CreateUserPool configures only SMS MFA; MFA ON/OPTIONAL without SmsConfiguration is refused
        # ("To configure TOTP or email MFA, use SetUserPoolMfaConfig", reference §2).
        if extended_config.get("MfaConfiguration") in ("ON", "OPTIONAL") and not extended_config.get(
            "SmsConfiguration"
        ):
            raise InvalidParameterException(
                "SMS configuration and Auto verification for phone_number are required when MFA is "
                "required/optional"
            )
        pool = SandboxUserPool(self.account_id, self.region_name, name, extended_config)
        self.user_pools[pool.id] = pool
        return pool

    def set_user_pool_mfa_config(
        self,
        user_pool_id: str,
        sms_config: dict[str, Any],
        token_config: dict[str, bool],
        mfa_config: str,
    ) -> dict[str, Any]:
        # Rule: ON/OPTIONAL needs at least one factor enabled.
        if mfa_config in ("ON", "OPTIONAL") and not (token_config or {}).get("Enabled") and not sms_config:
            raise InvalidParameterException(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional "
                "configuration."
            )
        return super().set_user_pool_mfa_config(user_pool_id, sms_config, token_config, mfa_config)

    def describe_user_pool(self, user_pool_id: str) -> SandboxUserPool:
        return super().describe_user_pool(user_pool_id)  # type: ignore[return-value]

    def admin_delete_user(self, user_pool_id: str, username: str) -> None:
        pool = self.describe_user_pool(user_pool_id)
        user = pool._get_user(username)
        super().admin_delete_user(user_pool_id, username)
        if user is not None:
            pool.devices.forget_user(user.username)

    # ------------------------------------------------------------------ helpers
    def _client(self, pool: SandboxUserPool, client_id: str) -> CognitoIdpUserPoolClient:
        client = pool.clients.get(client_id)
        if client is None:
            raise ResourceNotFoundError(client_id)
        return client

    def _pool_of_client(self, client_id: str) -> tuple[SandboxUserPool, CognitoIdpUserPoolClient]:
        for pool in self.user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]  # type: ignore[return-value]
        raise ResourceNotFoundError(client_id)

    def _user_for_access_token(self, access_token: str | None) -> tuple[SandboxUserPool, CognitoIdpUser]:
        """Rule: an access token must be known, unrevoked and unexpired (on the sandbox clock)."""
        for pool in self.user_pools.values():
            if access_token and access_token in pool.access_tokens:
                claims = jwt.decode(access_token, options={"verify_signature": False})
                if claims.get("exp", 0) < CLOCK.now():
                    raise NotAuthorizedError("Access Token has expired")
                _, username = pool.access_tokens[access_token]
                return pool, self.admin_get_user(pool.id, username)  # type: ignore[return-value]
        raise NotAuthorizedError("Invalid Access Token")

    def get_user(self, access_token: str) -> CognitoIdpUser:
        return self._user_for_access_token(access_token)[1]

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

    def _find_user(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, username: str | None):
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        user = pool._get_user(username)
        if user is None:
            if client.extended_config.get("PreventUserExistenceErrors") == "ENABLED":
                raise NotAuthorizedError(INCORRECT_PASSWORD)
            raise UserNotFoundError("User does not exist.")
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        return user

    # Rule: password lockout, timed by the sandbox clock.
    @staticmethod
    def _check_lockout(user: CognitoIdpUser) -> None:
        record, now = mfa(user), CLOCK.now()
        if record.failures and now - record.last_failure > LOCKOUT_MAX_SECONDS:
            record.failures = 0
        if now < record.locked_until:
            raise NotAuthorizedError(LOCKED_OUT)

    @staticmethod
    def _password_failed(user: CognitoIdpUser) -> None:
        record, now = mfa(user), CLOCK.now()
        record.failures += 1
        record.last_failure = now
        if record.failures >= LOCKOUT_AFTER:
            record.locked_until = now + min(2 ** (record.failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS)

    @staticmethod
    def _password_ok(user: CognitoIdpUser) -> None:
        record = mfa(user)
        record.failures, record.locked_until = 0, 0.0

    def _issue(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, username: str, step: str,
               **data: Any) -> AuthSession:
        """A new session for ``step``, living the app client's AuthSessionValidity."""
        return self.sessions.issue(
            pool_id=pool.id,
            client_id=client.id,
            username=username,
            step=step,
            validity_minutes=client.extended_config.get("AuthSessionValidity"),
            data=data,
        )

    def _next_session(self, previous: AuthSession, step: str, **data: Any) -> AuthSession:
        """The session of the next step of the same sign-in (same pool, app client and user)."""
        pool = self.describe_user_pool(previous.pool_id)
        return self._issue(pool, self._client(pool, previous.client_id), previous.username, step, **data)

    def _srp_challenge(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                       step: str, state: srp.SrpState, device_key: str | None, **parameters: str) -> dict[str, Any]:
        """A PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER challenge: its session is also found by SECRET_BLOCK."""
        session = self._issue(pool, client, user.username, step, srp=state.to_dict(), device_key=device_key)
        self.secret_blocks[state.secret_block] = session.id
        return {
            "ChallengeName": step,
            "Session": session.id,
            "ChallengeParameters": {**srp.challenge_parameters(state), "USERNAME": user.username, **parameters},
        }

    def _session_user(self, session: AuthSession, responses: dict[str, str]) -> tuple[
        SandboxUserPool, CognitoIdpUserPoolClient, CognitoIdpUser
    ]:
        """The pool, client and user a session belongs to; USERNAME must name that user."""
        pool = self.describe_user_pool(session.pool_id)
        client = self._client(pool, session.client_id)
        username = responses.get("USERNAME")
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        user = pool._get_user(username)
        if user is None or user.username != session.username:
            raise NotAuthorizedError("Invalid session for the user.")
        self._check_secret_hash(client, username, responses.get("SECRET_HASH"))
        return pool, client, user

    # ------------------------------------------------------------------ sign-in
    def admin_initiate_auth(
        self, user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        flow = self._validate_auth_flow(auth_flow, [moto_models.AuthFlow[f] for f in ADMIN_FLOWS])
        pool = self.describe_user_pool(user_pool_id)
        client = self._client(pool, client_id)
        return self._initiate(pool, client, flow.value, auth_parameters or {}, admin=True)

    def initiate_auth(
        self, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
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

    def _refresh(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]):
        """Rule: a refresh never asks for MFA; a revoked refresh token is refused."""
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
            raise NotAuthorizedError("Invalid Refresh Token")
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
        if name == challenges.TOTP and mfa(user).device_name:
            params["FRIENDLY_DEVICE_NAME"] = mfa(user).device_name  # type: ignore[assignment]
        if name == challenges.SMS:
            phone = user.attribute_lookup.get("phone_number", "")
            code = f"{secrets.randbelow(10**6):06d}"
            data["code"] = code
            self.outbox.append(
                {"to": phone, "username": user.username, "code": code, "sent_at": CLOCK.now()}
            )
            params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "SMS"
            params["CODE_DELIVERY_DESTINATION"] = "+" + "*" * max(len(phone) - 5, 0) + phone[-4:]
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
        marker = _AUTH_TIME.set(int(CLOCK.now()))
        try:
            result = self._log_user_in(pool, client, user.username)
        finally:
            _AUTH_TIME.reset(marker)
        if device is not None:
            device.last_authenticated = CLOCK.now()
        elif tracking_enabled(pool.extended_config.get("DeviceConfiguration")):
            fresh = pool.devices.add(
                new_device(pool.region, user.username, pool.devices.group_key_of(user.username))
            )
            result["AuthenticationResult"]["NewDeviceMetadata"] = {
                "DeviceKey": fresh.key,
                "DeviceGroupKey": fresh.group_key,
            }
        return result

    # ------------------------------------------------------------------ SRP
    def _start_srp(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                   params: dict[str, str]) -> dict[str, Any]:
        """Rule: USER_SRP_AUTH checks the password for real (Cognito's SRP-6a variant)."""
        srp_a = params.get("SRP_A")
        if not srp_a:
            raise InvalidParameterException("Missing required parameter SRP_A")
        salt = srp.new_salt_hex()
        verifier = srp.user_verifier(pool.id.split("_", 1)[1], user.username, user.password or "", salt)
        try:
            state = srp.start(verifier, salt, srp_a)
        except ValueError as exc:
            raise NotAuthorizedError(INCORRECT_PASSWORD) from exc
        return self._srp_challenge(pool, client, user, "PASSWORD_VERIFIER", state, params.get("DEVICE_KEY"),
                                   USER_ID_FOR_SRP=user.username)

    def _verifier_session(self, session_id: str | None, responses: dict[str, str], step: str) -> AuthSession:
        if not session_id:
            session_id = self.secret_blocks.get(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""))
        return self.sessions.take(session_id, step)

    # ------------------------------------------------------------------ challenge answers
    def respond_to_auth_challenge(
        self,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        responses = challenge_responses or {}
        handlers = {
            "SOFTWARE_TOKEN_MFA": self._answer_totp,
            "SMS_MFA": self._answer_sms,
            "SELECT_MFA_TYPE": self._answer_select,
            "MFA_SETUP": self._answer_mfa_setup,
            "NEW_PASSWORD_REQUIRED": self._answer_new_password,
            "PASSWORD_VERIFIER": self._answer_password_verifier,
            "DEVICE_SRP_AUTH": self._answer_device_srp,
            "DEVICE_PASSWORD_VERIFIER": self._answer_device_verifier,
        }
        handler = handlers.get(challenge_name)
        if handler is None:
            # [UNVERIFIED] wording; CUSTOM_CHALLENGE and passwordless challenges are not emulated.
            raise InvalidParameterException(f"Challenge {challenge_name} is not supported by the sandbox")
        self._pool_of_client(client_id)  # an unknown client is ResourceNotFoundException
        # Clients answer the SRP steps without a Session (pycognito, aws-doc-sdk-examples, Amplify for DEVICE_SRP_AUTH).
        if not session and challenge_name not in ("PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"):
            raise InvalidParameterException("Missing required parameter Session")
        return handler(session, client_id, responses)

    def _answer_totp(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rules: wrong code → CodeMismatchException (the session may retry); a used code → ExpiredCodeException."""
        session = self.sessions.take(session_id, "SOFTWARE_TOKEN_MFA", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        code = responses.get("SOFTWARE_TOKEN_MFA_CODE")
        if not code:
            raise InvalidParameterException("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
        record = mfa(user)
        if not record.secret:
            raise SoftwareTokenMFANotFoundException("Software Token MFA does not exist for the user.")
        outcome, counter = check_code(record.secret, code, record.last_counter)
        if outcome is CodeCheck.MISMATCH:
            self.sessions.wrong_code(session)
            raise CodeMismatchException("Invalid code received for user")
        if outcome is CodeCheck.REUSED:
            raise ExpiredCodeException(REUSED_MESSAGE)
        record.last_counter = counter
        self.sessions.spend(session)
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_sms(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self.sessions.take(session_id, "SMS_MFA", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        if responses.get("SMS_MFA_CODE") != session.data.get("code"):
            self.sessions.wrong_code(session)
            raise CodeMismatchException("Invalid code or auth state for the user.")
        self.sessions.spend(session)
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_select(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rule: SELECT_MFA_TYPE's ANSWER names one of MFAS_CAN_CHOOSE; the next challenge has a new session."""
        session = self.sessions.take(session_id, "SELECT_MFA_TYPE", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        answer = responses.get("ANSWER")
        if answer not in session.data.get("choices", []):
            # [UNVERIFIED] wording.
            raise InvalidParameterException(f"Invalid ANSWER: {answer!r} is not one of MFAS_CAN_CHOOSE")
        self.sessions.spend(session)
        return self._challenge(pool, client, user, answer, {}, self._session_device(pool, user, session))

    def _answer_mfa_setup(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rule: MFA_SETUP is answered with the session VerifySoftwareToken returned; any other gives no tokens."""
        session = self.sessions.take(session_id, "MFA_SETUP_VERIFIED", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_new_password(self, session_id: str, client_id: str, responses: dict[str, str]):
        session = self.sessions.take(session_id, "NEW_PASSWORD_REQUIRED", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        new_password = responses.get("NEW_PASSWORD")
        if not new_password:
            raise InvalidParameterException("Missing required parameter NEW_PASSWORD")
        self._validate_password(pool.id, new_password)
        user.password = new_password
        user.status = UserStatus.CONFIRMED
        self.sessions.spend(session)
        # "Amazon Cognito immediately challenges the user to set up MFA" after NEW_PASSWORD_REQUIRED.
        return self._after_password(pool, client, user, session.data.get("device_key"))

    def _answer_password_verifier(self, session_id: str, client_id: str, responses: dict[str, str]):
        session = self._verifier_session(session_id, responses, "PASSWORD_VERIFIER")
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        state = srp.SrpState.from_dict(session.data["srp"])
        ok = srp.check_claim(
            state,
            identity_prefix=pool.id.split("_", 1)[1],
            user_id=user.username,
            signature_b64=responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
            secret_block=responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""),
            timestamp=responses.get("TIMESTAMP", ""),
        )
        if not ok:
            self._password_failed(user)
            raise NotAuthorizedError(INCORRECT_PASSWORD)
        self._password_ok(user)
        return self._after_password(pool, client, user, responses.get("DEVICE_KEY") or session.data.get(
            "device_key"))

    def _answer_device_srp(self, session_id: str, client_id: str, responses: dict[str, str]):
        if not session_id:
            # Rule: DEVICE_SRP_AUTH may come without a Session: the user's pending device challenge is the one.
            user = self._pool_of_client(client_id)[0]._get_user(responses.get("USERNAME") or "")
            session_id = self.sessions.newest("DEVICE_SRP_AUTH", client_id=client_id,
                                              username=user.username if user else None,
                                              device_key=responses.get("DEVICE_KEY"))
        session = self.sessions.take(session_id, "DEVICE_SRP_AUTH", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        device = pool.devices.get(user.username, responses.get("DEVICE_KEY"))
        self.sessions.spend(session)
        try:
            state = srp.start(device.verifier_hex or "", device.salt_hex or "", responses.get("SRP_A", ""))
        except ValueError as exc:
            raise NotAuthorizedError("Invalid device SRP_A") from exc
        return self._srp_challenge(pool, client, user, "DEVICE_PASSWORD_VERIFIER", state, device.key,
                                   DEVICE_KEY=device.key)

    def _answer_device_verifier(self, session_id: str, client_id: str, responses: dict[str, str]):
        session = self._verifier_session(session_id, responses, "DEVICE_PASSWORD_VERIFIER")
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        device = pool.devices.get(user.username, session.data.get("device_key"))
        ok = srp.check_claim(
            srp.SrpState.from_dict(session.data["srp"]),
            identity_prefix=device.group_key,
            user_id=device.key,
            signature_b64=responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
            secret_block=responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""),
            timestamp=responses.get("TIMESTAMP", ""),
        )
        if not ok:
            raise NotAuthorizedError("Incorrect device password claim.")  # [UNVERIFIED] wording
        return self._after_password(pool, client, user, device.key, device_checked=True)

    @staticmethod
    def _session_device(pool: SandboxUserPool, user: CognitoIdpUser, session: AuthSession) -> Device | None:
        key = session.data.get("device_key")
        if not key:
            return None
        try:
            return pool.devices.get(user.username, key)
        except ResourceNotFoundError:
            return None

    # ------------------------------------------------------------------ TOTP enrolment
    def associate_software_token(self, access_token: str, session: str) -> dict[str, str]:
        """Rules: a fresh secret per call; with a Session (MFA_SETUP only) a new Session comes back; a new secret
        replaces the old one only once verified."""
        if access_token and session:
            # "The request takes an access token or a session string, but not both." [message UNVERIFIED]
            raise InvalidParameterException("Only one of AccessToken or Session may be given")
        if session:
            setup = self.sessions.take(session, "MFA_SETUP")
            pool = self.describe_user_pool(setup.pool_id)
            self._require_pool_totp(pool)
            self.sessions.spend(setup)
            secret = new_secret()
            verify = self._next_session(setup, "VERIFY_SOFTWARE_TOKEN", secret=secret,
                                        device_key=setup.data.get("device_key"))
            return {"SecretCode": secret, "Session": verify.id}
        pool, user = self._user_for_access_token(access_token)
        self._require_pool_totp(pool)
        record = mfa(user)
        record.pending = new_secret()
        return {"SecretCode": record.pending}

    @staticmethod
    def _require_pool_totp(pool: SandboxUserPool) -> None:
        if not (pool.token_mfa_config or {}).get("Enabled"):
            raise SoftwareTokenMFANotFoundException("Software Token MFA has not been enabled by the userPool")

    def verify_software_token(
        self, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> dict[str, str]:
        """Rules: RFC 6238 on the sandbox clock; a wrong code → EnableSoftwareTokenMFAException and the same
        session may retry; non-digits → InvalidParameterException; with a Session, the answer's Session
        satisfies MFA_SETUP."""
        if access_token and session:
            raise InvalidParameterException("Only one of AccessToken or Session may be given")
        code = validate_user_code(user_code)
        if session:
            verify = self.sessions.take(session, "VERIFY_SOFTWARE_TOKEN")
            pool = self.describe_user_pool(verify.pool_id)
            user = self.admin_get_user(pool.id, verify.username)
            secret = verify.data["secret"]
        else:
            pool, user = self._user_for_access_token(access_token)
            secret = mfa(user).pending
            if not secret:
                # [UNVERIFIED] message: verifying with no associated token.
                raise SoftwareTokenMFANotFoundException("Software Token MFA does not exist for the user.")
        record = mfa(user)
        # Rule: "already used once" is about one token's codes; a token being verified has had none used yet.
        outcome, counter = check_code(secret, code, record.last_counter if secret == record.secret else None)
        if outcome is CodeCheck.REUSED:
            raise ExpiredCodeException(REUSED_MESSAGE)
        if outcome is CodeCheck.MISMATCH:
            if session:
                self.sessions.wrong_code(verify)
            raise EnableSoftwareTokenMFAException()
        record.secret, record.pending, record.last_counter = secret, None, counter
        record.device_name = friendly_device_name or None
        user.token_verified = True
        if not session:
            # Verifying does not by itself enable TOTP (UserMFASettingList stays empty until the preference).
            return {"Status": "SUCCESS"}
        # Enrolment during sign-in: the user now has TOTP as a factor. [UNVERIFIED: observed listing of
        # SOFTWARE_TOKEN_MFA in UserMFASettingList after MFA_SETUP]
        user.software_token_mfa_enabled = True
        if not user.preferred_mfa_setting:
            user.preferred_mfa_setting = challenges.TOTP
        self.sessions.spend(verify)
        done = self._next_session(verify, "MFA_SETUP_VERIFIED", device_key=verify.data.get("device_key"))
        return {"Status": "SUCCESS", "Session": done.id}

    def admin_delete_software_token(self, user_pool_id: str, username: str) -> None:
        """AdminDeleteSoftwareToken (2026): remove the registration and any TOTP preference."""
        user = self.admin_get_user(user_pool_id, username)
        record = mfa(user)
        record.secret = record.pending = record.device_name = None
        user.token_verified = False
        user.software_token_mfa_enabled = False
        if user.preferred_mfa_setting == challenges.TOTP:
            user.preferred_mfa_setting = ""

    # ------------------------------------------------------------------ MFA preference
    def set_user_mfa_preference(
        self,
        access_token: str,
        software_token_mfa_settings: dict[str, bool],
        sms_mfa_settings: dict[str, bool],
    ) -> None:
        pool, user = self._user_for_access_token(access_token)
        self._set_preference(pool, user, software_token_mfa_settings, sms_mfa_settings, admin=False)

    def admin_set_user_mfa_preference(
        self,
        user_pool_id: str,
        username: str,
        software_token_mfa_settings: dict[str, bool],
        sms_mfa_settings: dict[str, bool],
    ) -> None:
        pool = self.describe_user_pool(user_pool_id)
        user = self.admin_get_user(user_pool_id, username)
        self._set_preference(pool, user, software_token_mfa_settings, sms_mfa_settings, admin=True)

    def _set_preference(
        self,
        pool: SandboxUserPool,
        user: CognitoIdpUser,
        totp: dict[str, bool] | None,
        sms: dict[str, bool] | None,
        *,
        admin: bool,
    ) -> None:
        """Rules: TOTP can't be enabled before a token is verified; at most one preferred factor; TOTP can't be
        turned off while the pool requires MFA."""
        if (totp or {}).get("PreferredMfa") and (sms or {}).get("PreferredMfa"):
            # [UNVERIFIED] wording: "Only one factor can be set as preferred" (SetUserMFAPreference docs).
            raise InvalidParameterException("Only one MFA type can be set as preferred")
        if (totp or {}).get("Enabled") and not (user.token_verified and mfa(user).secret):
            raise InvalidParameterException(
                "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
                if admin
                else "User has not set up software token mfa"
            )
        if (sms or {}).get("Enabled") and not user.attribute_lookup.get("phone_number"):
            raise InvalidParameterException("User does not have delivery config set to turn on SMS_MFA")
        if totp is not None and "Enabled" in totp and not totp["Enabled"] and pool.mfa_config == "ON" \
                and user.software_token_mfa_enabled:
            # "You can't turn off TOTP MFA for any of your users when MFA is required" [message UNVERIFIED]
            raise InvalidParameterException(
                "Cannot disable SOFTWARE_TOKEN_MFA while MFA is required for the user pool"
            )
        for settings, factor, attr in ((totp, challenges.TOTP, "software_token_mfa_enabled"),
                                       (sms, challenges.SMS, "sms_mfa_enabled")):
            if settings is None:
                continue
            enabled = bool(settings.get("Enabled", getattr(user, attr)))
            if settings.get("PreferredMfa") and not enabled:
                # [UNVERIFIED] wording: a factor must be enabled to be preferred.
                raise InvalidParameterException(f"Cannot set {factor} as preferred without enabling it")
            setattr(user, attr, enabled)
            if settings.get("PreferredMfa"):
                user.preferred_mfa_setting = factor
            elif user.preferred_mfa_setting == factor and (
                "PreferredMfa" in settings or not enabled
            ):
                user.preferred_mfa_setting = ""

    # ------------------------------------------------------------------ devices
    def _device_pool(self, access_token: str) -> tuple[SandboxUserPool, CognitoIdpUser]:
        return self._user_for_access_token(access_token)

    def confirm_device(
        self,
        access_token: str,
        device_key: str,
        verifier_config: dict[str, str] | None,
        device_name: str | None,
    ) -> dict[str, bool]:
        pool, user = self._device_pool(access_token)
        config = verifier_config or {}
        try:
            verifier_hex, salt_hex = srp.device_verifier_from_config(
                config.get("PasswordVerifier", ""), config.get("Salt", "")
            )
        except ValueError as exc:
            raise InvalidParameterException("Invalid DeviceSecretVerifierConfig") from exc
        user_prompt = bool(
            (pool.extended_config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt")
        )
        necessary = pool.devices.confirm(
            user.username, device_key, verifier_hex=verifier_hex, salt_hex=salt_hex, name=device_name,
            user_prompt=user_prompt,
        )
        return {"UserConfirmationNecessary": necessary}

    def update_device_status(self, access_token: str, device_key: str, status: str) -> None:
        pool, user = self._device_pool(access_token)
        pool.devices.set_status(user.username, device_key, status)

    def list_devices(self, access_token: str) -> list[Device]:
        pool, user = self._device_pool(access_token)
        return pool.devices.list(user.username)

    def get_device(self, access_token: str, device_key: str) -> Device:
        pool, user = self._device_pool(access_token)
        return pool.devices.get(user.username, device_key)

    def forget_device(self, access_token: str, device_key: str) -> None:
        pool, user = self._device_pool(access_token)
        pool.devices.forget(user.username, device_key)

    def admin_list_devices(self, user_pool_id: str, username: str) -> list[Device]:
        pool = self.describe_user_pool(user_pool_id)
        return pool.devices.list(self.admin_get_user(user_pool_id, username).username)

    def admin_forget_device(self, user_pool_id: str, username: str, device_key: str) -> None:
        pool = self.describe_user_pool(user_pool_id)
        pool.devices.forget(self.admin_get_user(user_pool_id, username).username, device_key)


sandbox_backends: BackendDict[SandboxBackend] = BackendDict(SandboxBackend, "cognito-idp")


class _OnceImportedKeys:
    """moto's pool constructor imports its one static signing key from JSON for every pool (0.6 s each: RSA key
    validation). The sandbox signs with each pool's own key (``jwt_keys``), so moto's is imported once and shared."""

    def __init__(self, jwk_module: Any) -> None:
        self._jwk = jwk_module
        self._keys: dict[str, Any] = {}
        self.RSAKey = self

    def import_key(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        cache_key = json.dumps(data, sort_keys=True, default=str)
        if cache_key not in self._keys:
            self._keys[cache_key] = self._jwk.RSAKey.import_key(data, *args, **kwargs)
        return self._keys[cache_key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)


def install() -> BackendDict[SandboxBackend]:
    """Make moto's cognito-idp service use :class:`SandboxBackend` (idempotent)."""
    if not isinstance(moto_models.jwk, _OnceImportedKeys):
        moto_models.jwk = _OnceImportedKeys(moto_models.jwk)  # type: ignore[assignment]
    moto_models.cognitoidp_backends = sandbox_backends  # type: ignore[assignment]
    moto_responses.cognitoidp_backends = sandbox_backends  # type: ignore[assignment]
    return sandbox_backends


def backend_for(region: str, account_id: str = "123456789012") -> SandboxBackend:
    """The sandbox backend of ``region``."""
    install()
    return sandbox_backends[account_id][region]

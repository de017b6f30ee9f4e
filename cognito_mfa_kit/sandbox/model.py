"""What the sandbox adds to moto's pool and user objects: a pool's own key, devices and Cognito-like ids; a
user's MFA record (secret, last TOTP step, lockout counters); the sign-in time tokens carry. Each object reports
its changes to ``tracking`` (so the store writes only them) and what expires to the ``janitor``."""

from __future__ import annotations

import contextvars
import secrets
import string
import weakref
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from .clock import CLOCK
from .devices import DeviceStore
from .janitor import JANITOR, TOKEN_GRACE, jwt_expiry, refresh_lifetime
from .jwt_keys import PoolKey
from .tracking import GONE, TRACKER, TrackedDict, tracked

#: The sign-in time (auth_time claim) of the tokens being issued now; unset: the current time.
AUTH_TIME: contextvars.ContextVar[int | None] = contextvars.ContextVar("auth_time", default=None)


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
    email_enabled: bool = False  # EmailMfaSettings.Enabled (email_mfa)
    # Passkeys (webauthn): [{"id", "public_key", "sign_count", "name", "rp_id", "transports", "attachment",
    # "created_at"}]; replaced, never changed in place, so that the change is reported.
    passkeys: list[dict[str, Any]] = field(default_factory=list)
    passkey_mfa: bool = False  # WebAuthnMfaSettings.Enabled

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        owner = self.__dict__.get("_owner")
        if owner is not None:
            TRACKER.mark(("user", owner.user_pool_id, owner.username))


def mfa(user: CognitoIdpUser) -> UserMfa:
    """The sandbox's MFA record of ``user``."""
    record = getattr(user, "sandbox_mfa", None)
    if record is None:
        record = UserMfa()
        user.sandbox_mfa = record  # type: ignore[attr-defined]
    if record.__dict__.get("_owner") is not user:
        object.__setattr__(record, "_owner", user)  # its changes are the user's
    return record


class SandboxUser(CognitoIdpUser):
    """moto's user, reporting every attribute it sets (moto builds users through this class: ``install``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        pool_id, username = self.__dict__.get("user_pool_id"), self.__dict__.get("username")
        if pool_id and username:
            TRACKER.mark(("user", pool_id, username))

    def to_json(self, extended: bool = False, attributes_key: str = "Attributes",
                attributes_to_get: list[str] | None = None) -> dict[str, Any]:
        """moto's user, with EMAIL_OTP in ``UserMFASettingList`` once email MFA is on ("The possible values in this
        list are SMS_MFA, EMAIL_OTP, and SOFTWARE_TOKEN_MFA", GetUser)."""
        result = super().to_json(extended, attributes_key, attributes_to_get)
        if extended and mfa(self).email_enabled:
            result["UserMFASettingList"] = [*result.get("UserMFASettingList", []), "EMAIL_OTP"]
        return result


#: A pool's dicts whose contents are part of the pool's own row (its settings)
_SETTINGS = ("clients", "identity_providers", "groups", "resource_servers")
#: A pool's token dicts, by the kind of token they hold
TOKEN_KINDS = {"refresh_tokens": "refresh", "access_tokens": "access", "id_tokens": "id"}
_TOKEN_DICTS = {kind: attribute for attribute, kind in TOKEN_KINDS.items()}


class SandboxUserPool(CognitoIdpUserPool):
    """A pool with its own RS256 key and clock (tokens are timed by it), and device tracking."""

    def __init__(self, account_id: str, region: str, name: str, extended_config: dict[str, Any]):
        super().__init__(account_id, region, name, extended_config)
        # Pool ids look like Cognito's: <region>_ and nine letters and digits (moto uses 32 hex digits).
        alphabet = string.ascii_letters + string.digits
        self.id = f"{region}_" + "".join(secrets.choice(alphabet) for _ in range(9))
        self.arn = self.arn.rsplit("/", 1)[0] + "/" + self.id
        self.key = PoolKey()
        self.devices = DeviceStore(lambda: CLOCK.now(self.id),
                                   on_change=lambda key: TRACKER.mark(("device", self.id, key)))
        self.auth_times: dict[str, int] = {}  # origin_jti → auth_time, so a refresh keeps the sign-in's time
        # SetUserPoolMfaConfig's EmailMfaConfiguration and WebAuthnConfiguration (None: not configured); moto keeps
        # only the SMS and TOTP ones.
        self.email_mfa_config: dict[str, Any] | None = None
        self.web_authn_config: dict[str, Any] | None = None

    # -- change tracking -----------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, dict) and not isinstance(value, TrackedDict):
            on_change = self._on_change_of(name)
            if on_change is not None:
                value = tracked(value, on_change)
        object.__setattr__(self, name, value)
        pool_id = self.__dict__.get("id")
        if pool_id:
            TRACKER.mark(("pool", pool_id))

    def _on_change_of(self, name: str) -> Any:
        """What a change to the pool's dict ``name`` marks (None: an untracked dict)."""
        if name in _SETTINGS:
            return lambda key, value, old=None: TRACKER.mark(("pool", self.id))
        if name == "users":
            return lambda key, value, old=None: TRACKER.mark(("user", self.id, key))
        if name == "auth_times":
            return lambda key, value, old=None: TRACKER.mark(("auth_time", self.id, key))
        kind = TOKEN_KINDS.get(name)
        if kind is None:
            return None

        def token_changed(key: str, value: Any, old: Any = None) -> None:
            TRACKER.mark(("token", self.id, kind, key))
            if value is not GONE and value is not None:
                self._expire_token(kind, key, value)

        return token_changed

    def _expire_token(self, kind: str, token: str, value: Any) -> None:
        """Have the janitor drop ``token`` once it is past its life (and the sign-in time of a refresh token)."""
        attribute = _TOKEN_DICTS[kind]
        origin = value[2] if kind == "refresh" and len(value) > 2 else None
        if kind == "refresh":
            client = self.clients.get(value[0])
            deadline = CLOCK.now(self.id) + refresh_lifetime(client.extended_config if client else None)
        else:
            deadline = jwt_expiry(token)
        pool_ref = weakref.ref(self)  # a deleted pool is not kept alive by its tokens' deadlines

        def drop() -> None:
            pool = pool_ref()
            if pool is not None:
                getattr(pool, attribute).pop(token, None)
                if origin:
                    pool.auth_times.pop(origin, None)

        JANITOR.schedule(deadline + TOKEN_GRACE, self.id, drop)

    def create_jwt(
        self,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 60 * 60,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Cognito's claims, timed by the pool's clock, signed with the pool's key."""
        now = int(CLOCK.now(self.id))
        extra = dict(extra_data or {})
        origin = extra.get("origin_jti")
        auth_time = self.auth_times.get(origin) if origin else None
        if auth_time is None:
            auth_time = AUTH_TIME.get() or now
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


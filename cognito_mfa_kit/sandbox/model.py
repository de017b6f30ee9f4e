"""What the sandbox adds to moto's pool and user objects: a pool's own key, devices and Cognito-like ids (pools,
app clients, client secrets); a user's MFA record (secret, last TOTP step, lockout counters); the tokens' claims
(the sign-in time, event id, the user's readable attributes) and their revocation. Each object reports its changes to
``tracking`` (so the store writes only them) and what expires to the ``janitor``."""

from __future__ import annotations

import contextvars
import functools
import hashlib
import hmac
import secrets
import string
import uuid
import weakref
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import jwt
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from .clock import CLOCK
from .devices import DeviceStore
from .events import EventLog
from .janitor import JANITOR, TOKEN_GRACE, jwt_expiry, refresh_lifetime
from .jwt_keys import PoolKey
from .tracking import GONE, TRACKER, TrackedDict, tracked

#: The sign-in time (auth_time claim) of the tokens being issued now; unset: the current time.
AUTH_TIME: contextvars.ContextVar[int | None] = contextvars.ContextVar("auth_time", default=None)
#: Claims the ID token being issued now carries besides Cognito's (managed login: ``nonce``, ``identities``).
ID_CLAIMS: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("id_claims", default=None)

_LOWER_ALNUM = string.ascii_lowercase + string.digits
#: App client ids are 26 lowercase letters and digits, e.g. "38fjsnc484p94kpqsnet7mpld0" (AWS CLI examples); moto
#: makes 26 hex digits.
CLIENT_ID_LENGTH = 26
#: App client secrets are letters and digits (the model: 24–64 characters of ``[\w+]``); Cognito's are about 51
#: lowercase letters and digits [UNVERIFIED: the length is as seen in the wild, not documented]; moto makes a UUID.
CLIENT_SECRET_LENGTH = 51
#: User attributes whose value is a boolean in an ID token ("email_verified": true, the ID token docs).
BOOLEAN_CLAIMS = {"email_verified", "phone_number_verified"}


def new_client_id() -> str:
    """An app client id as Cognito makes them."""
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(CLIENT_ID_LENGTH))


def new_client_secret() -> str:
    """An app client secret as Cognito makes them."""
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(CLIENT_SECRET_LENGTH))


#: Tokens longer than this are decoded every time, not remembered (Cognito's are about 1 KB; the cache stays small).
CACHED_TOKEN_CHARS = 4096


def claims_of(token: str) -> dict[str, Any]:
    """A token's claims, unverified (the sandbox issued it; {} if it is not a JWT).

    A token's text never changes, so its claims are decoded once and remembered (PyJWT's decode is most of a
    token-authenticated call's own work otherwise); each caller gets its own copy."""
    if len(token) > CACHED_TOKEN_CHARS:
        return _decoded(token)
    return dict(_remembered_claims(token))


def _decoded(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


@functools.lru_cache(maxsize=2048)
def _remembered_claims(token: str) -> MappingProxyType[str, Any]:
    return MappingProxyType(_decoded(token))


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
    #: for the trainer's class view: when the user last signed in answering SOFTWARE_TOKEN_MFA (pool clock), and the
    #: last error the sandbox returned to a call about them: {"code", "message", "operation", "at"}
    mfa_sign_in_at: float | None = None
    last_error: dict[str, Any] | None = None
    associated_at: float | None = None  # the last AssociateSoftwareToken for them (access token or MFA_SETUP)
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
#: A pool's token dicts, by the kind of token they hold. ``revoked_tokens``: revoked access tokens → their exp
#: (refused as revoked until they expire); ``oauth_scopes``: origin_jti → (client id, scopes) of a sign-in through
#: managed login (its access tokens carry exactly those scopes, refreshed ones too).
TOKEN_KINDS = {"refresh_tokens": "refresh", "access_tokens": "access", "id_tokens": "id",
               "revoked_tokens": "revoked", "oauth_scopes": "scope"}
_TOKEN_DICTS = {kind: attribute for attribute, kind in TOKEN_KINDS.items()}


def _drop_token(pool_ref: weakref.ref[SandboxUserPool], attribute: str, token: str, origin: str | None) -> None:
    """The janitor's end of a token: out of its pool's dict (and, for a refresh token, its sign-in time)."""
    pool = pool_ref()
    if pool is not None:
        getattr(pool, attribute).pop(token, None)
        if origin:
            pool.auth_times.pop(origin, None)


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
        self.oauth_scopes: dict[str, tuple[str, str]] = {}  # origin_jti → (client id, scopes) of a managed login
        self.revoked_tokens: dict[str, int] = {}  # access token → its exp: "Access Token has been revoked"
        # SetUserPoolMfaConfig's EmailMfaConfiguration and WebAuthnConfiguration (None: not configured); moto keeps
        # only the SMS and TOTP ones.
        self.email_mfa_config: dict[str, Any] | None = None
        self.web_authn_config: dict[str, Any] | None = None

    # ------------------------------------------------------------------ revocation
    def revoke_access_tokens(self, tokens: list[str]) -> None:
        """Move ``tokens`` out of the live access tokens: they are refused as revoked until they expire."""
        now = CLOCK.now(self.id)
        for token in [t for t, exp in self.revoked_tokens.items() if exp < now]:
            del self.revoked_tokens[token]  # an expired token is refused as expired anyway
        for token in tokens:
            if self.access_tokens.pop(token, None) is not None:
                self.revoked_tokens[token] = int(claims_of(token).get("exp", 0))

    def sign_out(self, username: str) -> None:
        """GlobalSignOut / AdminUserGlobalSignOut: every refresh token and access token of the user is revoked
        ("revokes all of the requesting user's refresh, ID, and access tokens", token revocation docs)."""
        self.revoke_access_tokens([t for t, (_, user) in self.access_tokens.items() if user == username])
        super().sign_out(username)

    def revoke_sign_in(self, refresh_token: str) -> None:
        """RevokeToken: that refresh token and the access tokens issued from it (same ``origin_jti``)."""
        entry = self.refresh_tokens.get(refresh_token)
        if entry is None:
            return
        client_id, username, origin = entry
        self.refresh_tokens[refresh_token] = None
        self.revoke_access_tokens([
            t for t, (c, u) in self.access_tokens.items()
            if c == client_id and u == username and claims_of(t).get("origin_jti") == origin
        ])

    # ------------------------------------------------------------------ SRP salts
    def srp_salt(self, username: str, password: str | None) -> str:
        """A user's SRP SALT: the same on every sign-in until the password changes (as a stored verifier's salt is);
        for an unknown user (``password`` None: the simulated PASSWORD_VERIFIER of PreventUserExistenceErrors) the
        same on every try for that username. An HMAC under a key derived from the pool's private key, so that nobody
        can tell a simulated salt from a real one."""
        key = hashlib.sha256(b"srp-salt" + self.key.pem.encode()).digest()
        message = username.encode("utf-8") + (b"" if password is None else b"\0" + password.encode("utf-8"))
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

    # ------------------------------------------------------------------ tokens
    def readable_claims(self, client_id: str, user: CognitoIdpUser) -> dict[str, Any]:
        """The user's attributes an ID token carries: those the app client may read (its ReadAttributes; all when it
        names none), never developer-only ones; ``*_verified`` as booleans, as in Cognito's ID tokens."""
        client = self.clients.get(client_id)
        readable = set(client.get_readable_fields()) if client is not None else set()
        claims: dict[str, Any] = {}
        for attribute in user.attributes:
            name, value = attribute["Name"], attribute["Value"]
            if name == "sub" or name.startswith("dev:") or (readable and name not in readable):
                continue
            claims[name] = value.lower() == "true" if name in BOOLEAN_CLAIMS else value
        return claims

    def create_id_token(self, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        user = self._get_user(username)
        extra: dict[str, Any] = {**self.readable_claims(client_id, user), "origin_jti": origin_jti}
        if user.groups:
            extra["cognito:groups"] = [group.group_name for group in user.groups]
        token, expires_in = self.create_jwt(client_id, username, "id", extra_data=extra)
        self.id_tokens[token] = (client_id, username)
        return token, expires_in

    @property
    def events(self) -> EventLog:
        """The pool's sign-in history (``AdminListUserAuthEvents``)."""
        log = self.__dict__.get("_events")
        if log is None or log.pool_id != self.id:
            log = EventLog(self.id)
            object.__setattr__(self, "_events", log)
        return log

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
            return lambda key, value, old=None: TRACKER.mark(("pool", self.id))  # noqa: ARG005 - TrackedDict's on_change(key, value, old=...)
        if name == "users":
            return lambda key, value, old=None: TRACKER.mark(("user", self.id, key))  # noqa: ARG005 - TrackedDict's on_change(key, value, old=...)
        if name == "auth_times":
            return lambda key, value, old=None: TRACKER.mark(("auth_time", self.id, key))  # noqa: ARG005 - TrackedDict's on_change(key, value, old=...)
        kind = TOKEN_KINDS.get(name)
        if kind is None:
            return None

        def token_changed(key: str, value: Any, old: Any = None) -> None:  # noqa: ARG001 - TrackedDict's on_change(key, value, old=...)
            TRACKER.mark(("token", self.id, kind, key))
            if value is not GONE and value is not None:
                self._expire_token(kind, key, value)

        return token_changed

    def _expire_token(self, kind: str, token: str, value: Any) -> None:
        """Have the janitor drop ``token`` once it is past its life (and the sign-in time of a refresh token)."""
        attribute = _TOKEN_DICTS[kind]
        origin = value[2] if kind == "refresh" and len(value) > 2 else None
        if kind in ("refresh", "scope"):  # the scopes of a sign-in live as long as its refresh token
            client = self.clients.get(value[0])
            deadline = CLOCK.now(self.id) + refresh_lifetime(client.extended_config if client else None)
        else:
            fresh = _FRESH_EXPIRY.pop(token, None)
            deadline = fresh if fresh is not None else jwt_expiry(token)
        # a deleted pool is not kept alive by its tokens' deadlines (weakref.ref(self) is one object per pool)
        JANITOR.schedule(deadline + TOKEN_GRACE, self.id, _drop_token, weakref.ref(self), attribute, token, origin)

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
        expires_in = _token_validity(client, "AccessToken" if token_use == "access" else "IdToken")  # noqa: S105 - a JWT's token_use claim, not a secret
        user = self._get_user(username)
        claims: dict[str, Any] = {
            "sub": user.id,
            "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}",
            "token_use": token_use,
            "auth_time": auth_time,
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
        }
        if origin:
            # One event id per sign-in, kept by the tokens refreshed from it [UNVERIFIED: the docs show the claim,
            # not whether a refresh makes a new one].
            claims["event_id"] = _event_id(self.id, origin)
        if token_use == "access":  # noqa: S105 - a JWT's token_use claim, not a secret
            claims["client_id"] = client_id
            claims["username"] = user.username
        else:
            claims["aud"] = client_id
            claims["cognito:username"] = user.username
        claims.update(extra)
        granted = self.oauth_scopes.get(origin) if origin else None
        if token_use == "access" and granted is not None:  # noqa: S105 - a JWT's token_use claim, not a secret
            claims["scope"] = granted[1]  # a managed-login sign-in: exactly the scopes asked for and allowed
        if token_use == "id":  # noqa: S105 - a JWT's token_use claim, not a secret
            claims.update(ID_CLAIMS.get() or {})
        token = self.key.sign(claims)
        _FRESH_EXPIRY[token] = float(claims["exp"])  # its janitor deadline, without decoding it again
        return token, expires_in


class _FreshExpiry(dict[str, float]):
    """The ``exp`` of the last few tokens made, until they are stored (then taken); at most :attr:`LIMIT` kept."""

    LIMIT = 64

    def __setitem__(self, token: str, exp: float) -> None:
        if len(self) >= self.LIMIT:  # a token made and never stored: forget the oldest
            del self[next(iter(self))]
        super().__setitem__(token, exp)


_FRESH_EXPIRY = _FreshExpiry()


@functools.lru_cache(maxsize=1024)
def _event_id(pool_id: str, origin: str) -> str:
    """A sign-in's event id: the same for every token of that sign-in (remembered for the last sign-ins: a sign-in's
    access and ID tokens ask in turn, and so do its refreshes)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{pool_id}/{origin}"))


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


"""What the sandbox adds to moto's pool and user objects: a pool's own key, devices and Cognito-like ids; a
user's MFA record (secret, last TOTP step, lockout counters); the sign-in time tokens carry."""

from __future__ import annotations

import contextvars
import secrets
import string
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from .clock import CLOCK
from .devices import DeviceStore
from .jwt_keys import PoolKey

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


def mfa(user: CognitoIdpUser) -> UserMfa:
    """The sandbox's MFA record of ``user``."""
    record = getattr(user, "sandbox_mfa", None)
    if record is None:
        record = UserMfa()
        user.sandbox_mfa = record  # type: ignore[attr-defined]
    return record


class SandboxUserPool(CognitoIdpUserPool):
    """A pool with its own RS256 key and clock (tokens are timed by it), and device tracking."""

    def __init__(self, account_id: str, region: str, name: str, extended_config: dict[str, Any]):
        super().__init__(account_id, region, name, extended_config)
        # Pool ids look like Cognito's: <region>_ and nine letters and digits (moto uses 32 hex digits).
        alphabet = string.ascii_letters + string.digits
        self.id = f"{region}_" + "".join(secrets.choice(alphabet) for _ in range(9))
        self.arn = self.arn.rsplit("/", 1)[0] + "/" + self.id
        self.key = PoolKey()
        self.devices = DeviceStore(lambda: CLOCK.now(self.id))
        self.auth_times: dict[str, int] = {}  # origin_jti → auth_time, so a refresh keeps the sign-in's time

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


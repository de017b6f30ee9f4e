"""Cognito ID and access tokens: decode, and verify with PyJWT against the pool's JWKS.

Cognito signs both tokens with RS256; the public keys are at
``https://cognito-idp.<region>.amazonaws.com/<pool_id>/.well-known/jwks.json`` (the sandbox serves
the same path under its endpoint). ID tokens name the app client in ``aud``; access tokens in
``client_id``; ``token_use`` says which is which.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

__all__ = [
    "InvalidClientIdError",
    "InvalidTokenUseError",
    "TokenClaims",
    "clear_jwks_cache",
    "decode_unverified",
    "issuer_url",
    "jwks_url",
    "mask_token",
    "verify",
]

_ALGORITHMS = ["RS256"]
_REQUIRED = ["exp", "iat", "iss", "token_use"]


class InvalidTokenUseError(jwt.InvalidTokenError):
    """The token is an ID token where an access token was expected, or the reverse."""


class InvalidClientIdError(jwt.InvalidAudienceError):
    """The token was issued to another app client (``aud`` / ``client_id`` mismatch)."""


def _region_of(pool_id: str) -> str:
    region, sep, rest = pool_id.partition("_")
    if not sep or not region or not rest:
        raise ValueError(f"a user pool id looks like '<region>_<id>'; got {pool_id!r}")
    return region


def jwks_url(pool_id: str, *, region: str | None = None, endpoint_url: str | None = None) -> str:
    """Where the pool's public signing keys are published.

    AWS: ``https://cognito-idp.<region>.amazonaws.com/<pool_id>/.well-known/jwks.json`` (region
    defaults to the pool id's prefix); with ``endpoint_url`` (sandbox or other endpoint):
    ``<endpoint_url>/<pool_id>/.well-known/jwks.json``.
    """
    if endpoint_url:
        _region_of(pool_id)
        return f"{endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"
    return f"{issuer_url(pool_id, region=region)}/.well-known/jwks.json"


def issuer_url(pool_id: str, *, region: str | None = None) -> str:
    """The ``iss`` claim of the pool's tokens: ``https://cognito-idp.<region>.amazonaws.com/<pool_id>``.

    The sandbox (moto) issues the same AWS-style ``iss`` even though it serves keys locally.
    """
    region = region or _region_of(pool_id)
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def mask_token(token: str) -> str:
    """A safe stand-in for a token or session string: its first 6 characters and its length."""
    if not token:
        return "<empty>"
    return f"{token[:6]}…({len(token)} chars)"


def _opt_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


@dataclass(frozen=True, repr=False)
class TokenClaims:
    """The claims of a Cognito token that matter for MFA; all claims are in ``raw``.

    ``client_id`` is the access token's ``client_id`` or the ID token's ``aud``; ``username`` is
    ``username`` (access) or ``cognito:username`` (ID). The repr never shows the token and masks
    the client id.
    """

    token_use: str | None
    sub: str | None
    iss: str | None
    client_id: str | None
    username: str | None
    auth_time: int | None
    iat: int | None
    exp: int | None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> TokenClaims:
        """Build from a decoded claims mapping."""
        aud = claims.get("aud")
        if isinstance(aud, (list, tuple)):
            aud = aud[0] if aud else None
        client_id = claims.get("client_id") or aud
        username = claims.get("username") or claims.get("cognito:username")
        return cls(
            token_use=claims.get("token_use"),
            sub=claims.get("sub"),
            iss=claims.get("iss"),
            client_id=str(client_id) if client_id is not None else None,
            username=str(username) if username is not None else None,
            auth_time=_opt_int(claims.get("auth_time")),
            iat=_opt_int(claims.get("iat")),
            exp=_opt_int(claims.get("exp")),
            raw=dict(claims),
        )

    @property
    def pool_id(self) -> str | None:
        """The user pool id at the end of ``iss``."""
        return self.iss.rstrip("/").rsplit("/", 1)[-1] if self.iss else None

    @property
    def scope(self) -> str | None:
        """The access token's scopes (space-separated), if any."""
        value = self.raw.get("scope")
        return value if isinstance(value, str) else None

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds until ``exp`` at ``now`` (default: this machine's clock); negative if expired."""
        if self.exp is None:
            return None
        return self.exp - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None, *, leeway: float = 0) -> bool:
        """True if ``exp`` has passed at ``now`` (plus ``leeway`` seconds of grace)."""
        left = self.expires_in(now)
        return left is not None and left + leeway <= 0

    def __repr__(self) -> str:
        cid = f"{self.client_id[:4]}…" if self.client_id else None
        return (
            f"TokenClaims(token_use={self.token_use!r}, username={self.username!r}, "
            f"client_id={cid!r}, sub={self.sub!r}, iss={self.iss!r}, "
            f"auth_time={self.auth_time}, iat={self.iat}, exp={self.exp})"
        )


_clients: dict[str, jwt.PyJWKClient] = {}
_clients_lock = threading.Lock()


def _jwk_client(url: str) -> jwt.PyJWKClient:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            # Keys are cached per URL; PyJWKClient refetches the set when it meets an unknown kid.
            client = jwt.PyJWKClient(url, cache_keys=True, timeout=5)
            _clients[url] = client
        return client


def clear_jwks_cache() -> None:
    """Forget fetched key sets (e.g. after the sandbox restarted with new keys)."""
    with _clients_lock:
        _clients.clear()


def decode_unverified(token: str) -> TokenClaims:
    """Read a token's claims WITHOUT checking its signature or times (for display only)."""
    claims = jwt.decode(token, options={"verify_signature": False}, algorithms=_ALGORITHMS)
    return TokenClaims.from_claims(claims)


def pool_of(token: str) -> str | None:
    """The user pool id a Cognito token was issued by (the last part of its ``iss``), or None if unreadable."""
    try:
        iss = jwt.decode(token, options={"verify_signature": False}, algorithms=_ALGORITHMS).get("iss")
    except jwt.PyJWTError:
        return None
    return iss.rstrip("/").rpartition("/")[2] or None if isinstance(iss, str) else None


def verify(
    token: str,
    *,
    jwks_url: str,
    issuer: str | None = None,
    client_id: str | None = None,
    token_use: str | None = None,
    leeway: float = 0,
    now: float | None = None,
) -> TokenClaims:
    """Verify a Cognito token's RS256 signature (key from ``jwks_url``) and its claims.

    Checks: signature; ``exp``/``iat`` (± ``leeway`` s); ``iss`` == ``issuer`` if given;
    ``token_use`` if given; for ID tokens ``aud`` == ``client_id``, for access tokens the
    ``client_id`` claim, if ``client_id`` is given. Raises a ``jwt.InvalidTokenError`` subclass
    (``InvalidTokenUseError``, ``InvalidClientIdError``, ``ExpiredSignatureError``, …) or
    ``jwt.PyJWKClientError`` when the keys cannot be fetched.

    ``now``: check the times against this epoch instead of this machine's clock. PyJWT always
    reads ``datetime.now()`` and takes no clock, but the sandbox can run its clock ahead or behind
    (to teach code expiry and skew) and stamps ``iat``/``exp`` with it; so when ``now`` is given,
    PyJWT's time checks are switched off and ``exp``/``iat``/``nbf`` are checked here against
    ``now`` with the same rules PyJWT uses.
    """
    if token_use not in (None, "id", "access"):
        raise ValueError(f"token_use is 'id' or 'access'; got {token_use!r}")
    signing_key = _jwk_client(jwks_url).get_signing_key_from_jwt(token)
    # Which kind of token decides where the client id lives; the signature is checked below.
    use = token_use or jwt.decode(token, options={"verify_signature": False}).get("token_use")
    audience = client_id if (use == "id" and client_id is not None) else None
    options: dict[str, Any] = {"require": list(_REQUIRED), "verify_aud": audience is not None}
    if now is not None:
        options.update(verify_exp=False, verify_iat=False, verify_nbf=False)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=_ALGORITHMS,
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options=options,  # type: ignore[arg-type]
    )
    if token_use is not None and claims.get("token_use") != token_use:
        raise InvalidTokenUseError(
            f"expected an {token_use} token; this is token_use={claims.get('token_use')!r}"
        )
    if client_id is not None:
        got = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
        ok = client_id in got if isinstance(got, (list, tuple)) else got == client_id
        if not ok:
            raise InvalidClientIdError("the token was issued to another app client")
    if now is not None:
        _check_times(claims, now, leeway)
    return TokenClaims.from_claims(claims)


def _check_times(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    """PyJWT's exp/iat/nbf rules against an explicit ``now``."""
    for name in ("exp", "iat", "nbf"):
        if name in claims and _opt_int(claims[name]) is None:
            raise jwt.DecodeError(f"{name} claim must be a number")
    if "exp" in claims and claims["exp"] <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if "iat" in claims and claims["iat"] > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims and claims["nbf"] > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")

"""Tokens of a managed-login sign-in, and the userInfo endpoint's answer.

Tokens are minted into the pool as the API's are (signed with the pool's key, timed by its clock, known to GetUser
and the other token calls, revoked by GlobalSignOut), with exactly the scopes granted: the pool keeps each
sign-in's scopes (``SandboxUserPool.oauth_scopes``, in the store like its refresh token), so a refresh — at
/oauth2/token or with InitiateAuth REFRESH_TOKEN_AUTH — carries the same ones. "An ID token is only returned if
openid scope is requested" (DG authorization-endpoint).

userInfo (DG userinfo-endpoint): the access token must carry ``openid`` ("tokens from InitiateAuth are refused");
``openid`` alone returns every attribute the app client can read; ``profile``, ``email`` and ``phone`` select
theirs; ``aws.cognito.signin.user.admin`` changes nothing. Refusals: HTTP 401 with ``WWW-Authenticate:
error="invalid_token"`` [DOC for an expired or revoked token; the status and text for a token without ``openid``
are UNVERIFIED].
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..clock import CLOCK
from ..model import AUTH_TIME, ID_CLAIMS, SandboxUserPool, claims_of

if TYPE_CHECKING:
    from .oauth import SignedInUser

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
PROFILE = ("name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
           "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at")
SCOPE_ATTRIBUTES = {"email": ("email", "email_verified"), "phone": ("phone_number", "phone_number_verified")}
EXPIRED = "Access token is expired, disabled, or deleted, or the user has globally signed out."
NO_OPENID = "Access token does not contain openid scope"


def _identities(pool: SandboxUserPool, username: str) -> dict[str, Any]:
    """A federated user's ``identities`` claim (the attribute's JSON as a list), else nothing."""
    user = pool._get_user(username)
    raw = user.attribute_lookup.get("identities") if user is not None else None
    try:
        return {"identities": json.loads(raw)} if raw else {}
    except ValueError:
        return {}


def mint(pool: SandboxUserPool, client_id: str, user: SignedInUser, scope: str, *,
         include_refresh_token: bool = True) -> dict[str, Any]:
    """The token endpoint's answer for ``user``: a new sign-in (with a refresh token) or a refresh (without)."""
    refresh, origin = None, user.origin_jti
    if origin is None:
        refresh, origin = pool.create_refresh_token(client_id, user.username)
        pool.oauth_scopes[origin] = (client_id, scope)
    # A refresh token from the API (InitiateAuth) carries no managed-login scopes: its refresh gives both tokens.
    with_id = "openid" in scope.split() or origin not in pool.oauth_scopes
    marks = (AUTH_TIME.set(user.auth_time or None), ID_CLAIMS.set({**_identities(pool, user.username),
                                                                   **user.id_claims}))
    try:
        access, expires_in = pool.create_access_token(client_id, user.username, origin)
        id_token = pool.create_id_token(client_id, user.username, origin)[0] if with_id else None
    finally:
        ID_CLAIMS.reset(marks[1])
        AUTH_TIME.reset(marks[0])
    answer: dict[str, Any] = {"access_token": access, "expires_in": expires_in, "token_type": "Bearer"}
    if id_token:
        answer["id_token"] = id_token
    if refresh and include_refresh_token:
        answer["refresh_token"] = refresh
    return answer


class UserInfoRefused(Exception):
    """The userInfo endpoint's refusal: HTTP ``status``, RFC 6750 ``error`` and its description."""

    def __init__(self, error: str, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def user_info(pool: SandboxUserPool, access_token: str | None) -> dict[str, Any]:
    """The attributes ``access_token`` may read, or :class:`UserInfoRefused`."""
    if not access_token:
        raise UserInfoRefused("invalid_request", "Bad OAuth2 request at UserInfo Endpoint", 400)
    entry = pool.access_tokens.get(access_token)
    if entry is None:
        raise UserInfoRefused("invalid_token", EXPIRED)
    claims = claims_of(access_token)
    if claims.get("exp", 0) < CLOCK.now(pool.id):
        raise UserInfoRefused("invalid_token", EXPIRED)
    scopes = str(claims.get("scope") or "").split()
    if "openid" not in scopes:
        raise UserInfoRefused("invalid_token", NO_OPENID)
    client_id, username = entry
    user = pool._get_user(username)
    if user is None or not user.enabled:
        raise UserInfoRefused("invalid_token", EXPIRED)
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    client = pool.clients.get(client_id)
    readable = (client.extended_config.get("ReadAttributes") if client is not None else None) or list(attributes)
    wanted: set[str]
    if not {"profile", "email", "phone"} & set(scopes):
        wanted = set(readable)
    else:
        wanted = {"sub", "identities"}
        if "profile" in scopes:
            wanted |= set(PROFILE) | {name for name in attributes if name.startswith("custom:")}
        for scope, names in SCOPE_ATTRIBUTES.items():
            if scope in scopes:
                wanted |= set(names)
        wanted &= set(readable) | {"sub"}
    answer = {name: value for name, value in attributes.items() if name in wanted}
    answer["sub"] = attributes.get("sub", user.id)
    answer["username"] = user.username
    return answer

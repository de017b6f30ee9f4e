"""The OAuth 2.0 / OIDC grammar of a pool's domain, with Authlib: the authorization-code grant with PKCE (S256 only),
the refresh-token grant, client authentication (``client_secret_basic``, ``client_secret_post``, or none for a
public client) and RFC 6749's error responses.

Cognito's rules on top of Authlib's (DG authorization-endpoint, token-endpoint, using-pkce; reference §8):
- the app client must have ``AllowedOAuthFlowsUserPoolClient`` and ``code`` among its ``AllowedOAuthFlows``
  (else ``unauthorized_client``); ``redirect_uri`` must be one of its ``CallbackURLs``;
- ``scope``: the scopes asked for, each among the client's ``AllowedOAuthScopes`` (none asked: all of them);
  ``phone``, ``email`` and ``profile`` only with ``openid`` (else ``invalid_scope``) [the 2023 guide also says an
  unknown scope "will be ignored at runtime"; the sandbox refuses it: UNVERIFIED which one the service does];
- PKCE: ``code_challenge_method`` must be ``S256``, and is required with a ``code_challenge`` (``invalid_request``);
- a code is single use and "valid for five minutes" [DOC DG authorization-endpoint, 2023 guide]; it is spent the
  first time a token request presents it, even if that request fails (a retry gets ``invalid_grant``) [OBS
  repost.aws QUDAAkuVB3QPKKnMLWQjSTvw]; codes live in memory only (a restart forgets them: sign in again);
- a refresh returns new ID and access tokens with the sign-in's scopes (a ``scope`` parameter is ignored: "only used
  if the grant_type is client_credentials"), and no new refresh token.
"""

from __future__ import annotations

import hmac
import json
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    AuthorizationCodeMixin,
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    RefreshTokenGrant,
    TokenMixin,
    scope_to_list,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from moto.cognitoidp.models import CognitoIdpUserPoolClient
from werkzeug.wrappers import Request, Response

from ..clock import CLOCK
from ..janitor import JANITOR, drop_entry
from ..model import SandboxUserPool
from ..timeshift import SHIFTERS
from . import tokens

#: "The response returns a one time use code that is valid for five minutes." (DG authorization-endpoint, 2023)
CODE_LIFETIME = 300
#: Scopes that only come with ``openid`` (DG authorization-endpoint: "can only be requested if openid scope is also
#: requested")
OPENID_ONLY = ("phone", "email", "profile")
CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]


@dataclass
class SignedInUser:
    """Who a grant is for: a user who finished managed login (or federation), or the holder of a refresh token."""

    pool_id: str
    username: str
    auth_time: int
    #: claims the ID token adds at this sign-in (``nonce``)
    id_claims: dict[str, Any] = field(default_factory=dict)
    #: the sign-in a refresh token continues (None: a new sign-in)
    origin_jti: str | None = None


# ---------------------------------------------------------------------------------------------- requests
class _Payload(OAuth2Payload):
    def __init__(self, values: Any) -> None:
        self._values = values

    @property
    def data(self) -> Mapping[str, Any]:
        return self._values

    @property
    def datalist(self) -> defaultdict[str, list[Any]]:
        found: defaultdict[str, list[Any]] = defaultdict(list)
        getlist = getattr(self._values, "getlist", None)
        for key in self._values:
            found[key].extend(getlist(key) if getlist else [self._values[key]])
        return found


def _transport_uri(path: str) -> str:
    """The URI Authlib's transport check sees. A domain answers at ``<prefix>.auth.localhost``: a loopback name (RFC
    6761 §6.3), which Authlib's check (RFC 8252 §7.3) knows as ``localhost`` only. The sandbox serves plain HTTP on
    purpose (it stands for ``https://<prefix>.auth.<region>.amazoncognito.com``)."""
    return "http://localhost" + path


class WebRequest(OAuth2Request):
    """An HTTP request to the domain, for Authlib."""

    def __init__(self, request: Request) -> None:
        super().__init__(request.method, _transport_uri(request.path), headers=request.headers)
        self._request = request
        self.payload = _Payload(request.values)

    @property
    def args(self) -> Any:
        return self._request.args

    @property
    def form(self) -> Any:
        return self._request.form


class SavedRequest(OAuth2Request):
    """The /oauth2/authorize request a sign-in started with, replayed once the user has signed in."""

    def __init__(self, params: Mapping[str, str]) -> None:
        super().__init__("GET", _transport_uri("/oauth2/authorize"), headers={})
        self.params = dict(params)
        self.payload = _Payload(self.params)

    @property
    def args(self) -> dict[str, str]:
        return self.params

    @property
    def form(self) -> dict[str, str]:
        return {}


# ---------------------------------------------------------------------------------------------- models
class OAuthClient(ClientMixin):
    """An app client of the pool, as Authlib sees it (its OAuth settings are CreateUserPoolClient's)."""

    def __init__(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient) -> None:
        self.pool, self.client = pool, client
        self.config: dict[str, Any] = client.extended_config

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.config.get("AllowedOAuthFlowsUserPoolClient"))

    def list(self, key: str) -> list[str]:
        return [str(v) for v in (self.config.get(key) or [])]

    def get_client_id(self) -> str:
        return str(self.client.id)

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is required (DG authorization-endpoint)

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = self.list("AllowedOAuthScopes")
        if not scope:
            return " ".join(allowed) or None  # "the authentication server uses all scopes associated with the client"
        asked = list(dict.fromkeys(scope_to_list(scope) or []))
        if any(s not in allowed for s in asked):
            return None
        if any(s in OPENID_ONLY for s in asked) and "openid" not in asked:
            return None
        return " ".join(asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.list("CallbackURLs")

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.client.generate_secret) and hmac.compare_digest(str(self.client.secret), str(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:  # noqa: ARG002 - authlib's API
        if self.client.generate_secret:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.oauth_enabled and "code" in self.list("AllowedOAuthFlows")

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "authorization_code":
            return self.oauth_enabled and "code" in self.list("AllowedOAuthFlows")
        # "Users who sign in with an authorization code grant in managed login or through federation can always
        # refresh their tokens from the token endpoint." (DG token-endpoint)
        return grant_type == "refresh_token"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    pool_id: str
    client_id: str
    redirect_uri: str
    scope: str
    user: SignedInUser
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class RefreshRecord(TokenMixin):
    token: str
    client_id: str
    username: str
    origin_jti: str
    scope: str

    def check_client(self, client: ClientMixin) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False  # the janitor drops refresh tokens after their life (model, janitor)

    def is_revoked(self) -> bool:
        return False  # a revoked one is not found


class CodeStore:
    """The authorization codes not yet used, in memory, each dropped by the janitor once expired."""

    def __init__(self) -> None:
        self._codes: dict[str, AuthorizationCode] = {}
        SHIFTERS.append(self.shift)  # a pool back on real time: its codes' expiry moves back with it

    def add(self, item: AuthorizationCode) -> None:
        self._codes[item.code] = item
        JANITOR.schedule(item.expires_at, item.pool_id, drop_entry, weakref.ref(self), "_codes", item.code, item)

    def take(self, code: str, client_id: str) -> AuthorizationCode | None:
        """The live code ``code`` issued to ``client_id``, now spent; None if unknown, used, expired or another
        client's."""
        item = self._codes.get(code)
        if item is None or item.client_id != client_id:
            return None
        del self._codes[code]
        return item if CLOCK.now(item.pool_id) <= item.expires_at else None

    def shift(self, pool_id: str, shift: float) -> None:
        for item in self._codes.values():
            if item.pool_id == pool_id:
                item.expires_at -= shift

    def __len__(self) -> int:
        return len(self._codes)


CODES = CodeStore()


# ---------------------------------------------------------------------------------------------- grants
class CognitoPkce(CodeChallenge):
    """PKCE as Cognito takes it: S256 only, and a code_challenge needs its code_challenge_method."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge") and not data.get("code_challenge_method"):
            raise InvalidRequestError("Missing 'code_challenge_method': Amazon Cognito supports S256 only")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def save_authorization_code(self, code: str, request: Any) -> None:
        user: SignedInUser = request.user
        data = request.payload.data
        CODES.add(AuthorizationCode(
            code=code, pool_id=user.pool_id, client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri, scope=request.scope or "", user=user,
            code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"),
            expires_at=CLOCK.now(user.pool_id) + CODE_LIFETIME,
        ))

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        return CODES.take(code, client.get_client_id())

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        pass  # already spent when it was presented

    def authenticate_user(self, authorization_code: AuthorizationCode) -> SignedInUser | None:
        user = authorization_code.user
        server: LoginServer = self.server
        return user if server.pool._get_user(user.username) is not None else None


class RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = False

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        pool: SandboxUserPool = self.server.pool
        value = pool.refresh_tokens.get(refresh_token)
        if not value:
            return None  # unknown, or revoked (GlobalSignOut, RevokeToken)
        client_id, username, origin = value[0], value[1], value[2]
        granted = pool.oauth_scopes.get(origin)
        return RefreshRecord(refresh_token, client_id, username, origin,
                             granted[1] if granted else tokens.ADMIN_SCOPE)

    def authenticate_user(self, refresh_token: RefreshRecord) -> SignedInUser | None:
        pool: SandboxUserPool = self.server.pool
        user = pool._get_user(refresh_token.username)
        if user is None or not user.enabled:
            return None
        return SignedInUser(pool.id, user.username, 0, origin_jti=refresh_token.origin_jti)

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        pass  # a refresh token stays valid (no rotation)

    # "scope ... Optional. Only used if the grant_type is client_credentials" (DG token-endpoint): a refresh gets
    # the sign-in's scopes, whatever it asks.
    def _validate_token_scope(self, token: RefreshRecord) -> None:
        pass

    def issue_token(self, user: SignedInUser, refresh_token: RefreshRecord) -> dict[str, Any]:
        return self.generate_token(user=user, scope=refresh_token.get_scope(),
                                   include_refresh_token=self.INCLUDE_NEW_REFRESH_TOKEN)


# ---------------------------------------------------------------------------------------------- the server
class LoginServer(AuthorizationServer):
    """The authorization server of one pool's domain."""

    def __init__(self, pool: SandboxUserPool) -> None:
        super().__init__()
        self.pool = pool
        self.register_grant(CodeGrant, [CognitoPkce(required=False)])
        self.register_grant(RefreshGrant)
        self.register_token_generator("default", self._mint)

    def query_client(self, client_id: str) -> OAuthClient | None:
        client = self.pool.clients.get(client_id)
        return OAuthClient(self.pool, client) if client is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        pass  # minted into the pool already (tokens.mint)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        if isinstance(request, Mapping):
            return SavedRequest(request)
        return WebRequest(request)

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        payload = json.dumps(body) if isinstance(body, dict) else (body or "")
        return Response(payload, status=status, headers=list(headers or []))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def _mint(self, grant_type: str, client: OAuthClient, user: SignedInUser | None = None, scope: str | None = None,  # noqa: ARG002 - authlib's API
              expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:  # noqa: ARG002 - authlib's API
        assert user is not None  # noqa: S101 - narrows the type: authlib passes the signed-in user
        return tokens.mint(self.pool, client.get_client_id(), user, scope or "",
                           include_refresh_token=include_refresh_token)


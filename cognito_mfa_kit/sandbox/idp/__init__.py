"""DemoIdP: a tiny OpenID Connect provider inside the sandbox, under ``/_sandbox/idp`` — so that federated users can
be shown live, with no account anywhere.

Its issuer is ``<sandbox URL>/_sandbox/idp``. A pool federates with it through
``CreateIdentityProvider(ProviderType="OIDC", ProviderName="DemoIdP", ProviderDetails={"oidc_issuer": <issuer>,
"client_id": …, "client_secret": …, "authorize_scopes": "openid email"}, AttributeMapping={"email": "email"})``;
the app client lists ``DemoIdP`` in SupportedIdentityProviders; managed login then shows "Sign in with DemoIdP".

- ``GET /.well-known/openid-configuration``, ``GET /jwks.json``: discovery and its RS256 key (made at start, in
  memory: a restart makes a new one);
- ``GET /authorize`` (response_type=code, client_id, redirect_uri, state, nonce, scope): its sign-in page, which asks
  for an e-mail address only (it is a demo: no password); ``POST /authorize`` → ``redirect_uri?code=…&state=…``;
- ``POST /token`` (authorization_code; client_id and client_secret by Basic or in the form, any values: a demo
  registers no clients, but a code is bound to its client_id and redirect_uri) → ``id_token`` (``sub``, ``email``,
  ``email_verified``, ``nonce``, ``aud``, ``iss``), ``access_token``;
- ``GET /userinfo`` with ``Authorization: Bearer <access token>``.

A person's ``sub`` is derived from the e-mail address (the same address is the same person after a restart). Codes
are single use and live five minutes; times are the sandbox's own clock.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from werkzeug.wrappers import Request, Response

from ..backend import LOCK
from ..clock import CLOCK
from ..federation import DEMO_IDP_PATH
from ..janitor import JANITOR, drop_entry
from ..jwt_keys import PoolKey
from ..login import pages

if TYPE_CHECKING:
    from ..app import SandboxApp

PACKAGE = "cognito_mfa_kit.sandbox.idp"
CODE_LIFETIME = 300
TOKEN_LIFETIME = 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAMESPACE = uuid.UUID("5b3f0a6e-7d3c-4a43-9a51-7c1b2f6f0d11")
_AUTHORIZE = ("response_type", "client_id", "redirect_uri", "state", "nonce", "scope")


class IdpError(Exception):
    """A refusal of the DemoIdP (its OAuth error code is the message)."""


@dataclass
class _Grant:
    code: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    email: str
    issuer: str
    expires_at: float


def subject(email: str) -> str:
    """The DemoIdP's ``sub`` for an e-mail address (stable: derived from the address)."""
    return str(uuid.uuid5(_NAMESPACE, email.strip().lower()))


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


class DemoIdp:
    """The sandbox's demo OpenID Connect provider."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.key = PoolKey()
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ routing
    def route(self, request: Request) -> Response:
        path = request.path[len(DEMO_IDP_PATH):] or "/"
        routes = {"/.well-known/openid-configuration": self.configuration, "/jwks.json": self.jwks,
                  "/authorize": self.authorize, "/token": self.token, "/userinfo": self.userinfo}
        handler = routes.get(path)
        if handler is None:
            return _json({"error": "not_found", "error_description": f"DemoIdP has no {path}"}, 404)
        with LOCK:
            try:
                return handler(request)
            finally:
                self.app.changed()

    @staticmethod
    def issuer(request: Request) -> str:
        return f"{request.scheme}://{request.host}{DEMO_IDP_PATH}"

    def configuration(self, request: Request) -> Response:
        issuer = self.issuer(request)
        return _json({
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo", "jwks_uri": f"{issuer}/jwks.json",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    def jwks(self, request: Request) -> Response:  # noqa: ARG002 - a route handler's signature
        return _json({"keys": [self.key.jwk()]})

    # ------------------------------------------------------------------ sign-in
    def authorize(self, request: Request) -> Response:
        source = request.form if request.method == "POST" else request.args
        params = {key: str(source[key]) for key in _AUTHORIZE if source.get(key)}
        redirect_uri = params.get("redirect_uri", "")
        if not params.get("client_id") or urlsplit(redirect_uri).scheme not in ("http", "https"):
            return pages.render(PACKAGE, "error.html", status=400,
                                text="DemoIdP needs client_id and an absolute http(s) redirect_uri.")
        if params.get("response_type") != "code":
            return Response("", 302, {"Location": add_params_to_uri(redirect_uri, [
                ("error", "unsupported_response_type"), ("state", params.get("state", ""))])})
        context: dict[str, Any] = {"params": params, "email": "", "message": None,
                                   "action": f"{DEMO_IDP_PATH}/authorize"}
        if request.method != "POST":
            return pages.render(PACKAGE, "signin.html", **context)
        email = (request.form.get("email") or "").strip()
        if not EMAIL.match(email):
            context.update(email=email, message="Enter an e-mail address, e.g. dana@example.com.")
            return pages.render(PACKAGE, "signin.html", **context)
        grant = _Grant(secrets.token_urlsafe(32), params["client_id"], redirect_uri, params.get("nonce"), email,
                       self.issuer(request), CLOCK.now() + CODE_LIFETIME)
        self._keep("_codes", grant.code, grant, grant.expires_at)
        answer = [("code", grant.code)] + ([("state", params["state"])] if params.get("state") else [])
        return Response("", 302, {"Location": add_params_to_uri(redirect_uri, answer)})

    def _keep(self, kind: str, key: str, value: Any, deadline: float) -> None:
        """Keep ``value`` in the dict ``kind`` (``_codes``, ``_access``) until the sandbox's clock passes
        ``deadline``."""
        getattr(self, kind)[key] = value
        JANITOR.schedule(deadline, None, drop_entry, weakref.ref(self), kind, key, value)

    # ------------------------------------------------------------------ tokens
    def exchange(self, code: str, *, client_id: str, redirect_uri: str) -> str:
        """The ID token for ``code`` (single use), or :class:`IdpError` ``invalid_grant``."""
        grant = self._codes.pop(code, None)
        if grant is None or grant.client_id != client_id or grant.redirect_uri != redirect_uri \
                or CLOCK.now() > grant.expires_at:
            raise IdpError("invalid_grant")
        now = int(CLOCK.now())
        claims = {"iss": grant.issuer, "sub": subject(grant.email), "aud": client_id, "iat": now,
                  "exp": now + TOKEN_LIFETIME, "auth_time": now, "email": grant.email, "email_verified": True}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return self.key.sign(claims)

    def verify(self, id_token: str, *, issuer: str, audience: str, nonce: str | None) -> dict[str, Any]:
        """The claims of a DemoIdP ID token, checked as a relying party checks them (signature, iss, aud, exp on the
        sandbox's clock, nonce)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token, self.key.private_key.public_key(), algorithms=["RS256"], audience=audience,
                issuer=issuer.rstrip("/"), options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError as exc:
            raise IdpError(f"invalid id_token ({exc})") from exc
        if float(claims.get("exp", 0)) < CLOCK.now():
            raise IdpError("id_token expired")
        if nonce is not None and claims.get("nonce") != nonce:
            raise IdpError("id_token nonce mismatch")
        return claims

    def token(self, request: Request) -> Response:
        if request.method != "POST" or request.form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        client_id, _secret = extract_basic_authorization(request.headers)
        client_id = client_id or request.form.get("client_id") or ""
        try:
            id_token = self.exchange(request.form.get("code") or "", client_id=client_id,
                                     redirect_uri=request.form.get("redirect_uri") or "")
        except IdpError as exc:
            return _json({"error": str(exc)}, 400)
        claims = jwt.decode(id_token, options={"verify_signature": False})
        access = secrets.token_urlsafe(32)
        self._keep("_access", access, claims, CLOCK.now() + TOKEN_LIFETIME)
        return _json({"id_token": id_token, "access_token": access, "token_type": "Bearer",
                      "expires_in": TOKEN_LIFETIME}, headers={"Cache-Control": "no-store"})

    def userinfo(self, request: Request) -> Response:
        auth = request.headers.get("Authorization") or ""
        claims = self._access.get(auth[7:].strip()) if auth[:7].lower() == "bearer " else None
        if claims is None:
            return _json({"error": "invalid_token"}, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return _json({k: claims[k] for k in ("sub", "email", "email_verified") if k in claims})


__all__ = ["DemoIdp", "IdpError", "subject"]

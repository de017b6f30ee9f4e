"""The managed login of every prefix domain: its pages and OAuth 2.0 endpoints, routed by the Host header.

Endpoints (DG authorization-endpoint, login-endpoint, token-endpoint, userinfo-endpoint, logout-endpoint,
federation-endpoints; reference §8):

==================================== ===================================================================================
``GET /oauth2/authorize``            validates the request; ``identity_provider`` (or ``idp_identifier``) of an IdP →
                                     that IdP's sign-in page, else → ``/login`` with the same parameters
``GET|POST /login``                  the sign-in page (username, password; a button per IdP of the app client)
``/mfa``                             the code page (SOFTWARE_TOKEN_MFA, SMS_MFA)
``/mfa-setup``                       MFA required and no factor: the QR code, the key ("can't scan?"), a code
``/mfa-choice``                      several factors, none preferred: the choice (SELECT_MFA_TYPE)
``/new-password``                    a temporary password: the new one (NEW_PASSWORD_REQUIRED)
``/passkey``                         "Sign in with a passkey": navigator.credentials.get() (WEB_AUTHN)
``GET|POST /passkeys/add``           a signed-in browser (the session cookie) registers a passkey:
                                     navigator.credentials.create(), then back to ``redirect_uri``
``/passkey.js``                      the small script of both passkey pages (served here: no CDN)
``POST /oauth2/token``               authorization_code (with PKCE) and refresh_token grants
``GET|POST /oauth2/userInfo``        the user's attributes for an access token with ``openid``
``GET /logout``                      ``logout_uri`` (one of the LogoutURLs), or ``redirect_uri`` & co. → sign in again
``GET /oauth2/idpresponse``          the IdP's answer (OIDC): the federated user, then the code
``/.well-known/openid-configuration`` the pool's discovery document
==================================== ===================================================================================

The paths of the pages after ``/login`` are the sandbox's own (AWS documents none, and "doesn't support programmatic
access" to them), except ``/passkeys/add`` (DG managed-login-endpoints). Every page calls the backend's managed-login
steps (``hosted_signin``), so they apply the API's rules.

A finished sign-in sets a session cookie (``cognito``, HttpOnly, an hour) [UNVERIFIED: its name and lifetime are
observations, not documentation]; only ``/passkeys/add`` reads it, and ``/logout`` ends it. There is no single
sign-on: each /oauth2/authorize still asks for the password [not emulated].

Passkeys (reference §9): the sign-in page offers "Sign in with a passkey" when the pool allows WEB_AUTHN as a first
factor; it is USER_AUTH's WEB_AUTHN first factor, so with ``FactorConfiguration=MULTI_FACTOR_WITH_USER_VERIFICATION``
and the user's passkey MFA on, a user-verifying passkey satisfies MFA (no TOTP page) — "passkey MFA applies only when
passkey is the first authentication factor" (WebAuthnMfaSettingsType): after a *password* the user's MFA follows as
before, and no page offers a passkey as a second step. The pages' exact look and wording are the sandbox's
[UNVERIFIED].
"""

from __future__ import annotations

import importlib.resources
import json
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from moto.core.exceptions import JsonRESTError
from werkzeug.wrappers import Request, Response

from .. import plans
from ..backend import LOCK, sandbox_backends
from ..choice import allowed_first_factors
from ..clock import CLOCK
from ..federation import is_demo_issuer
from ..model import SandboxUserPool
from . import pages, tokens
from .hosts import domain_host, sandbox_host
from .oauth import LoginServer, OAuthClient, SavedRequest, SignedInUser
from .steps import PENDING, SIGNED_IN, PageMessage, PendingSignIn, message_for

if TYPE_CHECKING:
    from ..app import SandboxApp

PACKAGE = "cognito_mfa_kit.sandbox.login"
#: the page that answers each step
PAGE_OF = {"SOFTWARE_TOKEN_MFA": "/mfa", "SMS_MFA": "/mfa", "MFA_SETUP": "/mfa-setup",
           "SELECT_MFA_TYPE": "/mfa-choice", "NEW_PASSWORD_REQUIRED": "/new-password", "WEB_AUTHN": "/passkey"}
#: the managed-login session cookie (set when a sign-in ends in a code) [UNVERIFIED name]
SESSION_COOKIE = "cognito"
#: the passkey pages' script (package data)
PASSKEY_JS = "static/passkey.js"
FACTOR_NAMES = {"SOFTWARE_TOKEN_MFA": "Authenticator app (TOTP)", "SMS_MFA": "Text message (SMS)",
                "EMAIL_OTP": "Email message"}
SIX_DIGITS = re.compile(r"^\d{6}$")
#: the parameters of /oauth2/authorize that the next pages carry along
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
                    "code_challenge_method")

Handler = Callable[[Request, Any, SandboxUserPool], Response]


def discovery(pool: SandboxUserPool, base_url: str, jwks_uri: str) -> dict[str, Any]:
    """The pool's OpenID Connect discovery document, naming the endpoints of its domain at ``base_url``."""
    return {
        "issuer": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}",
        "authorization_endpoint": f"{base_url}/oauth2/authorize",
        "token_endpoint": f"{base_url}/oauth2/token",
        "userinfo_endpoint": f"{base_url}/oauth2/userInfo",
        "end_session_endpoint": f"{base_url}/logout",
        "jwks_uri": jwks_uri,
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }


def _flat(values: Any) -> dict[str, str]:
    return {key: str(values.get(key)) for key in values}


def _authorize_params(values: Any) -> dict[str, str]:
    return {key: str(values[key]) for key in AUTHORIZE_PARAMS if values.get(key)}


def _offers_passkeys(pool: SandboxUserPool) -> bool:
    """The sign-in page offers "Sign in with a passkey": the pool's plan has passkeys and its sign-in policy allows
    WEB_AUTHN as a first factor [UNVERIFIED: managed login v2 asks for the username first, then offers the factors]."""
    return plans.allows(plans.tier_of(pool.extended_config), "passkeys") and "WEB_AUTHN" in allowed_first_factors(pool)


def _json_object(raw: str) -> dict[str, Any] | None:
    """``raw`` as a JSON object, or None (not JSON, or not an object)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _demo_issuer(request: Request, details: dict[str, Any]) -> str:
    """The DemoIdP's issuer as this sandbox serves it now: the provider's ``oidc_issuer`` on the port this request
    came in on. The DemoIdP is part of the sandbox, and a sandbox restarted on its state file (``make lab``) listens
    on a new port: the issuer saved with the provider would send the browser to the old, dead one."""
    stored = urlsplit(str(details["oidc_issuer"]).rstrip("/"))
    port = urlsplit("//" + (request.host or "")).port
    if port is None or stored.port == port or stored.hostname is None:
        return stored.geturl()
    name = f"[{stored.hostname}]" if ":" in stored.hostname else stored.hostname
    return stored._replace(netloc=f"{name}:{port}").geturl()


def _redirect(location: str, status: int = 302) -> Response:
    return Response("", status=status, headers={"Location": location, "Cache-Control": "no-store"})


class ManagedLogin:
    """The managed-login pages and OAuth endpoints of every domain of the sandbox ``app``."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self._routes: dict[str, Handler] = {
            "/oauth2/authorize": self.authorize,
            "/login": self.login,
            "/mfa": self.code_page,
            "/mfa-setup": self.setup_page,
            "/mfa-choice": self.choice_page,
            "/new-password": self.new_password_page,
            "/passkey": self.passkey_page,
            "/passkeys/add": self.add_passkey_page,
            "/passkey.js": self.passkey_script,
            "/oauth2/token": self.token,
            "/oauth2/userInfo": self.user_info,
            "/logout": self.logout,
            "/oauth2/idpresponse": self.idp_response,
            "/.well-known/openid-configuration": self.openid_configuration,
        }

    # ------------------------------------------------------------------ routing
    def route(self, request: Request, prefix: str) -> Response:
        with LOCK:
            found = self._domain(prefix)
            if found is None:
                return self._error(f"No user pool has the domain {prefix}", "Create it with CreateUserPoolDomain "
                                   f"(Domain={prefix!r}), or check the address.", status=404)
            backend, pool = found
            handler = self._routes.get(request.path)
            if handler is None:
                return self._error("Not found", f"The domain {prefix} has no page {request.path}.", status=404)
            try:
                return handler(request, backend, pool)
            finally:
                self.app.changed()

    @staticmethod
    def _domain(prefix: str) -> tuple[Any, SandboxUserPool] | None:
        for account in list(sandbox_backends.values()):
            for region, backend in list(account.items()):
                if region == "global":
                    continue
                domain = backend.user_pool_domains.get(prefix)
                if domain is not None and not domain.custom_domain_config:
                    pool = backend.user_pools.get(domain.user_pool_id)
                    if pool is not None:
                        return backend, pool
        return None

    @staticmethod
    def _base(request: Request) -> str:
        return f"{request.scheme}://{request.host}"

    def _error(self, title: str, text: str, *, status: int = 400, restart: str | None = None,
               api_error: str = "") -> Response:
        return pages.render(PACKAGE, "error.html", status=status, title=title, text=text, restart=restart,
                            api_error=api_error)

    # ------------------------------------------------------------------ the authorize request
    def _check(self, server: LoginServer, pool: SandboxUserPool, values: Any) -> Response | None:
        """None if ``values`` make a valid authorize request; else the answer refusing it: an error page while the
        client or redirect_uri is wrong (never a redirect to an unregistered URI, RFC 6749 §4.1.2.1), a redirect to
        the app with ``error`` and ``state`` otherwise."""
        params = _flat(values)
        client = pool.clients.get(params.get("client_id", ""))
        if client is None:
            return self._error("invalid_request", "client_id: no app client of this user pool has this id.")
        if params.get("redirect_uri") not in OAuthClient(pool, client).list("CallbackURLs"):
            return self._error("redirect_mismatch", "redirect_uri must be one of the app client's CallbackURLs "
                               "(exactly: scheme, host, port and path).")
        try:
            server.get_consent_grant(SavedRequest(_authorize_params(values)))
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            return self._error(str(error.error), str(error.description or ""))
        return None

    def authorize(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        if request.method != "GET":
            return self._error("invalid_request", "/oauth2/authorize answers GET only.", status=405)
        server = LoginServer(pool)
        refusal = self._check(server, pool, request.args)
        if refusal is not None:
            return refusal
        params = _authorize_params(request.args)
        client = OAuthClient(pool, pool.clients[params["client_id"]])
        provider = request.args.get("identity_provider") or self._by_identifier(pool, request.args.get(
            "idp_identifier"))
        if not provider or provider == "COGNITO":
            return _redirect("/login?" + urlencode(params))
        if provider not in pool.identity_providers or provider not in client.list("SupportedIdentityProviders"):
            return self._app_error(params, "invalid_request",
                                   f"identity_provider {provider} is not enabled for this app client")
        return self._to_idp(request, pool, params, provider)

    @staticmethod
    def _by_identifier(pool: SandboxUserPool, identifier: str | None) -> str | None:
        if not identifier:
            return None
        for name, provider in pool.identity_providers.items():
            if identifier in (provider.extended_config.get("IdpIdentifiers") or []):
                return str(name)
        return identifier  # an unknown identifier is refused like an unknown provider

    @staticmethod
    def _app_error(params: dict[str, str], error: str, description: str) -> Response:
        answer = [("error", error), ("error_description", description)]
        if params.get("state"):
            answer.append(("state", params["state"]))
        return _redirect(add_params_to_uri(params["redirect_uri"], answer))

    # ------------------------------------------------------------------ the sign-in page
    def login(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        server = LoginServer(pool)
        refusal = self._check(server, pool, request.args)
        if refusal is not None:
            return refusal
        params = _authorize_params(request.args)
        client = OAuthClient(pool, pool.clients[params["client_id"]])
        local = "COGNITO" in client.list("SupportedIdentityProviders")
        providers = [{"name": name, "url": "/oauth2/authorize?" + urlencode({**params, "identity_provider": name})}
                     for name in client.list("SupportedIdentityProviders")
                     if name != "COGNITO" and name in pool.identity_providers]
        context: dict[str, Any] = {"pool_name": pool.name, "action": "/login?" + urlencode(params), "local": local,
                                   "providers": providers, "username": "", "message": None,
                                   "passkeys": _offers_passkeys(pool)}
        if request.method == "GET":
            return pages.render(PACKAGE, "signin.html", **context)
        if request.method != "POST" or not local:
            return self._error("invalid_request", "This app client signs in with an identity provider only.")
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        context["username"] = username
        if request.form.get("factor") == "WEB_AUTHN" and context["passkeys"]:
            return self._passkey_sign_in(server, backend, pool, params, client, username, context)
        if not username or not password:
            context["message"] = PageMessage("Enter your username and password.")
            return pages.render(PACKAGE, "signin.html", **context)
        try:
            answer = backend.managed_password(pool, client.client, username, password)
        except JsonRESTError as error:
            context["message"] = message_for(error)
            return pages.render(PACKAGE, "signin.html", **context)
        return self._next(server, pool, params, client.get_client_id(), answer, None)

    def _passkey_sign_in(self, server: LoginServer, backend: Any, pool: SandboxUserPool, params: dict[str, str],
                         client: OAuthClient, username: str, context: dict[str, Any]) -> Response:
        """"Sign in with a passkey": the WEB_AUTHN first factor for ``username`` → the passkey page."""
        if not username:
            context["message"] = PageMessage("Enter your username, then choose Sign in with a passkey.")
            return pages.render(PACKAGE, "signin.html", **context)
        try:
            answer = backend.managed_passkey(pool, client.client, username)
        except JsonRESTError as error:
            context["message"] = message_for(error)
            return pages.render(PACKAGE, "signin.html", **context)
        return self._next(server, pool, params, client.get_client_id(), answer, None)

    # ------------------------------------------------------------------ what comes next
    def _next(self, server: LoginServer, pool: SandboxUserPool, params: dict[str, str], client_id: str,
              answer: dict[str, Any], item: PendingSignIn | None) -> Response:
        """After a step: the code (signed in), or the page of the next challenge."""
        if "SignedIn" in answer:
            if item is not None:
                PENDING.finish(item)
            return self._finish(server, pool, params, str(answer["SignedIn"]))
        step = str(answer.get("ChallengeName"))
        if step not in PAGE_OF:
            return self._error("Not available", f"Cognito asks for {step}, which the sandbox's managed login does "
                               "not show.")
        parameters = dict(answer.get("ChallengeParameters") or {})
        username = parameters.get("USER_ID_FOR_SRP") or parameters.get("USERNAME") or (item.username if item else "")
        if item is None:
            item = PENDING.start(pool.id, client_id, params, step, username=username)
        item.step, item.session, item.parameters, item.secret = step, answer.get("Session"), parameters, None
        return _redirect(f"{PAGE_OF[step]}?flow={item.id}", 303)

    def _finish(self, server: LoginServer, pool: SandboxUserPool, params: dict[str, str], username: str) -> Response:
        """Signed in: back to the app's redirect_uri with a new code (and ``state``)."""
        claims = {"nonce": params["nonce"]} if params.get("nonce") else {}
        user = SignedInUser(pool.id, username, int(CLOCK.now(pool.id)), claims)
        saved = SavedRequest(params)
        try:
            grant = server.get_consent_grant(saved)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        answer: Response = server.create_authorization_response(saved, grant_user=user, grant=grant)
        session = SIGNED_IN.start(pool.id, params["client_id"], params, "SIGNED_IN", username=username)
        answer.set_cookie(SESSION_COOKIE, session.id, max_age=int(session.expires_at - CLOCK.now(pool.id)),
                          path="/", httponly=True, samesite="Lax")
        return answer

    def _pending(self, request: Request, pool: SandboxUserPool, *steps: str) -> PendingSignIn | Response:
        flow = request.form.get("flow") if request.method == "POST" else request.args.get("flow")
        item = PENDING.get(flow, pool.id)
        if item is None or item.step not in steps:
            return self._error("This page has expired", "Sign in again from the app.", status=400)
        return item

    def _restart_url(self, item: PendingSignIn) -> str:
        return "/login?" + urlencode(item.params)

    def _refused(self, item: PendingSignIn, message: PageMessage) -> Response:
        PENDING.finish(item)
        return self._error("Sign in again", message.text, restart=self._restart_url(item),
                           api_error=message.api_error)

    def _answer(self, pool: SandboxUserPool, item: PendingSignIn, respond: Callable[..., dict[str, Any]],
                *args: Any) -> Response | PageMessage:
        """Answer the step with ``respond(item.session, item.client_id, *args)``: the next page, or the message to
        show when the API refused it (a refusal that needs a restart ends the sign-in)."""
        try:
            answer = respond(item.session, item.client_id, *args)
        except JsonRESTError as error:
            message = message_for(error)
            return self._refused(item, message) if message.restart else message
        return self._next(LoginServer(pool), pool, item.params, item.client_id, answer, item)

    def _live(self, request: Request, backend: Any, pool: SandboxUserPool, *steps: str) -> PendingSignIn | Response:
        """The page's pending step (:meth:`_pending`) whose API session can still be answered; else the page that
        says why (the sign-in ends when the session is gone)."""
        item = self._pending(request, pool, *steps)
        if isinstance(item, Response):
            return item
        dead = self._alive(backend, item)
        return item if dead is None else self._refused(item, dead)

    def _alive(self, backend: Any, item: PendingSignIn) -> PageMessage | None:
        """None if the step's API session can still be answered, else why not."""
        try:
            backend.sessions.take(item.session)
        except JsonRESTError as error:
            return message_for(error)
        return None

    @staticmethod
    def _posted_code(request: Request, hint: str,
                     answer: Callable[[str], Response | PageMessage | None]) -> Response | PageMessage | None:
        """A code page's POST: six digits go to ``answer`` (the next page, or why they were refused); anything else
        gets ``hint``. ``None`` when nothing was posted."""
        if request.method != "POST":
            return None
        code = (request.form.get("code") or "").strip()
        return answer(code) if SIX_DIGITS.match(code) else PageMessage(hint)

    # ------------------------------------------------------------------ the code page
    def code_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        item = self._live(request, backend, pool, "SOFTWARE_TOKEN_MFA", "SMS_MFA")
        if isinstance(item, Response):
            return item
        message = self._posted_code(request, "Enter the 6-digit code.", lambda code: self._answer(
            pool, item, backend.managed_respond, item.step, {f"{item.step}_CODE": code}))
        if isinstance(message, Response):
            return message
        if item.step == "SMS_MFA":
            prompt = (f"We sent a code by text message to {item.parameters.get('CODE_DELIVERY_DESTINATION', '')}. "
                      "Enter it below.")
        else:
            device = item.parameters.get("FRIENDLY_DEVICE_NAME")
            prompt = "Enter the 6-digit code from your authenticator app" + (f" ({device})." if device else ".")
        return pages.render(PACKAGE, "code.html", pool_name=pool.name, flow=item.id, prompt=prompt, message=message,
                            step=item.step)

    # ------------------------------------------------------------------ the set-up page
    def setup_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        item = self._pending(request, pool, "MFA_SETUP")
        if isinstance(item, Response):
            return item
        can_setup = json.loads(item.parameters.get("MFAS_CAN_SETUP") or "[]")
        if "SOFTWARE_TOKEN_MFA" not in can_setup:
            return self._error("Not available", "This pool asks the user to set up SMS MFA; the sandbox's managed "
                               "login sets up authenticator apps only.")
        if item.secret is None:
            try:
                association = backend.managed_setup(item.session)
            except JsonRESTError as error:
                return self._refused(item, message_for(error))
            item.secret, item.session = association["SecretCode"], association["Session"]
        dead = self._alive(backend, item)
        if dead is not None:
            return self._refused(item, dead)
        message = self._posted_code(request, "Enter the 6-digit code your authenticator app shows.",
                                    lambda code: self._answer(pool, item, backend.managed_verify_setup, code))
        if isinstance(message, Response):
            return message
        uri = pages.key_uri(item.secret, item.username, pool.name)
        return pages.render(PACKAGE, "setup.html", pool_name=pool.name, flow=item.id, qr=pages.qr_data_uri(uri),
                            key=pages.grouped(item.secret), message=message)

    # ------------------------------------------------------------------ the choice
    def choice_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        item = self._live(request, backend, pool, "SELECT_MFA_TYPE")
        if isinstance(item, Response):
            return item
        options = json.loads(item.parameters.get("MFAS_CAN_CHOOSE") or "[]")
        message = None
        if request.method == "POST":
            choice = request.form.get("mfa_type")
            if choice not in options:
                message = PageMessage("Choose how to receive your code.")
            else:
                try:
                    answer = backend.managed_respond(item.session, item.client_id, "SELECT_MFA_TYPE",
                                                     {"ANSWER": choice})
                except JsonRESTError as error:
                    return self._refused(item, message_for(error))
                return self._next(LoginServer(pool), pool, item.params, item.client_id, answer, item)
        return pages.render(PACKAGE, "choice.html", pool_name=pool.name, flow=item.id, message=message,
                            options=[{"value": o, "label": FACTOR_NAMES.get(o, o)} for o in options])

    # ------------------------------------------------------------------ the new password
    def new_password_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        item = self._live(request, backend, pool, "NEW_PASSWORD_REQUIRED")
        if isinstance(item, Response):
            return item
        message = None
        if request.method == "POST":
            password = request.form.get("new_password") or ""
            if not password:
                message = PageMessage("Enter a new password.")
            else:
                outcome = self._answer(pool, item, backend.managed_respond, "NEW_PASSWORD_REQUIRED",
                                       {"NEW_PASSWORD": password})
                if isinstance(outcome, Response):
                    return outcome
                message = outcome
        return pages.render(PACKAGE, "new_password.html", pool_name=pool.name, flow=item.id, message=message)

    # ------------------------------------------------------------------ passkeys
    def passkey_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        """The WEB_AUTHN challenge: the page runs navigator.credentials.get() and posts the assertion, which
        RespondToAuthChallenge's rules check (``CREDENTIAL``)."""
        item = self._live(request, backend, pool, "WEB_AUTHN")
        if isinstance(item, Response):
            return item
        message, status = None, 200
        if request.method == "POST":
            raw = request.form.get("credential") or ""
            if _json_object(raw) is None:
                message, status = PageMessage("The browser's answer is not a passkey credential (an "
                                              "AuthenticationResponseJSON object). Try again."), 400
            else:
                outcome = self._answer(pool, item, backend.managed_respond, "WEB_AUTHN", {"CREDENTIAL": raw})
                if isinstance(outcome, Response):
                    return outcome
                message = outcome
        options = json.loads(item.parameters.get("CREDENTIAL_REQUEST_OPTIONS") or "{}")
        return pages.render(PACKAGE, "passkey.html", status=status, pool_name=pool.name, flow=item.id,
                            options=options, rp_id=options.get("rpId", ""), username=item.username, message=message,
                            restart=self._restart_url(item))

    def add_passkey_page(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        """``/passkeys/add?client_id=…&redirect_uri=…``: the browser's signed-in user (the session cookie) registers a
        passkey — StartWebAuthnRegistration's options, navigator.credentials.create() on the page, then
        CompleteWebAuthnRegistration's rules on the posted RegistrationResponseJSON; done → ``redirect_uri``
        [UNVERIFIED: the service's refusals and what it adds to redirect_uri]."""
        client = pool.clients.get(request.args.get("client_id") or "")
        if client is None:
            return self._error("invalid_request", "client_id: no app client of this user pool has this id.")
        redirect_uri = request.args.get("redirect_uri") or ""
        if redirect_uri not in OAuthClient(pool, client).list("CallbackURLs"):
            return self._error("redirect_mismatch", "redirect_uri must be one of the app client's CallbackURLs "
                               "(exactly: scheme, host, port and path).")
        session = SIGNED_IN.get(request.cookies.get(SESSION_COOKIE), pool.id)
        if session is None:
            sign_in = "/oauth2/authorize?" + urlencode({"response_type": "code", "client_id": client.id,
                                                        "redirect_uri": redirect_uri})
            return self._error("Sign in first", "Adding a passkey needs a signed-in browser: sign in on this domain "
                               "first (then come back to this page).", status=401, restart=sign_in)
        query = urlencode({"client_id": client.id, "redirect_uri": redirect_uri})
        again = "/passkeys/add?" + query
        if request.method == "POST":
            credential = _json_object(request.form.get("credential") or "")
            if credential is None:
                return self._error("Not a passkey", "The browser's answer is not a passkey credential (a "
                                   "RegistrationResponseJSON object).", restart=again)
            try:
                backend.managed_complete_passkey(pool, session.client_id, session.username, credential)
            except JsonRESTError as error:
                said = message_for(error)
                return self._error("The passkey was not added", said.text, restart=again, api_error=said.api_error)
            return _redirect(redirect_uri)
        if request.method != "GET":
            return self._error("invalid_request", "/passkeys/add answers GET and POST only.", status=405)
        try:
            options = backend.managed_start_passkey(pool, session.client_id, session.username)[
                "CredentialCreationOptions"]
        except JsonRESTError as error:
            said = message_for(error)
            return self._error("Passkeys are not available", said.text, api_error=said.api_error)
        rp_id, host = str(options["rp"]["id"]), (request.host or "").rsplit(":", 1)[0].lower()
        if host != rp_id and not host.endswith("." + rp_id):
            return self._error("Relying party mismatch", f"The user pool's passkeys are for the relying party "
                               f"{rp_id}, but this page is at {host}: a browser makes passkeys only for its page's "
                               f"domain or a parent of it. Set WebAuthnConfiguration.RelyingPartyId to {host}.")
        return pages.render(PACKAGE, "passkey_add.html", pool_name=pool.name, username=session.username,
                            rp_id=rp_id, options=options, action=again, redirect_uri=redirect_uri, message=None)

    def passkey_script(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        script = importlib.resources.files(__package__).joinpath(PASSKEY_JS).read_text(encoding="utf-8")
        return Response(script, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})

    # ------------------------------------------------------------------ federation
    def _to_idp(self, request: Request, pool: SandboxUserPool, params: dict[str, str], name: str) -> Response:
        provider = pool.identity_providers[name]
        details = provider.extended_config.get("ProviderDetails") or {}
        if provider.extended_config.get("ProviderType") != "OIDC" or not is_demo_issuer(details.get("oidc_issuer")):
            return self._error("Not available", f"{name} is not the sandbox's DemoIdP: the sandbox federates only "
                               "with its own demo OpenID Connect provider (oidc_issuer <sandbox URL>/_sandbox/idp).")
        item = PENDING.start(pool.id, params["client_id"], params, "FEDERATION", provider=name,
                             nonce=secrets.token_urlsafe(16))
        query = {"response_type": "code", "client_id": details["client_id"],
                 "redirect_uri": self._base(request) + "/oauth2/idpresponse",
                 "scope": details.get("authorize_scopes", "openid"), "state": item.id, "nonce": item.nonce}
        return _redirect(_demo_issuer(request, details) + "/authorize?" + urlencode(query))

    def idp_response(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:
        from ..idp import IdpError

        item = PENDING.get(request.args.get("state"), pool.id)
        if item is None or item.step != "FEDERATION" or item.provider not in pool.identity_providers:
            return self._error("This page has expired", "Sign in again from the app.")
        PENDING.finish(item)
        name = str(item.provider)
        if request.args.get("error"):
            return self._app_error(item.params, "invalid_request",
                                   f"{name} Error - {request.args.get('error')}")
        details = pool.identity_providers[name].extended_config.get("ProviderDetails") or {}
        try:
            id_token = self.app.idp.exchange(request.args.get("code") or "", client_id=details["client_id"],
                                             redirect_uri=self._base(request) + "/oauth2/idpresponse")
            claims = self.app.idp.verify(id_token, issuer=_demo_issuer(request, details), audience=details["client_id"],
                                         nonce=item.nonce)
            user = backend.federated_sign_in(pool, name, claims)
        except IdpError as error:
            return self._app_error(item.params, "invalid_request", f"{name} Error - {error}")
        except JsonRESTError as error:
            return self._app_error(item.params, "invalid_request", str(error.message))
        return self._finish(LoginServer(pool), pool, item.params, user.username)

    # ------------------------------------------------------------------ token, userInfo, logout, discovery
    def token(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        headers = {"Access-Control-Allow-Origin": "*"}
        if request.method != "POST":
            return Response(json.dumps({"error": "invalid_request", "error_description": "POST only"}), status=405,
                            content_type="application/json", headers=headers)
        if request.mimetype != "application/x-www-form-urlencoded":
            return Response(json.dumps({"error": "invalid_request", "error_description":
                                        "Content-Type must be application/x-www-form-urlencoded"}),
                            status=400, content_type="application/json", headers=headers)
        answer: Response = LoginServer(pool).create_token_response(request)
        answer.headers.update(headers)
        return answer

    def user_info(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        auth = request.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        try:
            body = tokens.user_info(pool, token)
        except tokens.UserInfoRefused as refused:
            header = f'Bearer error="{refused.error}", error_description="{refused.description}"'
            return Response(json.dumps({"error": refused.error, "error_description": refused.description}),
                            status=refused.status, content_type="application/json",
                            headers={"WWW-Authenticate": header})
        return Response(json.dumps(body), content_type="application/json;charset=UTF-8")

    def logout(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        client = pool.clients.get(request.args.get("client_id") or "")
        if client is None:
            return self._error("invalid_request", "client_id: no app client of this user pool has this id.")
        logout_uri = request.args.get("logout_uri")
        if logout_uri:
            if logout_uri not in OAuthClient(pool, client).list("LogoutURLs"):
                return self._error("invalid_request", "logout_uri must be one of the app client's LogoutURLs "
                                   "(sign-out URLs), exactly.")  # [UNVERIFIED] the service's page
            return self._signed_out(request, pool, _redirect(logout_uri))
        if request.args.get("redirect_uri"):
            refusal = self._check(LoginServer(pool), pool, request.args)
            if refusal is not None:
                return refusal
            return self._signed_out(request, pool, _redirect("/login?" + urlencode(_authorize_params(request.args))))
        return self._error("invalid_request", "/logout needs logout_uri (one of the LogoutURLs) or redirect_uri with "
                           "response_type and scope (to sign in again).")

    @staticmethod
    def _signed_out(request: Request, pool: SandboxUserPool, answer: Response) -> Response:
        """/logout ends the browser's managed-login session (its cookie and what it named)."""
        session = SIGNED_IN.get(request.cookies.get(SESSION_COOKIE), pool.id)
        if session is not None:
            SIGNED_IN.finish(session)
        answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
        return answer

    def openid_configuration(self, request: Request, backend: Any, pool: SandboxUserPool) -> Response:  # noqa: ARG002 - a domain route's handler signature
        jwks = f"{request.scheme}://{sandbox_host(request.host)}/{pool.id}/.well-known/jwks.json"
        return Response(json.dumps(discovery(pool, self._base(request), jwks)), content_type="application/json")

    def endpoints_of(self, request: Request, pool_id: str) -> dict[str, Any]:
        """The domain endpoints the pool's discovery document (at the sandbox's own host) names, if it has a
        domain (the caller holds ``LOCK``)."""
        for account in list(sandbox_backends.values()):
            for region, backend in list(account.items()):
                pool = backend.user_pools.get(pool_id) if region != "global" else None
                domain = backend.prefix_domain_of(pool_id) if pool is not None else None
                if pool is not None and domain is not None:
                    base = f"{request.scheme}://{domain_host(domain.domain, request.host)}"
                    return discovery(pool, base, "")
        return {}

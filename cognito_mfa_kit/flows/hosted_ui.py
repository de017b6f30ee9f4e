"""The seed's step 9 the other way: sign in through the hosted UI (managed login) with the authorization-code grant
and PKCE, as a web app does.

>>> sign_in = hosted_ui(lab, pool, scopes=("openid", "email"))   # domain + OAuth app client made (or found)
>>> sign_in.url                                                  # open it in a browser, sign in (TOTP and all)
>>> code = wait_for_code(lab, sign_in)                           # the callback hands the code to the kernel
>>> tokens = exchange_code(lab, sign_in, code)                   # POST /oauth2/token, journaled with its curl twin
>>> tokens.scopes                                                # exactly what was asked (and allowed)

What it makes, named so that clean-up finds it: a prefix domain ``cmk-<pool id>`` (CreateUserPoolDomain; on the
sandbox it answers at ``http://cmk-….auth.localhost:<port>``, on AWS at ``https://cmk-….auth.<region>.amazoncognito.com``)
and a public app client ``<pool name>-hosted-ui`` (AllowedOAuthFlows ``code``, all the system scopes allowed, the
callback catcher's URL as CallbackURL). The callback catcher: on the sandbox its ``/_sandbox/callback``; on AWS a
tiny listener on ``http://localhost:<callback_port>/callback`` (:mod:`cognito_mfa_kit.callback_listener`).

On AWS: ``managed_login_version=1`` (the default) is the classic hosted UI, which works on every feature plan with no
branding; ``2`` is managed login, which needs the Essentials or Plus plan and a branding style before its pages show
— the kit then calls CreateManagedLoginBranding with Cognito's default style (UseCognitoProvidedValues). The classic
UI's look is set with SetUICustomization, managed login's with the branding editor: the two don't mix.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..httpcall import HttpCall, HttpError, http_call
from ..journal import CallError
from ..naming import NAME_PREFIX
from ._masked import MaskedRepr, secret
from .auth import Tokens
from .pool import TeachingPool, _find_client

if TYPE_CHECKING:
    from ..connect import Lab

#: The system scopes (DG authorization-endpoint): the hosted-UI client allows them all; a sign-in asks for some.
SYSTEM_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
DEFAULT_SCOPES = ("openid", "email", "aws.cognito.signin.user.admin")
DEFAULT_CALLBACK_PORT = 8976
DEMO_IDP = "DemoIdP"
_RESERVED = ("aws", "amazon", "cognito")


@dataclass(frozen=True, repr=False)
class HostedUi(MaskedRepr):
    """A pool's domain and its hosted-UI app client."""

    pool_id: str
    region: str
    domain: str
    base_url: str  # where the domain answers: http://cmk-….auth.localhost:<port> or https://cmk-….amazoncognito.com
    client_id: str
    redirect_uri: str
    logout_uri: str
    providers: tuple[str, ...] = ("COGNITO",)
    managed_login_version: int = 1
    on_aws: bool = False
    client_secret: str | None = secret(None)


@dataclass(frozen=True, repr=False)
class HostedSignIn(MaskedRepr):
    """One sign-in to start in a browser: its URL (with PKCE's challenge and ``state``) and what the exchange needs."""

    ui: HostedUi
    url: str
    state: str
    scopes: tuple[str, ...]
    nonce: str
    code_verifier: str = secret()
    identity_provider: str | None = None


@dataclass(frozen=True, repr=False)
class HostedTokens(Tokens):
    """Tokens from the token endpoint, with the scopes the access token carries."""

    scopes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_admin_scope(self) -> bool:
        """True when the access token may call GetUser, AssociateSoftwareToken & co."""
        return ADMIN_SCOPE in self.scopes


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge): "code_challenge = base64url(SHA-256(code_verifier))", S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _check_scopes(scopes: Any) -> tuple[str, ...]:
    if isinstance(scopes, str):
        scopes = scopes.split()
    found = tuple(dict.fromkeys(str(s) for s in scopes))
    unknown = [s for s in found if s not in SYSTEM_SCOPES]
    if not found or unknown:
        raise ValueError(f"scopes: {', '.join(unknown) or 'none given'}; choose among {', '.join(SYSTEM_SCOPES)} "
                         "(email, phone and profile need openid too).")
    if any(s in ("email", "phone", "profile") for s in found) and "openid" not in found:
        raise ValueError("scopes: email, phone and profile can only be asked together with openid.")
    return found


def domain_name(pool_id: str) -> str:
    """The kit's domain prefix for a pool: ``cmk-`` + its id's letters and digits in lower case (a random suffix when
    that would hold a reserved word: aws, amazon, cognito)."""
    name = NAME_PREFIX + pool_id.split("_", 1)[-1].lower()
    if any(word in name for word in _RESERVED):
        name = f"{NAME_PREFIX}{secrets.token_hex(5)}"
    return name


def _sandbox_bases(lab: Lab, pool_id: str) -> tuple[str, str]:
    """(the domain's base URL, the sandbox's base URL) as a browser reaches them: the pool's discovery document names
    the domain's endpoints (as Cognito's does)."""
    url = f"{lab.target.endpoint_url}/{pool_id}/.well-known/openid-configuration"
    document = http_call(None, "GET", url).response or {}
    endpoint = str((document.get("body") or {}).get("authorization_endpoint") or "")
    if not endpoint:
        raise RuntimeError(f"the sandbox names no domain endpoints for pool {pool_id}")
    base = endpoint.rsplit("/oauth2/", 1)[0]
    split = urllib.parse.urlsplit(base)
    host = split.netloc.split(".auth.", 1)[1]
    return base, f"{split.scheme}://{host}"


def _domain(lab: Lab, pool: TeachingPool, version: int) -> str:
    """The pool's prefix domain (made when it has none)."""
    described = lab.client.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    if described.get("Domain"):
        return str(described["Domain"])
    name = domain_name(pool.pool_id)
    try:
        lab.client.create_user_pool_domain(UserPoolId=pool.pool_id, Domain=name, ManagedLoginVersion=version)
    except ClientError as exc:
        if "associated with another user pool" not in str(exc):
            raise
        name = f"{NAME_PREFIX}{secrets.token_hex(5)}"  # taken by another account (AWS prefixes are regional)
        lab.client.create_user_pool_domain(UserPoolId=pool.pool_id, Domain=name, ManagedLoginVersion=version)
    return name


def _client_request(pool: TeachingPool, redirect_uri: str, logout_uri: str, providers: tuple[str, ...]) -> dict:
    # UpdateUserPoolClient resets what it is not given: every call carries the whole configuration.
    return {
        "ClientName": f"{pool.name}-hosted-ui", "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": list(SYSTEM_SCOPES), "CallbackURLs": [redirect_uri], "LogoutURLs": [logout_uri],
        "SupportedIdentityProviders": list(providers), "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "AuthSessionValidity": pool.session_minutes,
    }


def _oauth_client(lab: Lab, pool: TeachingPool, redirect_uri: str, logout_uri: str,
                  providers: tuple[str, ...]) -> dict[str, Any]:
    wanted = _client_request(pool, redirect_uri, logout_uri, providers)
    app = _find_client(lab, pool.pool_id, wanted["ClientName"])
    if app is None:
        return dict(lab.client.create_user_pool_client(UserPoolId=pool.pool_id, GenerateSecret=False,
                                                       **wanted)["UserPoolClient"])
    same = all(sorted(app.get(k) or []) == sorted(v) for k, v in wanted.items() if isinstance(v, list)) and \
        app.get("AllowedOAuthFlowsUserPoolClient") and app.get("AuthSessionValidity") == pool.session_minutes
    if same:
        return dict(app)
    return dict(lab.client.update_user_pool_client(UserPoolId=pool.pool_id, ClientId=app["ClientId"],
                                                   **wanted)["UserPoolClient"])


def hosted_ui_setup(lab: Lab, pool: TeachingPool, *, providers: tuple[str, ...] = ("COGNITO",),
                    managed_login_version: int = 1, callback_port: int = DEFAULT_CALLBACK_PORT) -> HostedUi:
    """Make (or find) the pool's domain and its hosted-UI app client (updated when its settings differ)."""
    if managed_login_version not in (1, 2):
        raise ValueError("managed_login_version: 1 (hosted UI, classic: every plan) or 2 (managed login: Essentials or "
                         "Plus, with a branding style).")
    providers = tuple(dict.fromkeys(providers)) or ("COGNITO",)
    domain = _domain(lab, pool, managed_login_version)
    if lab.is_sandbox:
        base, sandbox_base = _sandbox_bases(lab, pool.pool_id)
        redirect_uri, logout_uri = f"{sandbox_base}/_sandbox/callback", f"{sandbox_base}/_sandbox/callback/signed-out"
    else:
        base = f"https://{domain}.auth.{lab.region}.amazoncognito.com"
        redirect_uri = f"http://localhost:{callback_port}/callback"
        logout_uri = f"http://localhost:{callback_port}/signed-out"
    app = _oauth_client(lab, pool, redirect_uri, logout_uri, providers)
    version = managed_login_version
    if not lab.is_sandbox:
        version = int(lab.client.describe_user_pool_domain(Domain=domain)["DomainDescription"].get(
            "ManagedLoginVersion") or 1)
        if version == 2:
            try:  # managed login shows no page until the client has a style: Cognito's default one
                lab.client.create_managed_login_branding(UserPoolId=pool.pool_id, ClientId=app["ClientId"],
                                                         UseCognitoProvidedValues=True)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ManagedLoginBrandingExistsException":
                    raise
    return HostedUi(pool_id=pool.pool_id, region=lab.region, domain=domain, base_url=base,
                    client_id=app["ClientId"], redirect_uri=redirect_uri, logout_uri=logout_uri,
                    providers=tuple(app.get("SupportedIdentityProviders") or providers),
                    managed_login_version=version, on_aws=not lab.is_sandbox, client_secret=app.get("ClientSecret"))


def sign_in_url(ui: HostedUi, scopes: Any = DEFAULT_SCOPES, *, identity_provider: str | None = None) -> HostedSignIn:
    """A new sign-in (fresh ``state``, ``nonce`` and PKCE pair) for ``ui``: its /oauth2/authorize URL."""
    scopes = _check_scopes(scopes)
    if identity_provider is not None and identity_provider not in ui.providers:
        raise ValueError(f"identity_provider: {identity_provider!r} is not among the app client's providers "
                         f"{', '.join(ui.providers)}.")
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = {"response_type": "code", "client_id": ui.client_id, "redirect_uri": ui.redirect_uri,
             "scope": " ".join(scopes), "state": state, "nonce": nonce, "code_challenge": challenge,
             "code_challenge_method": "S256"}
    if identity_provider:
        query["identity_provider"] = identity_provider
    return HostedSignIn(ui=ui, url=f"{ui.base_url}/oauth2/authorize?{urllib.parse.urlencode(query)}", state=state,
                        scopes=scopes, nonce=nonce, code_verifier=verifier, identity_provider=identity_provider)


def hosted_ui(lab: Lab, pool: TeachingPool, scopes: Any = DEFAULT_SCOPES, *, identity_provider: str | None = None,
              providers: tuple[str, ...] | None = None, managed_login_version: int = 1,
              callback_port: int = DEFAULT_CALLBACK_PORT) -> HostedSignIn:
    """Make (or find) the domain and the hosted-UI app client, then a sign-in URL asking for ``scopes``.

    ``providers``: the app client's SupportedIdentityProviders (default: Cognito's own users, plus DemoIdP when
    ``identity_provider`` names it). ``identity_provider``: skip the sign-in page, straight to that IdP.
    """
    scopes = _check_scopes(scopes)
    if providers is None:
        providers = ("COGNITO",) + ((identity_provider,) if identity_provider and identity_provider != "COGNITO"
                                    else ())
    ui = hosted_ui_setup(lab, pool, providers=providers, managed_login_version=managed_login_version,
                         callback_port=callback_port)
    return sign_in_url(ui, scopes, identity_provider=identity_provider)


def add_demo_idp(lab: Lab, pool: TeachingPool) -> str:
    """Federate the pool with the sandbox's DemoIdP (CreateIdentityProvider, OIDC; found when it is there already:
    ListIdentityProviders, a call that succeeds either way); returns its name. Sandbox only: on AWS add a real IdP in
    the console or with CreateIdentityProvider."""
    if not lab.is_sandbox:
        raise ValueError("DemoIdP lives in the sandbox; on AWS federate with a real identity provider.")
    listed = lab.client.list_identity_providers(UserPoolId=pool.pool_id, MaxResults=60).get("Providers", [])
    if any(p.get("ProviderName") == DEMO_IDP for p in listed):
        return DEMO_IDP
    lab.client.create_identity_provider(
        UserPoolId=pool.pool_id, ProviderName=DEMO_IDP, ProviderType="OIDC",
        ProviderDetails={"oidc_issuer": f"{lab.target.endpoint_url}/_sandbox/idp",
                         "client_id": f"{pool.name}-at-demoidp", "client_secret": secrets.token_urlsafe(16),
                         "authorize_scopes": "openid email"},
        AttributeMapping={"email": "email"},
    )
    return DEMO_IDP


# ------------------------------------------------------------------------------------------------- the callback
def poll_code(lab: Lab, sign_in: HostedSignIn) -> str | None:
    """The authorization code the callback caught for ``sign_in`` (None while none came). A refusal the browser was
    sent back with (``error=…``) raises :class:`HttpError`."""
    if sign_in.ui.on_aws:
        from ..callback_listener import listener_on

        port = urllib.parse.urlsplit(sign_in.ui.redirect_uri).port or DEFAULT_CALLBACK_PORT
        caught = listener_on(port).take(sign_in.state)
    else:
        url = f"{lab.target.endpoint_url}/_sandbox/callback/result?{urllib.parse.urlencode({'state': sign_in.state})}"
        caught = _signed_get(lab, url)
        if caught.get("pending"):
            caught = None
    if caught is None:
        return None
    if caught.get("state") != sign_in.state:
        raise ValueError("state: the callback's state is not this sign-in's (a forged or crossed redirect).")
    if caught.get("error"):
        call = HttpCall(operation="GET /callback", request={"method": "GET", "url": sign_in.ui.redirect_uri},
                        service="https", error=CallError(caught["error"], caught.get("error_description", ""), 302))
        raise HttpError(call)
    return str(caught["code"])


def _signed_get(lab: Lab, url: str) -> dict[str, Any]:
    from ..connect import _http_json

    return _http_json(url, signer=lab._signer)


def start_callback_listener(sign_in: HostedSignIn) -> None:
    """On AWS: make sure the local callback listener runs before the browser comes back."""
    if sign_in.ui.on_aws:
        from ..callback_listener import listener_on

        listener_on(urllib.parse.urlsplit(sign_in.ui.redirect_uri).port or DEFAULT_CALLBACK_PORT)


def wait_for_code(lab: Lab, sign_in: HostedSignIn, *, timeout: float = 300.0, interval: float = 0.5) -> str:
    """Wait (at most ``timeout`` s) for the browser to come back to the callback; returns the code."""
    start_callback_listener(sign_in)
    deadline = time.monotonic() + timeout
    while True:
        code = poll_code(lab, sign_in)
        if code is not None:
            return code
        if time.monotonic() > deadline:
            raise TimeoutError(f"no sign-in came back to {sign_in.ui.redirect_uri} within {timeout:.0f} s: open "
                               "the sign-in URL in a browser and sign in (or start again: the code lives 5 minutes).")
        time.sleep(interval)


# ------------------------------------------------------------------------------------------------- the token endpoint
def _claims_of(access_token: str) -> dict[str, Any]:
    import jwt

    return dict(jwt.decode(access_token, options={"verify_signature": False}))


def exchange_code(lab: Lab, sign_in: HostedSignIn, code: str) -> HostedTokens:
    """POST /oauth2/token: the authorization code (and PKCE's verifier) for tokens (journaled, with its curl twin)."""
    if not code or not isinstance(code, str):
        raise ValueError("code: empty; pass the code the callback caught (wait_for_code).")
    ui = sign_in.ui
    form = {"grant_type": "authorization_code", "client_id": ui.client_id, "code": code,
            "redirect_uri": ui.redirect_uri, "code_verifier": sign_in.code_verifier}
    call = http_call(lab.journal, "POST", f"{ui.base_url}/oauth2/token", form=form)
    body = (call.response or {}).get("body") or {}
    claims = _claims_of(body["access_token"])
    return HostedTokens(access_token=body["access_token"], id_token=body.get("id_token", ""),
                        refresh_token=body.get("refresh_token"), expires_in=int(body.get("expires_in", 3600)),
                        token_type=body.get("token_type", "Bearer"), username=claims.get("username"),
                        scopes=tuple(str(claims.get("scope") or "").split()))


def user_info(lab: Lab, ui: HostedUi, tokens: Tokens | str) -> dict[str, Any]:
    """GET /oauth2/userInfo with the access token (it must carry ``openid``), journaled."""
    token = tokens.access_token if isinstance(tokens, Tokens) else tokens
    call = http_call(lab.journal, "GET", f"{ui.base_url}/oauth2/userInfo", headers={"Authorization": f"Bearer {token}"})
    return dict((call.response or {}).get("body") or {})


def logout_url(ui: HostedUi) -> str:
    """The /logout URL that signs out and comes back to the app client's sign-out URL."""
    return f"{ui.base_url}/logout?{urllib.parse.urlencode({'client_id': ui.client_id, 'logout_uri': ui.logout_uri})}"


__all__ = [
    "ADMIN_SCOPE",
    "DEFAULT_SCOPES",
    "DEMO_IDP",
    "SYSTEM_SCOPES",
    "HostedSignIn",
    "HostedTokens",
    "HostedUi",
    "add_demo_idp",
    "domain_name",
    "exchange_code",
    "hosted_ui",
    "hosted_ui_setup",
    "logout_url",
    "pkce_pair",
    "poll_code",
    "sign_in_url",
    "start_callback_listener",
    "user_info",
    "wait_for_code",
]

"""Lesson helpers of notebook 09 (sign in through the hosted UI), so that its cells stay one to three lines.

- :func:`describe` puts a hosted-UI sign-in's domain, endpoints, app client, scopes and PKCE in one table;
- :func:`browse` does what the browser does on the sandbox's managed-login pages (every request journaled): the
  password, a code (optionally a wrong one first), the set-up page, DemoIdP's e-mail page. On AWS it shows the link
  to open instead (AWS's pages are for people only);
- :func:`sign_in` is a whole hosted-UI sign-in in one call (URL, pages, callback, token exchange);
- :func:`scopes` and :func:`federated_user` say what the tokens and the federated user are;
- its quizzes are in :mod:`.quizzes` (``09-…``), its check in :mod:`.checks` (:func:`check_admin_token`).

Plain Python: nothing here imports ipywidgets.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..flows.hosted_ui import DEFAULT_SCOPES, exchange_code, hosted_ui, wait_for_code
from ..hosted_browser import BrowseResult
from ..hosted_browser import browse as _browse
from ..journal import mask_value
from .display import Markdown
from .lessons import next_code

if TYPE_CHECKING:
    from ..connect import Lab
    from ..flows import HostedSignIn, HostedTokens, TeachingPool
    from ..totp import VirtualAuthenticator


#: The password of the trainee's own user in notebook 09 (a sandbox lesson: never write a real password down).
YOUR_PASSWORD = "Hosted-UI-you-09!"  # noqa: S105 - a sandbox lesson's password, shown in the notebook on purpose


def describe(sign_in: HostedSignIn) -> Markdown:
    """The domain, its endpoints, the app client and what this sign-in asks for (no secret shown)."""
    ui = sign_in.ui
    version = "managed login (v2)" if ui.managed_login_version == 2 else "hosted UI, classic (v1)"
    rows = [
        "| | |", "|---|---|",
        f"| domain | `{ui.domain}` — {version} |",
        f"| sign-in URL (`/oauth2/authorize`) | `{ui.base_url}/oauth2/authorize` |",
        f"| token endpoint | `{ui.base_url}/oauth2/token` |",
        f"| userInfo, logout | `{ui.base_url}/oauth2/userInfo`, `{ui.base_url}/logout` |",
        f"| app client (public, PKCE) | `{ui.client_id}`, identity providers {', '.join(ui.providers)} |",
        f"| callback URL (`redirect_uri`) | `{ui.redirect_uri}` |",
        f"| scopes asked | `{' '.join(sign_in.scopes)}` |",
        f"| `state` (checked on the way back) | `{sign_in.state}` |",
        f"| PKCE | S256: the URL carries SHA-256 of a verifier only this kernel holds (`"
        f"{mask_value(sign_in.code_verifier)}`) |",
    ]
    return Markdown("\n".join(rows) + f"\n\n[Open the sign-in page]({sign_in.url})")


def _codes(lab: Lab, authenticator: VirtualAuthenticator, wrong_first: bool) -> Callable[[], str]:
    """Codes as a person types them: the next code of the app (a code is used once), a wrong one first if asked."""
    typed = {"n": 0}

    def code() -> str:
        typed["n"] += 1
        if wrong_first and typed["n"] == 1:
            now = authenticator.clock.now()
            accepted = {authenticator.code_at(now + step * 30) for step in (-1, 0, 1)}
            return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in accepted)
        return next_code(lab, authenticator)

    return code


def browse(lab: Lab, sign_in: HostedSignIn, username: str | None = None, password: str | None = None,
           authenticator: VirtualAuthenticator | None = None, *, wrong_code_first: bool = False,
           enrol: bool = False, email: str | None = None, new_password: str | None = None) -> Any:
    """The browser's requests on the sandbox's pages, one by one (each journaled). ``enrol``: on the set-up page,
    read the key shown ("can't scan?") into a virtual authenticator on the pool's clock, as a person types it into
    an app. On AWS: the link to open in a browser (its pages are for people)."""
    if sign_in.ui.on_aws:
        return Markdown(f"On AWS, open [the sign-in page]({sign_in.url}) in your browser and sign in; the next cell "
                        "waits for it to come back (5 minutes at most).")
    from ..totp import VirtualAuthenticator as Virtual

    code = _codes(lab, authenticator, wrong_code_first) if authenticator is not None else None
    setup = None
    if enrol:
        def setup(key: str) -> Callable[[], str]:
            phone = Virtual(key, lab.clock_for(sign_in.ui.pool_id), account_name=username or "trainee")
            return phone.code

    return _browse(lab, sign_in, username=username, password=password, code=code, setup=setup, email=email,
                   new_password=new_password)


def sign_in(lab: Lab, pool: TeachingPool, username: str, password: str,
            authenticator: VirtualAuthenticator | None = None, scopes: Any = DEFAULT_SCOPES) -> HostedTokens:
    """A whole hosted-UI sign-in in one call: the URL, the pages, the callback, the token exchange."""
    started = hosted_ui(lab, pool, scopes=scopes)
    result = browse(lab, started, username, password, authenticator)
    if isinstance(result, BrowseResult) and not result.reached_callback:
        raise RuntimeError("the pages did not come back to the callback: " + repr(result))
    return exchange_code(lab, started, wait_for_code(lab, started))


def scopes(tokens: HostedTokens) -> Markdown:
    """What the access token carries, and what it may call."""
    shown = " ".join(tokens.scopes) or "(none)"
    if tokens.has_admin_scope:
        verdict = ("It carries `aws.cognito.signin.user.admin`: GetUser, AssociateSoftwareToken, "
                   "VerifySoftwareToken and SetUserMFAPreference accept it.")
    else:
        verdict = ("No `aws.cognito.signin.user.admin`: GetUser, AssociateSoftwareToken, VerifySoftwareToken and "
                   "SetUserMFAPreference answer **NotAuthorizedException: Access Token does not have required "
                   "scopes**.")
    id_token = "an ID token (openid was asked)" if tokens.id_token else "no ID token (openid was not asked)"
    return Markdown(f"Access token scopes: `{shown}` — {verdict} The answer also held {id_token} and a refresh token "
                    "(masked above).")


def federated_user(lab: Lab, pool: TeachingPool, tokens: HostedTokens) -> Markdown:
    """The user a federated sign-in made (AdminGetUser), and the pool's MFA setting beside it."""
    user = lab.client.admin_get_user(UserPoolId=pool.pool_id, Username=tokens.username)
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    identities = json.loads(attributes.get("identities") or "[]")
    provider = identities[0]["providerName"] if identities else "?"
    mfa = lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id).get("MfaConfiguration")
    return Markdown(
        f"| | |\n|---|---|\n| Username | `{html.escape(user['Username'])}` |\n| UserStatus | `{user['UserStatus']}` |\n"
        f"| identities | provider `{provider}`, its `sub` as userId |\n| email (mapped from the IdP) | "
        f"`{attributes.get('email', '—')}` |\n| pool MfaConfiguration | `{mfa}` |\n\n"
        f"The pool requires MFA, yet no code was asked: *\"Amazon Cognito delegates all authentication processes to "
        f"the IdP and doesn't offer them additional authentication factors\"* (Developer Guide, MFA).")


__all__ = ["YOUR_PASSWORD", "browse", "describe", "federated_user", "scopes", "sign_in"]

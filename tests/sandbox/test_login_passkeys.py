"""Managed login's passkey pages over plain HTTP, no browser: ``/passkeys/add`` (a signed-in browser registers a
passkey: the session cookie, StartWebAuthnRegistration's options, CompleteWebAuthnRegistration's rules on the posted
RegistrationResponseJSON) and "Sign in with a passkey" (``/login`` → ``/passkey``: USER_AUTH's WEB_AUTHN first factor).
The software authenticator (``cognito_mfa_kit.passkey``) plays ``navigator.credentials`` on the domain's origin
``http://<prefix>.auth.localhost:<port>``; the browser test (tests/browser/test_passkeys_login.py) runs the same in
Chromium. Every refusal is a 4xx page that says why, never a 5xx.

Sources (reference §9): DG managed-login-endpoints ("Except for /passkeys/add, all paths are shared between the two
versions"); WebAuthnConfigurationType ("When set to MULTI_FACTOR_WITH_USER_VERIFICATION, passkey authentication with
user verification satisfies MFA requirements"); WebAuthnMfaSettingsType ("passkey MFA applies only when passkey is the
first authentication factor"). What the pages say and the session cookie are the sandbox's [UNVERIFIED].
"""

from __future__ import annotations

import json
import re
import urllib.parse

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hosted_helpers import CALLBACK, LOGOUT, Answer, Domain, make_domain
from sandbox_helpers import PASSWORD, enrol_totp, make_user

from cognito_mfa_kit.passkey import VirtualPasskey

MULTI = "MULTI_FACTOR_WITH_USER_VERIFICATION"


def _passkey_domain(cognito, sandbox, *, factor: str = MULTI, rp: str | None = None, first=("PASSWORD", "WEB_AUTHN"),
                    mfa: str = "OPTIONAL") -> Domain:
    domain = make_domain(cognito, sandbox, mfa=mfa, first_factors=list(first))
    cognito.set_user_pool_mfa_config(
        UserPoolId=domain.pool.id, MfaConfiguration=mfa, SoftwareTokenMfaConfiguration={"Enabled": True},
        WebAuthnConfiguration={"RelyingPartyId": rp or domain.host.rsplit(":", 1)[0], "UserVerification": "required",
                               "FactorConfiguration": factor})
    return domain


def _origin(domain: Domain) -> str:
    return f"http://{domain.host}"


def _cookie(answer: Answer) -> str:
    found = re.match(r"cognito=([^;]*)", answer.headers.get("Set-Cookie", ""))
    assert found, f"no session cookie: {answer.headers}"
    return found.group(1)


def _options(page: Answer) -> dict:
    found = re.search(r'<script type="application/json" id="passkey-options">(.*?)</script>', page.body, re.S)
    assert found, page.body[:2000]
    return json.loads(found.group(1))


def _add_path(domain: Domain, **override: str) -> str:
    return "/passkeys/add?" + urllib.parse.urlencode({"client_id": domain.client_id, "redirect_uri": CALLBACK,
                                                      **override})


def _signed_in_browser(cognito, sandbox, domain: Domain) -> tuple[str, str, str]:
    """A new user with TOTP, signed in on the pages with password + TOTP → (the username, the session cookie, an
    access token from the code, with the scope the passkey calls need)."""
    username = make_user(cognito, domain.pool)
    secret, _ = enrol_totp(cognito, sandbox, domain.pool, username)
    domain.sign_in_page(scope="openid aws.cognito.signin.user.admin")
    to_mfa = domain.password(username, PASSWORD)
    assert to_mfa.status == 303 and to_mfa.location.startswith("/mfa?"), (to_mfa.status, to_mfa.location)
    sandbox.advance_clock(30, pool=domain.pool.id)  # the enrolment's code is used: the next step
    now = sandbox.now(domain.pool.id)
    done = domain.post_page("/mfa", domain.follow(to_mfa).field("flow"), code=pyotp.TOTP(secret).at(now))
    tokens = domain.exchange(domain.code_of(done)).json()
    return username, _cookie(done), tokens["access_token"]


def _add_passkey(domain: Domain, cookie: str, authenticator: VirtualPasskey) -> Answer:
    page = domain.get(_add_path(domain), Cookie=f"cognito={cookie}")
    assert page.status == 200, page.body[:2000]
    credential = authenticator.create(_options(page), _origin(domain))
    return domain.request("POST", _add_path(domain), {"credential": json.dumps(credential)},
                          headers={"Cookie": f"cognito={cookie}"})


def _passkey_page(domain: Domain, username: str) -> Answer:
    domain.sign_in_page()
    chosen = domain.request("POST", "/login?" + urllib.parse.urlencode(domain.params),
                            {"username": username, "factor": "WEB_AUTHN"})
    assert chosen.status == 303 and chosen.location.startswith("/passkey?"), (chosen.status, chosen.body[:1000])
    return domain.follow(chosen)


def _use_passkey(domain: Domain, page: Answer, authenticator: VirtualPasskey, **get) -> Answer:
    assertion = authenticator.get(_options(page), _origin(domain), **get)
    return domain.post_page("/passkey", page.field("flow"), credential=json.dumps(assertion))


# ---------------------------------------------------------------------------------------------- the whole story
def test_add_a_passkey_sign_out_then_the_passkey_satisfies_mfa(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox)
    user, cookie, token = _signed_in_browser(cognito, sandbox, domain)

    authenticator = VirtualPasskey()
    added = _add_passkey(domain, cookie, authenticator)
    assert added.status == 302 and added.location == CALLBACK, (added.status, added.body[:1000])
    listed = cognito.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert [c["RelyingPartyId"] for c in listed] == [domain.host.rsplit(":", 1)[0]]
    cognito.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})

    signed_out = domain.get(f"/logout?client_id={domain.client_id}&logout_uri={urllib.parse.quote(LOGOUT)}",
                            Cookie=f"cognito={cookie}")
    assert signed_out.status == 302 and signed_out.location == LOGOUT
    assert re.match(r'cognito=(""|);', signed_out.headers["Set-Cookie"]), signed_out.headers["Set-Cookie"]
    assert domain.get(_add_path(domain), Cookie=f"cognito={cookie}").status == 401  # that session is over

    page = _passkey_page(domain, user)
    assert page.status == 200 and 'src="/passkey.js"' in page.body
    options = _options(page)
    assert options["rpId"] == domain.host.rsplit(":", 1)[0] and options["userVerification"] == "required"
    done = _use_passkey(domain, page, authenticator)
    tokens = domain.exchange(domain.code_of(done)).json()  # no /mfa page: the passkey satisfied MFA
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["cognito:username"] == user
    # a password first factor still gets the TOTP page ("applies only when passkey is the first factor")
    domain.sign_in_page()
    assert domain.password(user, PASSWORD).location.startswith("/mfa?")


def test_without_passkey_mfa_the_totp_page_follows_the_passkey(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox)
    user, cookie, _ = _signed_in_browser(cognito, sandbox, domain)
    authenticator = VirtualPasskey()
    assert _add_passkey(domain, cookie, authenticator).status == 302
    then = _use_passkey(domain, _passkey_page(domain, user), authenticator)
    assert then.status == 303 and then.location.startswith("/mfa?"), (then.status, then.location)


# ---------------------------------------------------------------------------------------------- /passkeys/add refusals
@pytest.fixture()
def signed_in(cognito, sandbox) -> tuple[Domain, str, str]:
    domain = _passkey_domain(cognito, sandbox)
    user, cookie, _ = _signed_in_browser(cognito, sandbox, domain)
    return domain, user, cookie


def test_adding_a_passkey_needs_a_signed_in_browser(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox)
    for answer in (domain.get(_add_path(domain)), domain.get(_add_path(domain), Cookie="cognito=made-up"),
                   domain.request("POST", _add_path(domain), {"credential": "{}"})):
        assert answer.status == 401 and "Sign in first" in answer.body, (answer.status, answer.body[:500])
        assert 'id="restart" href="/oauth2/authorize?' in answer.body


def test_a_session_of_another_domain_is_no_session_here(cognito, sandbox, signed_in) -> None:
    _, _, cookie = signed_in
    other = _passkey_domain(cognito, sandbox)
    assert other.get(_add_path(other), Cookie=f"cognito={cookie}").status == 401


def test_add_refuses_an_unknown_client_or_redirect_uri(signed_in) -> None:
    domain, _, cookie = signed_in
    unknown = domain.get(_add_path(domain, client_id="nope"), Cookie=f"cognito={cookie}")
    assert unknown.status == 400 and "client_id" in unknown.message
    elsewhere = domain.get(_add_path(domain, redirect_uri="https://evil.example/cb"), Cookie=f"cognito={cookie}")
    assert elsewhere.status == 400 and "CallbackURLs" in elsewhere.message


def test_add_refuses_bad_json_and_says_so(signed_in) -> None:
    domain, _, cookie = signed_in
    for raw in ("not json {", "[1, 2]", ""):
        answer = domain.request("POST", _add_path(domain), {"credential": raw}, headers={"Cookie": f"cognito={cookie}"})
        assert answer.status == 400 and "RegistrationResponseJSON" in answer.message, (raw, answer.body[:500])
        assert 'id="restart" href="/passkeys/add?' in answer.body


def test_add_refuses_a_credential_for_no_pending_challenge(signed_in) -> None:
    domain, _, cookie = signed_in
    page = domain.get(_add_path(domain), Cookie=f"cognito={cookie}")
    options = _options(page)
    credential = VirtualPasskey().create({**options, "challenge": "bm90LXRoZS1jaGFsbGVuZ2U"}, _origin(domain))
    answer = domain.request("POST", _add_path(domain), {"credential": json.dumps(credential)},
                            headers={"Cookie": f"cognito={cookie}"})
    assert answer.status == 400 and "WebAuthnChallengeNotFoundException" in answer.message
    broken = domain.request("POST", _add_path(domain), {"credential": json.dumps({"response": {}})},
                            headers={"Cookie": f"cognito={cookie}"})
    assert broken.status == 400 and "clientDataJSON" in broken.message


def test_add_refuses_a_credential_made_on_another_origin(signed_in) -> None:
    domain, _, cookie = signed_in
    options = _options(domain.get(_add_path(domain), Cookie=f"cognito={cookie}"))
    credential = VirtualPasskey().create(options, "https://evil.example")
    answer = domain.request("POST", _add_path(domain), {"credential": json.dumps(credential)},
                            headers={"Cookie": f"cognito={cookie}"})
    assert answer.status == 400 and "WebAuthnOriginNotAllowedException" in answer.message


def test_add_says_when_the_relying_party_is_not_this_page(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox, rp="login.example.com")
    _, cookie, _ = _signed_in_browser(cognito, sandbox, domain)
    answer = domain.get(_add_path(domain), Cookie=f"cognito={cookie}")
    assert answer.status == 400 and "login.example.com" in answer.message
    assert f"RelyingPartyId to {domain.host.rsplit(':', 1)[0]}" in answer.message


def test_add_says_when_passkeys_are_not_enabled(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox, first=("PASSWORD",))
    _, cookie, _ = _signed_in_browser(cognito, sandbox, domain)
    answer = domain.get(_add_path(domain), Cookie=f"cognito={cookie}")
    assert answer.status == 400 and "WebAuthnNotEnabledException" in answer.message


def test_add_answers_get_and_post_only(signed_in) -> None:
    domain, _, cookie = signed_in
    assert domain.request("PUT", _add_path(domain), headers={"Cookie": f"cognito={cookie}"}).status == 405


# ---------------------------------------------------------------------------------------------- sign-in refusals
def test_the_sign_in_page_offers_passkeys_only_when_the_pool_allows_them(cognito, sandbox) -> None:
    assert 'id="passkey-sign-in"' in _passkey_domain(cognito, sandbox).sign_in_page().body
    without = make_domain(cognito, sandbox)
    assert 'id="passkey-sign-in"' not in without.sign_in_page().body
    # a forged factor field on such a pool is an ordinary password sign-in (no password: asked for it)
    asked = without.request("POST", "/login?" + urllib.parse.urlencode(without.params),
                            {"username": "x", "factor": "WEB_AUTHN"})
    assert asked.status == 200 and "username and password" in asked.message


def test_passkey_sign_in_needs_a_username_and_a_passkey(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox)
    user = make_user(cognito, domain.pool)
    domain.sign_in_page()
    login = "/login?" + urllib.parse.urlencode(domain.params)
    empty = domain.request("POST", login, {"username": "", "factor": "WEB_AUTHN"})
    assert empty.status == 200 and "Enter your username" in empty.message
    none = domain.request("POST", login, {"username": user, "factor": "WEB_AUTHN"})
    assert none.status == 200 and "no passkey" in none.message


@pytest.fixture()
def passkey_user(cognito, sandbox) -> tuple[Domain, str, VirtualPasskey]:
    domain = _passkey_domain(cognito, sandbox)
    user, cookie, _ = _signed_in_browser(cognito, sandbox, domain)
    authenticator = VirtualPasskey()
    assert _add_passkey(domain, cookie, authenticator).status == 302
    return domain, user, authenticator


def test_the_passkey_page_refuses_bad_json_and_the_sign_in_goes_on(passkey_user) -> None:
    domain, user, authenticator = passkey_user
    page = _passkey_page(domain, user)
    for raw in ("{oops", '"a string"', ""):
        answer = domain.post_page("/passkey", page.field("flow"), credential=raw)
        assert answer.status == 400 and "AuthenticationResponseJSON" in answer.message, (raw, answer.body[:500])
    malformed = domain.post_page("/passkey", page.field("flow"), credential=json.dumps({"id": "x"}))
    assert malformed.status == 200 and "not a passkey assertion" in malformed.message
    after = _use_passkey(domain, page, authenticator)
    assert after.status == 303 and after.location.startswith("/mfa?")  # passkey MFA is off for this user


def test_the_passkey_page_refuses_a_forged_assertion(passkey_user) -> None:
    domain, user, authenticator = passkey_user
    page = _passkey_page(domain, user)
    forged = _use_passkey(domain, page, authenticator, key=ec.generate_private_key(ec.SECP256R1()))
    assert forged.status == 200 and "not accepted" in forged.message
    other_origin = domain.post_page("/passkey", page.field("flow"), credential=json.dumps(
        authenticator.get(_options(page), "https://evil.example")))
    assert other_origin.status == 200 and "not accepted" in other_origin.message


def test_the_passkey_page_refuses_a_wrong_session(passkey_user) -> None:
    domain, user, _ = passkey_user
    assert domain.get("/passkey").status == 400
    assert domain.get("/passkey?flow=made-up").status == 400
    assert domain.post_page("/passkey", "made-up", credential="{}").status == 400
    domain.sign_in_page()
    at_mfa = domain.password(user, PASSWORD)
    mfa_flow = domain.follow(at_mfa).field("flow")
    wrong_step = domain.get(f"/passkey?flow={mfa_flow}")
    assert wrong_step.status == 400 and "expired" in wrong_step.body


def test_the_passkey_script_is_served_by_the_sandbox(cognito, sandbox) -> None:
    domain = _passkey_domain(cognito, sandbox)
    script = domain.get("/passkey.js")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "navigator.credentials.create" in script.body and "navigator.credentials.get" in script.body


def test_the_kits_callback_is_calm_when_nothing_comes_back(sandbox) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.endpoint_url}/_sandbox/callback", timeout=5) as answer:
        assert answer.status == 200 and "Back from managed login" in answer.read().decode()

"""Managed login over HTTP, no browser: every endpoint of a domain and its refusals (issue 13).

Pages are driven as a browser drives them (form posts, redirects seen one by one); the rules behind them are the
API's, so wrong, reused and expired codes, lockout and AuthSessionValidity behave on the pages as in the API.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import jwt
import pyotp
import pytest
from hosted_helpers import CALLBACK, LOGOUT, Domain, make_domain
from sandbox_helpers import PASSWORD, enrol_totp, make_user, sign_in, unique

SCOPE_ERROR = "Access Token does not have required scopes"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _code_now(secret: str, sandbox, domain: Domain, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(sandbox.now(domain.pool.id), counter_offset=offset)


@pytest.fixture()
def domain(cognito, sandbox) -> Domain:
    return make_domain(cognito, sandbox)


def _signed_in_code(domain: Domain, username: str, **kwargs: str) -> str:
    domain.sign_in_page(**kwargs)
    return domain.code_of(domain.password(username, PASSWORD))


# ------------------------------------------------------------------------------------------ the happy path
def test_authorize_redirects_to_the_sign_in_page_with_the_same_parameters(domain: Domain) -> None:
    first = domain.get("/oauth2/authorize?" + domain.authorize_query())
    assert first.status == 302
    path, _, query = first.location.partition("?")
    assert path == "/login"
    assert urllib.parse.parse_qs(query) == {k: [v] for k, v in domain.params.items()}
    page = domain.get(first.location)
    assert page.status == 200 and 'name="username"' in page.body and 'name="password"' in page.body
    assert "Sign in with" not in page.body  # no identity provider on this client


def test_a_password_user_gets_a_code_then_tokens_with_exactly_the_scopes_asked(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user, scope="openid email")
    answer = domain.exchange(code)
    assert answer.status == 200, answer.body
    tokens = answer.json()
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer"
    access, id_claims = _claims(tokens["access_token"]), _claims(tokens["id_token"])
    assert access["scope"] == "openid email" and access["username"] == user and access["client_id"] == domain.client_id
    assert id_claims["nonce"] == domain.params["nonce"] and id_claims["aud"] == domain.client_id
    assert answer.headers.get("Cache-Control") == "no-store"
    # The scope trap: a token without aws.cognito.signin.user.admin can't be used for the user's own calls.
    for call in (lambda t: cognito.get_user(AccessToken=t), lambda t: cognito.associate_software_token(AccessToken=t),
                 lambda t: cognito.verify_software_token(AccessToken=t, UserCode="123456"),
                 lambda t: cognito.set_user_mfa_preference(AccessToken=t,
                                                           SoftwareTokenMfaSettings={"Enabled": True})):
        with pytest.raises(cognito.exceptions.NotAuthorizedException, match=SCOPE_ERROR):
            call(tokens["access_token"])


def test_with_the_admin_scope_the_token_calls_work_and_no_openid_means_no_id_token(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user, scope="aws.cognito.signin.user.admin")
    tokens = domain.exchange(code).json()
    assert "id_token" not in tokens  # "An ID token is only returned if openid scope is requested"
    assert _claims(tokens["access_token"])["scope"] == "aws.cognito.signin.user.admin"
    assert cognito.get_user(AccessToken=tokens["access_token"])["Username"] == user
    assert cognito.associate_software_token(AccessToken=tokens["access_token"])["SecretCode"]


def test_no_scope_asked_means_every_scope_of_the_client(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, scopes=["openid", "aws.cognito.signin.user.admin"])
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user, scope=None)  # type: ignore[arg-type]
    assert _claims(domain.exchange(code).json()["access_token"])["scope"] == "openid aws.cognito.signin.user.admin"


def test_refresh_keeps_the_sign_ins_scopes_at_the_token_endpoint_and_in_initiate_auth(cognito, sandbox,
                                                                                     domain) -> None:
    user = make_user(cognito, domain.pool)
    tokens = domain.exchange(_signed_in_code(domain, user, scope="openid email")).json()
    refreshed = domain.token({"grant_type": "refresh_token", "client_id": domain.client_id,
                              "refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    body = refreshed.json()
    assert "refresh_token" not in body and "id_token" in body
    assert _claims(body["access_token"])["scope"] == "openid email"
    assert _claims(body["access_token"])["auth_time"] == _claims(tokens["access_token"])["auth_time"]
    # The same refresh token through the API: still no admin scope (no way around the trap)
    api = cognito.initiate_auth(ClientId=domain.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": tokens["refresh_token"]})
    assert _claims(api["AuthenticationResult"]["AccessToken"])["scope"] == "openid email"
    # a scope parameter is ignored ("only used if the grant_type is client_credentials"): no widening
    wider = domain.token({"grant_type": "refresh_token", "client_id": domain.client_id,
                          "scope": "openid aws.cognito.signin.user.admin", "refresh_token": tokens["refresh_token"]})
    assert wider.status == 200 and _claims(wider.json()["access_token"])["scope"] == "openid email"


def test_a_revoked_refresh_token_is_refused(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    tokens = domain.exchange(_signed_in_code(domain, user, scope="openid aws.cognito.signin.user.admin")).json()
    cognito.global_sign_out(AccessToken=tokens["access_token"])
    again = domain.token({"grant_type": "refresh_token", "client_id": domain.client_id,
                          "refresh_token": tokens["refresh_token"]})
    assert again.status == 400 and again.json()["error"] == "invalid_grant"
    unknown = domain.token({"grant_type": "refresh_token", "client_id": domain.client_id, "refresh_token": "nope"})
    assert unknown.status == 400 and unknown.json()["error"] == "invalid_grant"


# ------------------------------------------------------------------------------------------ /oauth2/authorize refusals
def test_unknown_client_and_unregistered_redirect_uri_show_an_error_page_never_a_redirect(domain: Domain) -> None:
    unknown = domain.get("/oauth2/authorize?" + domain.authorize_query(client_id="nobody"))
    assert unknown.status == 400 and "Location" not in unknown.headers and "client_id" in unknown.message
    mismatch = domain.get("/oauth2/authorize?" + domain.authorize_query(redirect_uri="http://localhost:1/evil"))
    assert mismatch.status == 400 and "Location" not in mismatch.headers
    assert mismatch.element("error-title") == "redirect_mismatch" and "CallbackURLs" in mismatch.message
    missing = domain.get("/oauth2/authorize?" + domain.authorize_query(redirect_uri=None))  # type: ignore[arg-type]
    assert missing.status == 400 and "Location" not in missing.headers
    # the sign-in page checks the same
    assert domain.get("/login?" + domain.authorize_query(redirect_uri="https://example.com/x")).status == 400


@pytest.mark.parametrize(("extra", "error"), [
    ({"scope": "openid phone-number"}, "invalid_scope"),            # not a scope of the client
    ({"scope": "email"}, "invalid_scope"),                          # email needs openid
    ({"code_challenge_method": "plain"}, "invalid_request"),        # S256 only
    ({"code_challenge_method": None}, "invalid_request"),           # a challenge needs its method
    ({"response_type": "token"}, "unsupported_response_type"),     # the sandbox emulates the code grant only
    ({"response_type": None}, "unsupported_response_type"),
])
def test_other_authorize_errors_go_back_to_the_app_with_error_and_state(domain: Domain, extra, error) -> None:
    answer = domain.get("/oauth2/authorize?" + domain.authorize_query(**extra))
    assert answer.status == 302 and answer.location.startswith(CALLBACK), (answer.status, answer.body[:300])
    assert answer.query["error"] == error and answer.query["state"] == domain.params["state"]
    assert "code" not in answer.query


def test_a_scope_outside_the_clients_allowed_scopes_is_refused(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, scopes=["openid", "email"])
    answer = domain.get("/oauth2/authorize?" + domain.authorize_query(scope="openid aws.cognito.signin.user.admin"))
    assert answer.query["error"] == "invalid_scope"


def test_a_client_without_the_code_flow_is_unauthorized(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, AllowedOAuthFlowsUserPoolClient=False)
    answer = domain.get("/oauth2/authorize?" + domain.authorize_query())
    assert answer.query["error"] == "unauthorized_client"


def test_an_unknown_domain_and_page_say_so(domain: Domain) -> None:
    nowhere = domain.request("GET", "/login", host=f"{unique('nowhere')}.auth.localhost:{domain.port}")
    assert nowhere.status == 404 and "CreateUserPoolDomain" in nowhere.message
    assert domain.get("/no-such-page").status == 404


# ------------------------------------------------------------------------------------------ /oauth2/token refusals
def test_pkce_mismatch_spends_the_code_and_a_reused_code_is_refused(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user)
    wrong = domain.exchange(code, code_verifier="x" * 50)
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant"
    # the code was spent by that attempt (as Cognito: a retry with the same code is invalid_grant)
    assert domain.exchange(code).json()["error"] == "invalid_grant"
    code = _signed_in_code(domain, user)
    assert domain.exchange(code).status == 200
    reused = domain.exchange(code)
    assert reused.status == 400 and reused.json()["error"] == "invalid_grant"


def test_a_verifier_is_required_when_a_challenge_was_sent_and_refused_without_one(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user)
    assert domain.exchange(code, code_verifier=None).json()["error"] == "invalid_request"
    code = _signed_in_code(domain, user, pkce_on=False)  # no PKCE at all: a public client may (Cognito allows it)
    assert domain.exchange(code, code_verifier=None).status == 200
    code = _signed_in_code(domain, user, pkce_on=False)
    assert domain.exchange(code).json()["error"] == "invalid_request"  # a verifier with no challenge


def test_an_expired_code_is_refused(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user)
    sandbox.advance_clock(301, pool=domain.pool.id)  # "valid for five minutes"
    assert domain.exchange(code).json()["error"] == "invalid_grant"


def test_the_redirect_uri_must_be_the_one_of_the_request(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user)
    assert domain.exchange(code, redirect_uri="http://localhost:8976/other").json()["error"] == "invalid_grant"


def test_a_confidential_client_authenticates_by_basic_or_post_and_a_wrong_secret_is_refused(cognito,
                                                                                          sandbox) -> None:
    domain = make_domain(cognito, sandbox, secret=True)
    assert domain.client_secret
    user = make_user(cognito, domain.pool)
    code = _signed_in_code(domain, user)
    bad = domain.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "code_verifier": domain.verifier}, basic=(domain.client_id, "wrong-secret"))
    assert bad.status == 401 and bad.json()["error"] == "invalid_client"
    no_secret = domain.exchange(code)  # client_id only: a confidential client must authenticate
    assert no_secret.status in (400, 401) and no_secret.json()["error"] == "invalid_client"
    good = domain.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                         "code_verifier": domain.verifier}, basic=(domain.client_id, domain.client_secret))
    assert good.status == 200, good.body  # the code was not spent by the unauthenticated attempts
    code = _signed_in_code(domain, user)
    posted = domain.exchange(code, client_secret=domain.client_secret)
    assert posted.status == 200, posted.body


def test_token_endpoint_refuses_other_grants_methods_and_bodies(domain: Domain) -> None:
    assert domain.token({"grant_type": "password", "client_id": domain.client_id}).json()["error"] == \
        "unsupported_grant_type"
    assert domain.token({"grant_type": "authorization_code", "client_id": domain.client_id}).json()["error"] == \
        "invalid_request"  # no code
    assert domain.get("/oauth2/token").status == 405
    as_json = domain.request("POST", "/oauth2/token", headers={"Content-Type": "application/json"})
    assert as_json.status == 400 and as_json.json()["error"] == "invalid_request"


# ------------------------------------------------------------------------------------------ the TOTP code page
def _totp_user(cognito, sandbox, domain: Domain) -> tuple[str, str]:
    user = make_user(cognito, domain.pool)
    secret, _ = enrol_totp(cognito, sandbox, domain.pool, user, name="PagePhone")
    sandbox.advance_clock(30, pool=domain.pool.id)  # the enrolment's code is used: the next step
    return user, secret


def test_a_totp_user_gets_the_code_page_a_wrong_code_may_be_retried_then_signs_in(cognito, sandbox, domain) -> None:
    user, secret = _totp_user(cognito, sandbox, domain)
    domain.sign_in_page()
    after_password = domain.password(user, PASSWORD)
    assert after_password.status == 303 and after_password.location.startswith("/mfa?flow=")
    page = domain.follow(after_password)
    assert 'name="code"' in page.body and "PagePhone" in page.element("prompt")
    flow = page.field("flow")
    wrong = domain.post_page("/mfa", flow, code=_code_now(secret, sandbox, domain, offset=5))
    assert wrong.status == 200 and "not right" in wrong.message and "CodeMismatchException" in wrong.message
    malformed = domain.post_page("/mfa", flow, code="12ab56")
    assert "6-digit" in malformed.message
    right = domain.post_page("/mfa", flow, code=_code_now(secret, sandbox, domain))
    tokens = domain.exchange(domain.code_of(right)).json()
    assert _claims(tokens["id_token"])["cognito:username"] == user
    # the pending sign-in is over: its page can't be posted again
    assert domain.post_page("/mfa", flow, code=_code_now(secret, sandbox, domain)).status == 400


def test_a_code_used_once_is_refused_on_the_page_as_in_the_api(cognito, sandbox, domain) -> None:
    user, secret = _totp_user(cognito, sandbox, domain)
    code = _code_now(secret, sandbox, domain)
    domain.sign_in_page()
    page = domain.follow(domain.password(user, PASSWORD))
    domain.code_of(domain.post_page("/mfa", page.field("flow"), code=code))
    domain.sign_in_page()
    page = domain.follow(domain.password(user, PASSWORD))
    reused = domain.post_page("/mfa", page.field("flow"), code=code)
    assert "already" in reused.message and "ExpiredCodeException" in reused.message


def test_five_wrong_codes_end_the_sign_in(cognito, sandbox, domain) -> None:
    user, secret = _totp_user(cognito, sandbox, domain)
    domain.sign_in_page()
    flow = domain.follow(domain.password(user, PASSWORD)).field("flow")
    wrong = _code_now(secret, sandbox, domain, offset=7)
    for _ in range(4):
        assert "not right" in domain.post_page("/mfa", flow, code=wrong).message
    last = domain.post_page("/mfa", flow, code=wrong)
    assert "not right" in last.message
    ended = domain.post_page("/mfa", flow, code=_code_now(secret, sandbox, domain))
    assert ended.status == 400 and "Sign in again" in ended.body


def test_a_page_expires_with_the_clients_session_validity(cognito, sandbox, domain) -> None:
    user, secret = _totp_user(cognito, sandbox, domain)
    domain.sign_in_page()
    page = domain.follow(domain.password(user, PASSWORD))
    sandbox.advance_clock(3 * 60 + 5, pool=domain.pool.id)  # AuthSessionValidity 3 minutes
    expired = domain.post_page("/mfa", page.field("flow"), code=_code_now(secret, sandbox, domain))
    assert expired.status == 400 and "expired" in expired.message
    assert "session is expired" in expired.message  # the API's own refusal, shown too
    restart = expired.element("restart")
    assert restart == "Sign in again"
    assert domain.get(f"/mfa?flow={page.field('flow')}").status == 400


def test_wrong_passwords_lock_the_user_out_on_the_page_as_in_the_api(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    domain.sign_in_page()
    for _ in range(5):
        assert "Incorrect username or password" in domain.password(user, "Wrong-password-1").message
    locked = domain.password(user, PASSWORD)
    assert "Too many failed attempts" in locked.message and "Password attempts exceeded" in locked.message
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="Password attempts exceeded"):
        sign_in(cognito, domain.pool, user)  # the API sees the same lockout
    assert "User does not exist" in domain.password(unique("ghost"), PASSWORD).message


# ---------------------------------------------------------------------------------- set-up, choice, new password
def test_mfa_on_a_new_user_sets_up_totp_on_the_set_up_page_and_signs_in(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, mfa="ON")
    user = make_user(cognito, domain.pool)
    domain.sign_in_page()
    after_password = domain.password(user, PASSWORD)
    assert after_password.location.startswith("/mfa-setup?flow=")
    page = domain.follow(after_password)
    assert 'class="qr"' in page.body and page.body.count("data:image/svg+xml;base64,") == 1
    qr = base64.b64decode(page.body.split("data:image/svg+xml;base64,")[1].split('"')[0]).decode()
    assert qr.startswith("<svg") and "<path" in qr
    key = page.element("setup-key").replace(" ", "")
    assert len(key) == 52
    flow = page.field("flow")
    again = domain.get(f"/mfa-setup?flow={flow}")  # a reload shows the same key (no new association)
    assert again.element("setup-key").replace(" ", "") == key
    wrong = domain.post_page("/mfa-setup", flow, code=pyotp.TOTP(key).at(sandbox.now(domain.pool.id), counter_offset=9))
    assert "not right" in wrong.message and "EnableSoftwareTokenMFAException" in wrong.message
    assert wrong.element("setup-key").replace(" ", "") == key
    done = domain.post_page("/mfa-setup", flow, code=pyotp.TOTP(key).at(sandbox.now(domain.pool.id)))
    assert domain.exchange(domain.code_of(done)).status == 200
    status = cognito.admin_get_user(UserPoolId=domain.pool.id, Username=user)
    assert status["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # the next sign-in asks for a code, like the API's
    sandbox.advance_clock(30, pool=domain.pool.id)
    domain.sign_in_page()
    assert domain.password(user, PASSWORD).location.startswith("/mfa?flow=")
    assert sign_in(cognito, domain.pool, user)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_a_temporary_password_is_changed_on_the_new_password_page_then_mfa_is_set_up(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, mfa="ON")
    user = make_user(cognito, domain.pool, confirmed=False)
    domain.sign_in_page()
    page = domain.follow(domain.password(user, PASSWORD))
    assert 'name="new_password"' in page.body
    weak = domain.post_page("/new-password", page.field("flow"), new_password="short")
    assert "can't be used" in weak.message
    changed = domain.post_page("/new-password", page.field("flow"), new_password="A-new-Passw0rd!")
    assert changed.status == 303 and changed.location.startswith("/mfa-setup?flow=")


def test_two_factors_and_none_preferred_show_a_choice(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, mfa="OPTIONAL", sms=True)
    user = make_user(cognito, domain.pool, phone="+15555550123")
    secret, token = enrol_totp(cognito, sandbox, domain.pool, user, prefer=False)
    cognito.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True})
    sandbox.advance_clock(30, pool=domain.pool.id)
    domain.sign_in_page()
    page = domain.follow(domain.password(user, PASSWORD))
    assert 'name="mfa_type"' in page.body and 'value="SOFTWARE_TOKEN_MFA"' in page.body
    assert 'value="SMS_MFA"' in page.body
    assert "Choose" in domain.post_page("/mfa-choice", page.field("flow"), mfa_type="EMAIL_OTP").message
    chosen = domain.post_page("/mfa-choice", page.field("flow"), mfa_type="SOFTWARE_TOKEN_MFA")
    code_page = domain.follow(chosen)
    assert chosen.location.startswith("/mfa?flow=") and "authenticator" in code_page.element("prompt")
    done = domain.post_page("/mfa", code_page.field("flow"), code=_code_now(secret, sandbox, domain))
    assert domain.code_of(done)


# ------------------------------------------------------------------------------------------ userInfo, logout, discovery
def test_user_info_needs_an_access_token_with_openid(cognito, sandbox, domain) -> None:
    user = make_user(cognito, domain.pool)
    with_openid = domain.exchange(_signed_in_code(domain, user, scope="openid")).json()["access_token"]
    info = domain.get("/oauth2/userInfo", Authorization=f"Bearer {with_openid}")
    assert info.status == 200
    body = info.json()
    assert body["username"] == user and body["email"] == f"{user}@example.com" and body["sub"]
    email_only = domain.exchange(_signed_in_code(domain, user, scope="openid email")).json()["access_token"]
    assert set(domain.get("/oauth2/userInfo", Authorization=f"Bearer {email_only}").json()) == \
        {"sub", "username", "email"}
    no_openid = domain.exchange(_signed_in_code(domain, user, scope="aws.cognito.signin.user.admin")).json()
    refused = domain.get("/oauth2/userInfo", Authorization=f"Bearer {no_openid['access_token']}")
    assert refused.status == 401 and refused.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    api_token = sign_in(cognito, domain.pool, user)["AuthenticationResult"]["AccessToken"]
    assert domain.get("/oauth2/userInfo", Authorization=f"Bearer {api_token}").status == 401
    assert domain.get("/oauth2/userInfo").status == 400
    sandbox.advance_clock(3601, pool=domain.pool.id)
    expired = domain.get("/oauth2/userInfo", Authorization=f"Bearer {with_openid}")
    assert expired.status == 401 and "expired" in expired.json()["error_description"]


def test_logout_redirects_only_to_a_listed_logout_uri(domain: Domain) -> None:
    listed = domain.get("/logout?" + urllib.parse.urlencode({"client_id": domain.client_id, "logout_uri": LOGOUT}))
    assert listed.status == 302 and listed.location == LOGOUT
    other = domain.get("/logout?" + urllib.parse.urlencode({"client_id": domain.client_id,
                                                            "logout_uri": "http://localhost:1/elsewhere"}))
    assert other.status == 400 and "Location" not in other.headers and "LogoutURLs" in other.message
    again = domain.get("/logout?" + domain.authorize_query())
    assert again.status == 302 and again.location.startswith("/login?")
    assert domain.get("/logout?client_id=nobody&logout_uri=x").status == 400
    assert domain.get("/logout?" + urllib.parse.urlencode({"client_id": domain.client_id})).status == 400


def test_discovery_names_the_domains_endpoints(sandbox, domain: Domain) -> None:
    on_domain = domain.get("/.well-known/openid-configuration").json()
    base = f"http://{domain.host}"
    assert on_domain["authorization_endpoint"] == f"{base}/oauth2/authorize"
    assert on_domain["token_endpoint"] == f"{base}/oauth2/token"
    assert on_domain["userinfo_endpoint"] == f"{base}/oauth2/userInfo"
    assert on_domain["end_session_endpoint"] == f"{base}/logout"
    assert on_domain["code_challenge_methods_supported"] == ["S256"]
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.endpoint_url}/{domain.pool.id}/.well-known/openid-configuration") as r:
        at_issuer = json.loads(r.read())
    assert at_issuer["token_endpoint"] == on_domain["token_endpoint"]
    assert at_issuer["issuer"] == on_domain["issuer"]
    assert at_issuer["jwks_uri"].endswith(f"/{domain.pool.id}/.well-known/jwks.json")

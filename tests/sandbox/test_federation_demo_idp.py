"""Federated users, live: the sandbox's DemoIdP, a pool that federates with it, and what Cognito does with such users
(no MFA step even when the pool requires MFA; no SDK sign-in) — issue 13."""

from __future__ import annotations

import json
import urllib.parse

import jwt
import pytest
from hosted_helpers import CALLBACK, Domain, make_domain
from sandbox_helpers import PASSWORD, make_user, unique

from cognito_mfa_kit.sandbox.idp import subject


def _add_demo_idp(cognito, sandbox, domain: Domain, name: str = "DemoIdP") -> dict:
    return cognito.create_identity_provider(
        UserPoolId=domain.pool.id, ProviderName=name, ProviderType="OIDC",
        ProviderDetails={"oidc_issuer": f"{sandbox.endpoint_url}/_sandbox/idp", "client_id": "pool-at-demoidp",
                         "client_secret": "demo-secret", "authorize_scopes": "openid email"},
        AttributeMapping={"email": "email"},
    )["IdentityProvider"]


@pytest.fixture()
def federated(cognito, sandbox) -> Domain:
    """An MFA-required pool whose app client offers Cognito sign-in and DemoIdP."""
    domain = make_domain(cognito, sandbox, mfa="ON", providers=["COGNITO", "DemoIdP"])
    _add_demo_idp(cognito, sandbox, domain)
    return domain


def _idp_request(sandbox, url: str, form: dict[str, str] | None = None):
    """A request to the DemoIdP (on the sandbox's own host, as its issuer says)."""
    split = urllib.parse.urlsplit(url)
    assert f"{split.scheme}://{split.netloc}" == sandbox.endpoint_url
    domain = Domain(sandbox, None, "", "")  # type: ignore[arg-type]
    return domain.request("POST" if form is not None else "GET", split.path + ("?" + split.query if split.query
                                                                                else ""), form,
                          host=split.netloc)


def _sign_in_with_demo_idp(sandbox, domain: Domain, email: str, **authorize: str):
    """identity_provider=DemoIdP → the IdP's e-mail page → back to /oauth2/idpresponse → the app's callback."""
    first = domain.get("/oauth2/authorize?" + domain.authorize_query(identity_provider="DemoIdP", **authorize))
    assert first.status == 302 and "/_sandbox/idp/authorize?" in first.location, (first.status, first.body[:300])
    sent = first.query
    assert sent["redirect_uri"] == f"http://{domain.host}/oauth2/idpresponse"
    assert sent["client_id"] == "pool-at-demoidp" and sent["scope"] == "openid email" and sent["nonce"]
    page = _idp_request(sandbox, first.location)
    assert page.status == 200 and 'name="email"' in page.body and 'name="password"' not in page.body
    form = {k: v for k, v in sent.items()}
    back = _idp_request(sandbox, first.location.split("?")[0], {**form, "email": email})
    assert back.status == 302 and back.location.startswith(sent["redirect_uri"])
    return domain.request("GET", urllib.parse.urlsplit(back.location).path + "?" +
                          urllib.parse.urlsplit(back.location).query)


def test_create_identity_provider_checks_oidc_details_and_fills_the_demoidp_endpoints(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox)
    provider = _add_demo_idp(cognito, sandbox, domain)
    details = provider["ProviderDetails"]
    issuer = f"{sandbox.endpoint_url}/_sandbox/idp"
    assert details["authorize_url"] == f"{issuer}/authorize" and details["token_url"] == f"{issuer}/token"
    assert details["jwks_uri"] == f"{issuer}/jwks.json" and details["attributes_request_method"] == "GET"
    with pytest.raises(cognito.exceptions.DuplicateProviderException):
        _add_demo_idp(cognito, sandbox, domain)
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="oidc_issuer"):
        cognito.create_identity_provider(UserPoolId=domain.pool.id, ProviderName="Broken", ProviderType="OIDC",
                                         ProviderDetails={"client_id": "x", "authorize_scopes": "openid"})


def test_the_sign_in_page_shows_a_button_per_identity_provider_of_the_client(cognito, sandbox, federated) -> None:
    page = federated.sign_in_page()
    assert "Sign in with DemoIdP" in page.body and 'name="username"' in page.body
    button = page.body.split('class="idp-button" href="')[1].split('"')[0]
    assert "identity_provider=DemoIdP" in button.replace("&amp;", "&")
    only_idp = make_domain(cognito, sandbox, providers=["DemoIdP"])
    _add_demo_idp(cognito, sandbox, only_idp)
    page = only_idp.sign_in_page()
    assert "Sign in with DemoIdP" in page.body and 'name="username"' not in page.body


def test_a_federated_user_gets_tokens_with_no_mfa_step_even_with_mfa_on(cognito, sandbox, federated) -> None:
    email = f"{unique('dana')}@example.com"
    back = _sign_in_with_demo_idp(sandbox, federated, email)
    assert back.status == 302 and back.location.startswith(CALLBACK), (back.status, back.body[:500])
    tokens = federated.exchange(federated.code_of(back)).json()
    username = f"DemoIdP_{subject(email)}"
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["cognito:username"] == username and claims["nonce"] == federated.params["nonce"]
    assert claims["identities"][0]["providerName"] == "DemoIdP"
    assert claims["identities"][0]["userId"] == subject(email)
    user = cognito.admin_get_user(UserPoolId=federated.pool.id, Username=username)
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == email and json.loads(attributes["identities"])[0]["providerType"] == "OIDC"
    assert cognito.get_user_pool_mfa_config(UserPoolId=federated.pool.id)["MfaConfiguration"] == "ON"
    # the same person again: the same user
    again = _sign_in_with_demo_idp(sandbox, federated, email.upper())
    assert federated.exchange(federated.code_of(again)).status == 200
    users = cognito.list_users(UserPoolId=federated.pool.id)["Users"]
    assert [u["Username"] for u in users if u["Username"].startswith("DemoIdP_")] == [username]


def test_a_demoidp_saved_by_a_sandbox_on_another_port_still_signs_in(cognito, sandbox) -> None:
    """A sandbox restarted on its state file listens on a new port: a DemoIdP provider saved with the old port's
    issuer sends the browser to this sandbox's DemoIdP, and its ID token is checked against that issuer."""
    domain = make_domain(cognito, sandbox, providers=["COGNITO", "DemoIdP"])
    host = urllib.parse.urlsplit(sandbox.endpoint_url).hostname
    cognito.create_identity_provider(
        UserPoolId=domain.pool.id, ProviderName="DemoIdP", ProviderType="OIDC",
        ProviderDetails={"oidc_issuer": f"http://{host}:1/_sandbox/idp", "client_id": "pool-at-demoidp",
                         "client_secret": "demo-secret", "authorize_scopes": "openid email"},
        AttributeMapping={"email": "email"})
    back = _sign_in_with_demo_idp(sandbox, domain, f"{unique('gil')}@example.com")  # asserts the IdP's URL is ours
    assert back.status == 302 and back.location.startswith(CALLBACK), (back.status, back.body[:500])
    assert domain.exchange(domain.code_of(back)).status == 200


def test_initiate_auth_for_a_federated_user_fails_as_on_aws(cognito, sandbox, federated) -> None:
    email = f"{unique('erin')}@example.com"
    federated.code_of(_sign_in_with_demo_idp(sandbox, federated, email))
    username = f"DemoIdP_{subject(email)}"
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="not authorized to get auth details"):
        cognito.admin_initiate_auth(UserPoolId=federated.pool.id, ClientId=federated.client_id,
                                    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    federated.sign_in_page()
    assert "identity provider" in federated.password(username, PASSWORD).message


def test_a_local_user_of_the_same_pool_still_has_to_set_up_mfa(cognito, sandbox, federated) -> None:
    user = make_user(cognito, federated.pool)
    federated.sign_in_page()
    assert federated.password(user, PASSWORD).location.startswith("/mfa-setup?flow=")


def test_an_identity_provider_the_client_does_not_support_is_refused(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox)  # COGNITO only
    _add_demo_idp(cognito, sandbox, domain)
    answer = domain.get("/oauth2/authorize?" + domain.authorize_query(identity_provider="DemoIdP"))
    assert answer.status == 302 and answer.query["error"] == "invalid_request"
    assert answer.query["state"] == domain.params["state"]


def test_a_provider_that_is_not_the_demoidp_is_not_federated(cognito, sandbox) -> None:
    domain = make_domain(cognito, sandbox, providers=["COGNITO", "Elsewhere"])
    cognito.create_identity_provider(UserPoolId=domain.pool.id, ProviderName="Elsewhere", ProviderType="OIDC",
                                     ProviderDetails={"oidc_issuer": "https://idp.example.com", "client_id": "x",
                                                      "authorize_scopes": "openid"})
    answer = domain.get("/oauth2/authorize?" + domain.authorize_query(identity_provider="Elsewhere"))
    assert answer.status == 400 and "DemoIdP" in answer.message


def test_the_demoidp_speaks_oidc_on_its_own_endpoints(sandbox) -> None:
    issuer = f"{sandbox.endpoint_url}/_sandbox/idp"
    config = _idp_request(sandbox, f"{issuer}/.well-known/openid-configuration").json()
    assert config["issuer"] == issuer and config["token_endpoint"] == f"{issuer}/token"
    keys = _idp_request(sandbox, config["jwks_uri"]).json()["keys"]
    assert keys[0]["kty"] == "RSA"
    query = urllib.parse.urlencode({"response_type": "code", "client_id": "app", "state": "s", "nonce": "n",
                                    "redirect_uri": "http://localhost:8976/idp-cb"})
    back = _idp_request(sandbox, f"{issuer}/authorize", {**dict(urllib.parse.parse_qsl(query)),
                                                          "email": "not-an-address"})
    assert back.status == 200 and "e-mail" in back.message
    back = _idp_request(sandbox, f"{issuer}/authorize", {**dict(urllib.parse.parse_qsl(query)),
                                                          "email": "fay@example.com"})
    code = back.query["code"]
    assert back.query["state"] == "s"
    form = {"grant_type": "authorization_code", "code": code, "client_id": "app",
            "redirect_uri": "http://localhost:8976/idp-cb"}
    tokens = _idp_request(sandbox, f"{issuer}/token", form).json()
    key = jwt.PyJWK(keys[0]).key
    # times are the sandbox's clock (ahead of real time in this session): checked against it, not against PyJWT's
    claims = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience="app", issuer=issuer,
                        options={"verify_iat": False, "verify_exp": False, "verify_nbf": False})
    assert claims["iat"] <= sandbox.now() + 1 < claims["exp"]
    assert claims["email"] == "fay@example.com" and claims["nonce"] == "n" and claims["sub"] == subject(
        "fay@example.com")
    assert _idp_request(sandbox, f"{issuer}/token", form).json() == {"error": "invalid_grant"}  # single use
    info = Domain(sandbox, None, "", "").request(  # type: ignore[arg-type]
        "GET", "/_sandbox/idp/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"},
        host=urllib.parse.urlsplit(issuer).netloc)
    assert info.json()["email"] == "fay@example.com"

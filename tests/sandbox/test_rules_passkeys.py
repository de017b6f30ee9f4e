"""Sandbox rules, black box over HTTP: passkeys (WebAuthn) — registration, listing, deletion, passkey sign-in with
USER_AUTH, and passkeys as MFA (WebAuthnMfaSettings). A software authenticator (``cognito_mfa_kit.passkey``) makes the
attestations and assertions, as a browser would; the ceremony through managed login's pages is in
test_login_passkeys.py (over HTTP) and tests/browser/test_passkeys_login.py (Chromium).

Sources (reference §9): service model — StartWebAuthnRegistration / CompleteWebAuthnRegistration /
ListWebAuthnCredentials / DeleteWebAuthnCredential and their exceptions (WebAuthnNotEnabledException,
WebAuthnConfigurationMissingException "doesn't have a configured relying party id or a user pool domain",
WebAuthnChallengeNotFoundException, WebAuthnClientMismatchException, WebAuthnOriginNotAllowedException,
WebAuthnRelyingPartyMismatchException), WebAuthnConfigurationType (UserVerification, FactorConfiguration
MULTI_FACTOR_WITH_USER_VERIFICATION), WebAuthnMfaSettingsType ("passkey MFA applies only when passkey is the first
authentication factor"), GetUserAuthFactorsResponse ("WEB_AUTHN is available as an MFA factor only when passkey MFA is
enabled at the user pool level"), RespondToAuthChallenge (WEB_AUTHN answered with CREDENTIAL); DOC API
WebAuthnMfaSettingsType / awsapichanges 8cde7c (passkey MFA only while another factor remains).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import ec
from sandbox_helpers import PASSWORD, enrol_totp, make_pool, make_user, unique

from cognito_mfa_kit.passkey import VirtualPasskey as SoftAuthenticator

RP = "passkeys.example.com"
ORIGIN = f"https://{RP}"
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _pool(cognito, *, uv="required", factor="SINGLE_FACTOR", first=("PASSWORD", "WEB_AUTHN"), mfa="OPTIONAL",
          rp=RP):
    pool = make_pool(cognito, mfa=mfa, flows=FLOWS, first_factors=list(first))
    config = {"UserVerification": uv, "FactorConfiguration": factor}
    if rp:
        config["RelyingPartyId"] = rp
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration=mfa,
                                     SoftwareTokenMfaConfiguration={"Enabled": True}, WebAuthnConfiguration=config)
    return pool


def _token(cognito, pool, username):
    return cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=pool.client_id,
                                       AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
                                       )["AuthenticationResult"]["AccessToken"]


def _register(cognito, token, authenticator=None, origin=ORIGIN, **create):
    authenticator = authenticator or SoftAuthenticator()
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    cognito.complete_web_authn_registration(AccessToken=token,
                                            Credential=authenticator.create(options, origin, **create))
    return authenticator


def _passkey_sign_in(cognito, pool, username, authenticator, origin=ORIGIN, **get):
    challenge = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH",
                                      AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    return cognito.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="WEB_AUTHN", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(authenticator.get(options, origin, **get))})


# ---------------------------------------------------------------- configuration
def test_passkey_configuration_is_shown_with_its_defaults(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True},
                                     WebAuthnConfiguration={"RelyingPartyId": RP})
    shown = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)["WebAuthnConfiguration"]
    assert shown == {"RelyingPartyId": RP, "UserVerification": "preferred", "FactorConfiguration": "SINGLE_FACTOR"}


# ---------------------------------------------------------------- registration
def test_register_list_and_delete_a_passkey(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    token = _token(cognito, pool, username)
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == RP and options["user"]["name"] == username
    assert options["authenticatorSelection"]["userVerification"] == "required"
    authenticator = SoftAuthenticator()
    cognito.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options, ORIGIN))
    listed = cognito.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert len(listed) == 1
    assert listed[0]["RelyingPartyId"] == RP and listed[0]["AuthenticatorTransports"] == ["internal"]
    assert listed[0]["AuthenticatorAttachment"] == "platform"
    assert isinstance(listed[0]["CreatedAt"], dt.datetime)
    factors = cognito.get_user_auth_factors(AccessToken=token)["ConfiguredUserAuthFactors"]
    assert "WEB_AUTHN" in factors
    with pytest.raises(ClientError) as info:
        cognito.delete_web_authn_credential(AccessToken=token, CredentialId="no-such-credential")
    assert _error(info)[0] == "ResourceNotFoundException"
    cognito.delete_web_authn_credential(AccessToken=token, CredentialId=listed[0]["CredentialId"])
    assert cognito.list_web_authn_credentials(AccessToken=token)["Credentials"] == []


def test_listing_pages_by_max_results(cognito):
    pool = _pool(cognito)
    token = _token(cognito, pool, make_user(cognito, pool))
    for _ in range(3):
        _register(cognito, token)
    first = cognito.list_web_authn_credentials(AccessToken=token, MaxResults=2)
    assert len(first["Credentials"]) == 2 and first["NextToken"]
    rest = cognito.list_web_authn_credentials(AccessToken=token, MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["Credentials"]) == 1 and "NextToken" not in rest


def test_a_challenge_answers_one_registration(cognito):
    pool = _pool(cognito)
    token = _token(cognito, pool, make_user(cognito, pool))
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = SoftAuthenticator().create(options, ORIGIN)
    cognito.complete_web_authn_registration(AccessToken=token, Credential=credential)
    with pytest.raises(ClientError) as info:
        cognito.complete_web_authn_registration(AccessToken=token, Credential=credential)
    assert _error(info)[0] == "WebAuthnChallengeNotFoundException"


def test_the_origin_must_belong_to_the_relying_party(cognito):
    pool = _pool(cognito)
    token = _token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        _register(cognito, token, origin="https://elsewhere.example.net")
    assert _error(info)[0] == "WebAuthnOriginNotAllowedException"


def test_a_passkey_for_another_relying_party_is_refused(cognito):
    pool = _pool(cognito)
    token = _token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        _register(cognito, token, rp_id="other.example.org")
    assert _error(info)[0] == "WebAuthnRelyingPartyMismatchException"


def test_required_user_verification_refuses_an_unverified_passkey(cognito):
    pool = _pool(cognito, uv="required")
    token = _token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        _register(cognito, token, SoftAuthenticator(user_verifying=False))
    assert _error(info)[0] == "InvalidParameterException"


def test_passkeys_not_a_first_factor_means_not_enabled(cognito):
    pool = _pool(cognito, first=("PASSWORD",))
    token = _token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.start_web_authn_registration(AccessToken=token)
    assert _error(info)[0] == "WebAuthnNotEnabledException"


def test_no_relying_party_and_no_domain_is_a_missing_configuration(cognito):
    pool = _pool(cognito, rp=None)
    token = _token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.start_web_authn_registration(AccessToken=token)
    assert _error(info)[0] == "WebAuthnConfigurationMissingException"
    domain = unique("dom")
    cognito.create_user_pool_domain(UserPoolId=pool.id, Domain=domain)
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == f"{domain}.auth.us-east-1.amazoncognito.com"


def test_completing_with_another_app_client_is_a_client_mismatch(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    token = _token(cognito, pool, username)
    other = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName=unique("c"),
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    other_token = cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=other, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                              AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
                                              )["AuthenticationResult"]["AccessToken"]
    options = cognito.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    with pytest.raises(ClientError) as info:
        cognito.complete_web_authn_registration(AccessToken=other_token,
                                                Credential=SoftAuthenticator().create(options, ORIGIN))
    assert _error(info)[0] == "WebAuthnClientMismatchException"


# ---------------------------------------------------------------- sign-in
def test_sign_in_with_a_passkey(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    authenticator = _register(cognito, _token(cognito, pool, username))
    done = _passkey_sign_in(cognito, pool, username, authenticator)
    assert cognito.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == username
    select = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH",
                                   AuthParameters={"USERNAME": username})
    assert select["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"]


def test_a_forged_assertion_is_refused(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    authenticator = _register(cognito, _token(cognito, pool, username))
    with pytest.raises(ClientError) as info:
        _passkey_sign_in(cognito, pool, username, authenticator, key=ec.generate_private_key(ec.SECP256R1()))
    assert _error(info)[0] == "NotAuthorizedException"


# ---------------------------------------------------------------- passkeys as MFA
def test_passkey_mfa_needs_the_pool_to_allow_it(cognito, sandbox):
    pool = _pool(cognito, factor="SINGLE_FACTOR")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    _register(cognito, token)
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    assert _error(info)[0] == "InvalidParameterException"
    assert "MULTI_FACTOR_WITH_USER_VERIFICATION" in _error(info)[1]


def test_passkey_mfa_needs_another_factor(cognito):
    pool = _pool(cognito, factor="MULTI_FACTOR_WITH_USER_VERIFICATION")
    username = make_user(cognito, pool)
    token = _token(cognito, pool, username)
    _register(cognito, token)
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    assert _error(info)[0] == "InvalidParameterException"
    assert "another MFA factor" in _error(info)[1]


def test_passkey_mfa_satisfies_mfa_when_the_passkey_is_the_first_factor(cognito, sandbox):
    pool = _pool(cognito, factor="MULTI_FACTOR_WITH_USER_VERIFICATION")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    authenticator = _register(cognito, token)
    # passkey MFA off: the passkey is one factor, the user's TOTP follows
    follows = _passkey_sign_in(cognito, pool, username, authenticator)
    assert follows["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    cognito.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    done = _passkey_sign_in(cognito, pool, username, authenticator)
    assert "AuthenticationResult" in done
    # a password first factor still gets the TOTP challenge ("applies only when passkey is the first factor")
    password = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH",
                                     AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD",
                                                     "PASSWORD": PASSWORD})
    assert password["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_the_last_other_factor_cant_be_turned_off_under_passkey_mfa(cognito, sandbox):
    pool = _pool(cognito, factor="MULTI_FACTOR_WITH_USER_VERIFICATION")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    _register(cognito, token)
    cognito.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})
    assert _error(info)[0] == "InvalidParameterException"
    # both off in one call is fine
    cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False},
                                    WebAuthnMfaSettings={"Enabled": False})

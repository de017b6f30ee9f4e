"""Sandbox rules, black box over HTTP: feature plans (UserPoolTier) and what each allows that touches MFA.

Sources: service model (botocore service-2.json) — CreateUserPoolRequest.UserPoolTier "Defaults to ESSENTIALS";
EmailMfaConfigType, AuthFlow USER_AUTH, ExplicitAuthFlows ALLOW_USER_AUTH, SignInPolicyType, WebAuthnConfigurationType
"your user pool must be in the Essentials tier or higher"; UserPoolAddOnsType "must be on the Plus tier";
CreateUserPoolDomain.ManagedLoginVersion "any feature plan other than Lite"; FeatureUnavailableInTierException in
the error lists of CreateUserPool, UpdateUserPool, SetUserPoolMfaConfig and InitiateAuth (reference §1.e, §9).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import EMAIL_MFA, PASSWORD, SES, make_pool, make_user, unique

TIER_ERROR = "FeatureUnavailableInTierException"


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return info.value.response["Error"]["Code"]


def test_a_new_pool_is_essentials_and_its_tier_can_be_chosen(cognito):
    pool = cognito.create_user_pool(PoolName=unique("pool"))["UserPool"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    for tier in ("LITE", "PLUS"):
        made = cognito.create_user_pool(PoolName=unique("pool"), UserPoolTier=tier)["UserPool"]
        assert cognito.describe_user_pool(UserPoolId=made["Id"])["UserPool"]["UserPoolTier"] == tier


def test_update_user_pool_changes_the_tier_and_keeps_it_when_not_given(cognito):
    pool = make_pool(cognito, tier="LITE")
    cognito.update_user_pool(UserPoolId=pool.id, UserPoolTier="PLUS")
    assert cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["UserPoolTier"] == "PLUS"
    cognito.update_user_pool(UserPoolId=pool.id, AutoVerifiedAttributes=["email"])  # [UNVERIFIED] tier kept
    assert cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["UserPoolTier"] == "PLUS"


def test_totp_and_sms_mfa_work_on_lite(cognito):
    """TOTP & SMS MFA: all tiers (reference §1.e)."""
    pool = make_pool(cognito, tier="LITE", mfa="OPTIONAL", totp=True, sms=True)
    config = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert "SmsMfaConfiguration" in config


def test_lite_refuses_email_mfa(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("pool"), UserPoolTier="LITE",
                                       EmailConfiguration=SES)["UserPool"]["Id"]
    with pytest.raises(ClientError) as info:
        cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                         EmailMfaConfiguration=EMAIL_MFA)
    assert _code(info) == TIER_ERROR
    assert "Essentials or Plus" in info.value.response["Error"]["Message"]


def test_lite_refuses_user_auth_clients_and_sign_in_policies(cognito):
    pool = make_pool(cognito, tier="LITE")
    with pytest.raises(ClientError) as info:
        cognito.create_user_pool_client(UserPoolId=pool.id, ClientName=unique("c"),
                                        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert _code(info) == TIER_ERROR
    with pytest.raises(ClientError) as info:
        cognito.update_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id,
                                        ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    assert _code(info) == TIER_ERROR
    with pytest.raises(ClientError) as info:
        cognito.create_user_pool(PoolName=unique("pool"), UserPoolTier="LITE",
                                 Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    assert _code(info) == TIER_ERROR


def test_user_auth_on_a_pool_moved_to_lite_is_refused_at_sign_in(cognito):
    """InitiateAuth lists FeatureUnavailableInTierException; USER_AUTH "must be in the Essentials tier or higher"."""
    pool = make_pool(cognito, tier="LITE", flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": username})
    assert _code(info) == TIER_ERROR


def test_threat_protection_needs_plus(cognito):
    with pytest.raises(ClientError) as info:
        cognito.create_user_pool(PoolName=unique("pool"), UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    assert _code(info) == TIER_ERROR
    assert "Plus" in info.value.response["Error"]["Message"]
    made = cognito.create_user_pool(PoolName=unique("pool"), UserPoolTier="PLUS",
                                    UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})["UserPool"]
    assert made["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    # OFF is not threat protection: accepted on any plan
    cognito.create_user_pool(PoolName=unique("pool"), UserPoolTier="LITE",
                             UserPoolAddOns={"AdvancedSecurityMode": "OFF"})


def test_passkey_settings_need_essentials(cognito):
    pool = make_pool(cognito, tier="LITE")
    with pytest.raises(ClientError) as info:
        cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OFF",
                                         WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    assert _code(info) == TIER_ERROR


def test_managed_login_v2_needs_a_plan_other_than_lite(cognito):
    lite = make_pool(cognito, tier="LITE")
    with pytest.raises(ClientError) as info:
        cognito.create_user_pool_domain(UserPoolId=lite.id, Domain=unique("dom"), ManagedLoginVersion=2)
    assert _code(info) == TIER_ERROR
    cognito.create_user_pool_domain(UserPoolId=lite.id, Domain=unique("dom"), ManagedLoginVersion=1)
    essentials = make_pool(cognito)
    cognito.create_user_pool_domain(UserPoolId=essentials.id, Domain=unique("dom"), ManagedLoginVersion=2)


def test_moving_to_lite_while_email_mfa_is_on_is_refused(cognito):
    """[UNVERIFIED] a downgrade while a higher plan's feature is in use is refused, naming the feature."""
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    with pytest.raises(ClientError) as info:
        cognito.update_user_pool(UserPoolId=pool.id, UserPoolTier="LITE", EmailConfiguration=SES)
    assert _code(info) == TIER_ERROR
    assert "Email MFA" in info.value.response["Error"]["Message"]
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    cognito.update_user_pool(UserPoolId=pool.id, UserPoolTier="LITE", EmailConfiguration=SES)
    assert cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["UserPoolTier"] == "LITE"


def test_an_unknown_tier_in_raw_json_is_a_validation_error(sandbox):
    """botocore checks the enum client-side; a raw request gets Cognito's validation wording."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        sandbox.endpoint_url + "/", method="POST",
        data=json.dumps({"PoolName": unique("pool"), "UserPoolTier": "GOLD"}).encode(),
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.CreateUserPool",
                 "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(info.value.read())
    assert info.value.code == 400
    assert body["__type"] == "InvalidParameterException"
    assert "userPoolTier" in body["message"]


def test_password_sign_in_works_on_every_plan(cognito):
    for tier in ("LITE", "ESSENTIALS", "PLUS"):
        pool = make_pool(cognito, tier=tier)
        username = make_user(cognito, pool)
        answer = cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=pool.client_id,
                                             AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        assert "AuthenticationResult" in answer

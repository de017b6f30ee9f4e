"""The kit's flows for what surrounds TOTP in 2026: choice-based sign-in (USER_AUTH), email MFA read from the
sandbox's outbox, feature plans, and their explanations."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit import errors, flows

USER_AUTH = [*flows.DEFAULT_AUTH_FLOWS, "ALLOW_USER_AUTH"]


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_email_mfa_from_pool_to_tokens(lab, run_id):
    pool = flows.create_teaching_pool(lab, "email", email=True, run_id=run_id)
    assert pool.email and pool.tier == "ESSENTIALS" and pool.ses_source_arn
    assert lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)["EmailMfaConfiguration"]["Message"] \
        == "Your cognito-mfa-kit sign-in code is {####}"
    bob = flows.create_user(lab, pool, "Bob", email="bob@example.com")
    flows.admin_set_preference(lab, pool, "Bob", totp_enabled=None, email_enabled=True, email_preferred=True)
    assert flows.mfa_status(lab, pool, "Bob").mfa_setting_list == ("EMAIL_OTP",)
    challenge = flows.sign_in(lab, pool, "Bob", bob.password)
    assert isinstance(challenge, flows.Challenge) and challenge.name == "EMAIL_OTP"
    assert challenge.parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    code = flows.sent_code(lab, pool, "Bob", medium="EMAIL")
    assert [m["medium"] for m in flows.sent_messages(lab, pool, "Bob")] == ["EMAIL"]
    assert isinstance(flows.respond(lab, pool, challenge, code=code), flows.Tokens)


def test_email_code_is_checked_before_any_call(lab, run_id):
    pool = flows.create_teaching_pool(lab, "email-check", email=True, run_id=run_id)
    flows.create_user(lab, pool, "Bob", email="bob@example.com")
    with pytest.raises(ValueError, match="no email code was sent to Bob"):
        flows.sent_code(lab, pool, "Bob", medium="EMAIL")
    with pytest.raises(ValueError, match="medium"):
        flows.sent_code(lab, pool, "Bob", medium="PIGEON")


def test_choice_based_sign_in_then_totp(lab, run_id, enrol):
    pool = flows.create_teaching_pool(lab, "choice", auth_flows=USER_AUTH, run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    enrol(pool, bob)
    select = flows.sign_in_with_choice(lab, pool, "Bob")
    assert isinstance(select, flows.Challenge) and select.name == "SELECT_CHALLENGE"
    assert select.available == ("PASSWORD", "PASSWORD_SRP")
    start = len(lab.journal)
    with pytest.raises(ValueError, match="not offered"):
        flows.choose(lab, pool, select, "EMAIL_OTP")
    with pytest.raises(ValueError, match="never a first factor"):
        flows.choose(lab, pool, select, "SOFTWARE_TOKEN_MFA")
    assert len(lab.journal) == start  # refused before any call
    totp = flows.choose(lab, pool, select, "PASSWORD", password=bob.password)
    assert isinstance(totp, flows.Challenge) and totp.name == "SOFTWARE_TOKEN_MFA"
    assert totp.session != select.session


def test_choice_with_srp_and_with_a_preference(lab, run_id):
    pool = flows.create_teaching_pool(lab, "choice-srp", auth_flows=USER_AUTH, run_id=run_id)
    bob = flows.create_user(lab, pool, "Bob")
    select = flows.sign_in_with_choice(lab, pool, "Bob")
    assert isinstance(flows.choose(lab, pool, select, "PASSWORD_SRP", password=bob.password), flows.Tokens)
    assert isinstance(flows.sign_in_with_choice(lab, pool, "Bob", preferred="PASSWORD", password=bob.password),
                      flows.Tokens)
    tokens = flows.sign_in_with_choice(lab, pool, "Bob", preferred="PASSWORD_SRP", password=bob.password,
                                       api="admin")
    assert isinstance(tokens, flows.Tokens)
    factors = flows.auth_factors(lab, tokens.access_token)
    assert factors.username == "Bob" and factors.configured == ("PASSWORD",)


def test_passwordless_email_first_factor(lab, run_id):
    pool = flows.create_teaching_pool(lab, "passwordless", auth_flows=USER_AUTH,
                                      first_factors=["PASSWORD", "EMAIL_OTP"], run_id=run_id)
    assert pool.first_factors == ("PASSWORD", "EMAIL_OTP") and pool.ses_source_arn  # email OTP needs SES
    flows.create_user(lab, pool, "Ann", email="ann@example.com")
    select = flows.sign_in_with_choice(lab, pool, "Ann")
    assert "EMAIL_OTP" in select.available
    otp = flows.choose(lab, pool, select, "EMAIL_OTP")
    assert isinstance(otp, flows.Challenge) and otp.name == "EMAIL_OTP"
    done = flows.respond(lab, pool, otp, code=flows.sent_code(lab, pool, "Ann", medium="EMAIL"))
    assert isinstance(done, flows.Tokens)


def test_plans_refuse_with_an_explanation_that_names_the_plan(lab, run_id):
    pool = flows.create_teaching_pool(lab, "plans", email=True, run_id=run_id)
    with pytest.raises(ClientError) as info:
        flows.set_plan(lab, pool, "LITE")
    assert _code(info) == "FeatureUnavailableInTierException"
    explained = errors.explain(info.value)
    assert explained.key == "feature-tier-email-mfa"
    assert "Essentials" in explained.what_to_do and "MAU" in explained.why
    plain = flows.configure_pool_mfa(lab, pool, email=False)
    lite = flows.set_plan(lab, plain, "LITE")
    assert lab.client.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]["UserPoolTier"] == "LITE"
    assert lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)["MfaConfiguration"] == "OPTIONAL"
    with pytest.raises(ClientError) as info:
        flows.update_client(lab, lite, auth_flows=USER_AUTH)
    assert errors.explain(info.value).key == "feature-tier-user-auth"
    with pytest.raises(ValueError, match="tier"):
        flows.set_plan(lab, lite, "GOLD")


def test_rerunning_creation_with_another_plan_updates_the_pool(lab, run_id):
    first = flows.create_teaching_pool(lab, "replan", tier="PLUS", run_id=run_id)
    again = flows.create_teaching_pool(lab, "replan", tier="ESSENTIALS", run_id=run_id)
    assert again.pool_id == first.pool_id and not again.created
    assert lab.client.describe_user_pool(UserPoolId=first.pool_id)["UserPool"]["UserPoolTier"] == "ESSENTIALS"


def test_preference_checks_one_preferred_factor(lab):
    with pytest.raises(ValueError, match="only one factor"):
        flows.set_preference(lab, "token", totp_preferred=True, email_enabled=True, email_preferred=True)


def test_passkey_as_mfa_through_the_flows(lab, run_id):
    from cognito_mfa_kit.course import enrolled_user
    from cognito_mfa_kit.passkey import VirtualPasskey

    pool = flows.create_teaching_pool(lab, "passkeys", auth_flows=USER_AUTH, run_id=run_id)
    pool = flows.configure_passkeys(lab, pool, relying_party="kit.example.com", as_mfa=True)
    assert pool.first_factors == ("PASSWORD", "WEB_AUTHN")
    assert lab.client.get_user_pool_mfa_config(UserPoolId=pool.pool_id)["SoftwareTokenMfaConfiguration"] \
        == {"Enabled": True}  # the MFA settings were kept
    _carol, _phone, tokens = enrolled_user(lab, pool, "Carol", prefer=True)
    key = VirtualPasskey()
    with pytest.raises(ValueError, match="origin"):
        flows.register_passkey(lab, tokens.access_token, key, origin="kit.example.com")
    credential_id = flows.register_passkey(lab, tokens.access_token, key, origin="https://kit.example.com")
    listed = flows.list_passkeys(lab, tokens.access_token)
    assert [p.credential_id for p in listed] == [credential_id]
    assert "datetime" not in repr(listed) and dt.datetime.fromisoformat(listed[0].created_at).tzinfo is not None
    first = flows.sign_in_with_choice(lab, pool, "Carol", preferred="WEB_AUTHN")
    assert isinstance(first, flows.Challenge) and first.name == "WEB_AUTHN"
    follows = flows.answer_passkey(lab, pool, first, key, origin="https://kit.example.com")
    assert isinstance(follows, flows.Challenge) and follows.name == "SOFTWARE_TOKEN_MFA"  # passkey MFA off
    flows.set_preference(lab, tokens.access_token, totp_enabled=None, passkey_mfa=True)
    again = flows.sign_in_with_choice(lab, pool, "Carol", preferred="WEB_AUTHN")
    assert isinstance(flows.answer_passkey(lab, pool, again, key, origin="https://kit.example.com"), flows.Tokens)
    flows.delete_passkey(lab, tokens.access_token, credential_id)
    assert flows.list_passkeys(lab, tokens.access_token) == []

"""Sandbox rules, black box over HTTP: email MFA (EMAIL_OTP) — the pool's EmailMfaConfiguration, the user's
EmailMfaSettings, the EMAIL_OTP challenge, and the code kept in the sandbox's outbox.

Sources (reference §1.b, §1.d, §1.e, §2, §9): service model EmailMfaConfigType ("must contain the {####}
placeholder", Essentials tier or higher), EmailMfaSettingsType, RespondToAuthChallenge ChallengeResponses
(``EMAIL_OTP_CODE``), GetUser.UserMFASettingList ("SMS_MFA, EMAIL_OTP, and SOFTWARE_TOKEN_MFA"); DG email MFA ("the
user pool must be configured to use the Amazon SES email-sending configuration"); DG SMS and email message MFA
(CODE_DELIVERY_DESTINATION; "When a user completes their first MFA, Amazon Cognito marks their email address … as
verified"); amplify-js signInHelpers (CODE_DELIVERY_DELIVERY_MEDIUM EMAIL, MFA_SETUP answered with EMAIL);
reference §2 ("Invalid code or auth state for the user."), §1.e (code validity = AuthSessionValidity).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import (
    EMAIL_MFA,
    SES,
    code,
    email_code,
    email_messages,
    enrol_totp,
    make_pool,
    make_user,
    sign_in,
    unique,
)

EMAIL_ON = {"Enabled": True, "PreferredMfa": True}


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _respond(cognito, pool, name, session, **responses):
    return cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName=name, Session=session, ChallengeResponses=responses
    )


def _email_user(cognito, *, mfa="OPTIONAL", **pool_args):
    pool = make_pool(cognito, mfa=mfa, email=True, **pool_args)
    username = make_user(cognito, pool)
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=EMAIL_ON)
    return pool, username


# ---------------------------------------------------------------- the pool's configuration
def test_email_mfa_needs_ses_sending(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("pool"))["UserPool"]["Id"]  # COGNITO_DEFAULT email
    with pytest.raises(ClientError) as info:
        cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                         EmailMfaConfiguration=EMAIL_MFA)
    code_, message = _error(info)
    assert code_ == "InvalidParameterException"
    assert "DEVELOPER" in message


def test_email_message_must_hold_the_code_placeholder(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("pool"), EmailConfiguration=SES)["UserPool"]["Id"]
    with pytest.raises(ClientError) as info:
        cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                         EmailMfaConfiguration={"Message": "Your code is here", "Subject": "x"})
    code_, message = _error(info)
    assert code_ == "InvalidParameterException"
    assert "emailMfaConfiguration.message" in message


def test_email_alone_satisfies_required_mfa_and_is_shown(cognito):
    pool_id = cognito.create_user_pool(PoolName=unique("pool"), EmailConfiguration=SES)["UserPool"]["Id"]
    answer = cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                              EmailMfaConfiguration=EMAIL_MFA)
    assert answer["EmailMfaConfiguration"] == EMAIL_MFA
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["EmailMfaConfiguration"] == EMAIL_MFA


# ---------------------------------------------------------------- the user's preference
def test_email_preference_is_listed_and_preferred(cognito):
    pool, username = _email_user(cognito)
    user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]
    assert user["PreferredMfaSetting"] == "EMAIL_OTP"


def test_email_mfa_needs_an_email_address(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool, email=False)
    with pytest.raises(ClientError) as info:
        cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=EMAIL_ON)
    assert _error(info) == ("InvalidParameterException",
                            "User does not have delivery config set to turn on EMAIL_OTP")


def test_email_settings_on_lite_are_refused(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL", tier="LITE")
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=EMAIL_ON)
    assert _error(info)[0] == "FeatureUnavailableInTierException"


def test_only_one_factor_may_be_preferred(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username, prefer=False)
    with pytest.raises(ClientError) as info:
        cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=EMAIL_ON,
                                              SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert _error(info)[0] == "InvalidParameterException"
    user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]  # nothing changed


def test_user_api_sets_email_preference_too(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool)
    token = sign_in(cognito, pool, username)["AuthenticationResult"]["AccessToken"]
    cognito.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": False})
    assert cognito.get_user(AccessToken=token)["UserMFASettingList"] == ["EMAIL_OTP"]
    cognito.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False})
    assert cognito.get_user(AccessToken=token)["UserMFASettingList"] == []


# ---------------------------------------------------------------- the challenge
def test_sign_in_asks_for_the_emailed_code(cognito, sandbox):
    pool, username = _email_user(cognito)
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "EMAIL_OTP"
    params = answer["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert params["CODE_DELIVERY_DESTINATION"] == f"{username[0]}***@e***.com"
    mail = email_messages(sandbox, pool, username)[-1]
    assert mail["to"] == f"{username}@example.com" and mail["subject"] == EMAIL_MFA["Subject"]
    assert mail["body"] == f"Your sign-in code is {mail['code']}"
    done = _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=mail["code"])
    assert done["AuthenticationResult"]["AccessToken"]
    attributes = {a["Name"]: a["Value"] for a in
                  cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserAttributes"]}
    assert attributes["email_verified"] == "true"


def test_the_outbox_is_per_pool(cognito, sandbox):
    pool, username = _email_user(cognito)
    other, other_user = _email_user(cognito)
    sign_in(cognito, pool, username)
    sign_in(cognito, other, other_user)
    assert email_messages(sandbox, pool, other_user) == []
    assert len(email_messages(sandbox, pool, username)) == 1


def test_wrong_email_code_is_refused_and_the_session_may_retry(cognito, sandbox):
    pool, username = _email_user(cognito)
    answer = sign_in(cognito, pool, username)
    right = email_code(sandbox, pool, username)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=wrong)
    assert _error(info) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    done = _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=right)
    assert "AuthenticationResult" in done


def test_an_email_code_works_once(cognito, sandbox):
    pool, username = _email_user(cognito)
    answer = sign_in(cognito, pool, username)
    right = email_code(sandbox, pool, username)
    _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=right)
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=right)
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def test_an_email_code_expires_with_the_session(cognito, sandbox):
    """"MFA code validity period 3–15 minutes" = the app client's AuthSessionValidity (reference §1.e)."""
    pool, username = _email_user(cognito, session_validity=3)
    answer = sign_in(cognito, pool, username)
    right = email_code(sandbox, pool, username)
    sandbox.advance_clock(3 * 60 + 1, pool=pool.id)  # this pool's clock only
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "EMAIL_OTP", answer["Session"], USERNAME=username, EMAIL_OTP_CODE=right)
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_email_competes_with_totp_in_select_mfa_type(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username, prefer=False)
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": False})
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(answer["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    chosen = _respond(cognito, pool, "SELECT_MFA_TYPE", answer["Session"], USERNAME=username, ANSWER="EMAIL_OTP")
    assert chosen["ChallengeName"] == "EMAIL_OTP" and chosen["Session"] != answer["Session"]
    done = _respond(cognito, pool, "EMAIL_OTP", chosen["Session"], USERNAME=username,
                    EMAIL_OTP_CODE=email_code(sandbox, pool, username))
    assert "AuthenticationResult" in done


def test_preferred_totp_wins_over_email(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username, prefer=True)
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": False})
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_required_mfa_offers_email_in_mfa_setup_to_users_without_an_address(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON", email=True)
    username = make_user(cognito, pool, email=False)
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "MFA_SETUP"
    assert json.loads(answer["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    # Amplify's email set-up: MFA_SETUP answered with EMAIL → EMAIL_OTP (reference §1.b)
    address = f"{username}@example.org"
    chosen = _respond(cognito, pool, "MFA_SETUP", answer["Session"], USERNAME=username, EMAIL=address)
    assert chosen["ChallengeName"] == "EMAIL_OTP"
    assert email_messages(sandbox, pool, username)[-1]["to"] == address
    done = _respond(cognito, pool, "EMAIL_OTP", chosen["Session"], USERNAME=username,
                    EMAIL_OTP_CODE=email_code(sandbox, pool, username))
    assert "AuthenticationResult" in done
    assert cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserMFASettingList"] == ["EMAIL_OTP"]
    assert sign_in(cognito, pool, username)["ChallengeName"] == "EMAIL_OTP"


def test_required_mfa_sends_email_to_users_with_an_address(cognito):
    """[UNVERIFIED] as users with a phone number get SMS_MFA directly (reference §1.b)."""
    pool = make_pool(cognito, mfa="ON", email=True)
    username = make_user(cognito, pool)
    assert sign_in(cognito, pool, username)["ChallengeName"] == "EMAIL_OTP"


def test_email_mfa_turned_off_on_the_pool_is_not_asked(cognito, sandbox):
    pool, username = _email_user(cognito)
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    assert "EmailMfaConfiguration" not in cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert "AuthenticationResult" in sign_in(cognito, pool, username)


def test_totp_challenge_is_unchanged_by_email_settings(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", email=True)
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    answer = sign_in(cognito, pool, username)
    sandbox.advance_clock(30, pool=pool.id)
    done = _respond(cognito, pool, "SOFTWARE_TOKEN_MFA", answer["Session"], USERNAME=username,
                    SOFTWARE_TOKEN_MFA_CODE=code(secret, _PoolClock(sandbox, pool.id)))
    assert "AuthenticationResult" in done


class _PoolClock:
    """``code()`` reads ``now()``: this gives it a pool's time."""

    def __init__(self, sandbox, pool_id):
        self.sandbox, self.pool_id = sandbox, pool_id

    def now(self):
        return self.sandbox.now(self.pool_id)

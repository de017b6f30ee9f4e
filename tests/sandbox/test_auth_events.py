"""The sandbox keeps each pool's sign-in history, as Cognito does with threat protection (AdminListUserAuthEvents)."""

from __future__ import annotations

import pyotp
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import answer_totp, code, enrol_totp, make_pool, make_user, sign_in


def _events(cognito, pool, username):
    return cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username=username)["AuthEvents"]


def _answers(event) -> list[tuple[str, str]]:
    return [(c["ChallengeName"], c["ChallengeResponse"]) for c in event["ChallengeResponses"]]


def test_without_threat_protection_there_is_no_history(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        _events(cognito, pool, username)
    assert info.value.response["Error"]["Code"] == "UserPoolAddOnNotEnabledException"


def _protected(cognito, **kwargs):
    pool = make_pool(cognito, tier="PLUS", **kwargs)  # threat protection needs the Plus feature plan
    cognito.update_user_pool(UserPoolId=pool.id, UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    return pool


def test_sign_ins_are_recorded_with_their_password_and_mfa_answers(cognito, sandbox):
    pool = _protected(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    with pytest.raises(ClientError):
        sign_in(cognito, pool, username, password="Wrong-Password-1")
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    wrong = f"{(int(code(secret, sandbox, 1)) + 1) % 1000000:06d}"
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], wrong)
    assert info.value.response["Error"]["Code"] == "CodeMismatchException"
    failed = _events(cognito, pool, username)[0]
    assert failed["EventResponse"] == "Fail"
    assert _answers(failed) == [("Password", "Success"), ("Mfa", "Failure")]
    sandbox.advance_clock(30)
    answer_totp(cognito, pool, username, challenge["Session"], code(secret, sandbox))  # the same session, retried
    events = _events(cognito, pool, username)  # newest first
    assert [e["EventType"] for e in events] == ["SignIn"] * 3
    assert events[0]["EventResponse"] == "Pass"
    assert _answers(events[0]) == [("Password", "Success"), ("Mfa", "Failure"), ("Mfa", "Success")]
    assert events[1]["EventResponse"] == "Pass" and _answers(events[1]) == [("Password", "Success")]  # enrol's
    assert events[2]["EventResponse"] == "Fail" and _answers(events[2]) == [("Password", "Failure")]
    assert events[0]["CreationDate"] >= events[2]["CreationDate"]


def test_history_pages_and_stays_per_user(cognito):
    pool = _protected(cognito)
    alice, bob = make_user(cognito, pool), make_user(cognito, pool)
    for _ in range(5):
        sign_in(cognito, pool, alice)
    sign_in(cognito, pool, bob)
    first = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username=alice, MaxResults=2)
    assert len(first["AuthEvents"]) == 2 and first["NextToken"]
    rest = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username=alice, MaxResults=10,
                                               NextToken=first["NextToken"])
    assert len(rest["AuthEvents"]) == 3 and "NextToken" not in rest
    ids = {e["EventId"] for e in first["AuthEvents"] + rest["AuthEvents"]}
    assert len(ids) == 5 and not ids & {e["EventId"] for e in _events(cognito, pool, bob)}


def test_an_mfa_setup_sign_in_is_one_attempt_through_its_sessions(cognito, sandbox):
    pool = _protected(cognito, mfa="ON")
    username = make_user(cognito, pool)
    setup = sign_in(cognito, pool, username)
    assert setup["ChallengeName"] == "MFA_SETUP"
    associated = cognito.associate_software_token(Session=setup["Session"])
    verified = cognito.verify_software_token(Session=associated["Session"],
                                             UserCode=pyotp.TOTP(associated["SecretCode"]).at(sandbox.now()))
    cognito.admin_respond_to_auth_challenge(UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName="MFA_SETUP",
                                            Session=verified["Session"], ChallengeResponses={"USERNAME": username})
    (event,) = _events(cognito, pool, username)
    assert event["EventResponse"] == "Pass"
    assert _answers(event) == [("Password", "Success"), ("Mfa", "Success")]

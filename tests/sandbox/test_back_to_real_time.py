"""After lessons move the clock forward, the sandbox goes back to real time so a real phone's codes work again.

These tests move a clock back, so they use a sandbox of their own (a child process), not the shared one.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pyotp
import pytest

from cognito_mfa_kit.connect import connect

PASSWORD = "P@ssw0rd-real1"


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


class _Remote:
    """The child sandbox, seen the way the shared fixture is (endpoint_url, now())."""

    def __init__(self, url: str) -> None:
        self.endpoint_url = url

    def now(self) -> float:
        with urllib.request.urlopen(self.endpoint_url + "/_sandbox/clock", timeout=5) as response:
            return json.loads(response.read())["now"]


@pytest.fixture()
def sandbox(sandbox_process) -> _Remote:
    return _Remote(sandbox_process())


@pytest.fixture()
def enrolled(sandbox):
    lab = connect(endpoint_url=sandbox.endpoint_url)
    c = lab.client
    pool = c.create_user_pool(PoolName=f"real-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    c.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True},
                               MfaConfiguration="OPTIONAL")
    app = c.create_user_pool_client(UserPoolId=pool, ClientName="a",
                                    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=pool, Username="bob", MessageAction="SUPPRESS")
    c.admin_set_user_password(UserPoolId=pool, Username="bob", Password=PASSWORD, Permanent=True)
    auth = {"USERNAME": "bob", "PASSWORD": PASSWORD}
    access = c.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters=auth)["AuthenticationResult"]["AccessToken"]
    secret = c.associate_software_token(AccessToken=access)["SecretCode"]
    return lab, c, pool, app, auth, access, secret


def test_real_phone_codes_work_again_after_the_clock_went_back(sandbox, enrolled) -> None:
    lab, c, pool, app, auth, access, secret = enrolled
    lab.advance_clock(600)  # lessons: sessions expired, several TOTP steps later
    # The "phone" is at real time: 10 minutes behind the sandbox, so its code is refused.
    with pytest.raises(c.exceptions.EnableSoftwareTokenMFAException):
        c.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    # Verify with the sandbox's time (as the virtual authenticator does): last step used is 10 minutes ahead.
    c.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(sandbox.now()))
    c.admin_set_user_mfa_preference(UserPoolId=pool, Username="bob",
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    before = time.time()
    now = lab.back_to_real_time()
    assert abs(now - time.time()) < 2 and abs(sandbox.now() - time.time()) < 2 and now >= before - 1
    assert abs(lab.clock.now() - time.time()) < 2

    # The real phone signs in now: its code is not "already used" (the used step moved back with the clock).
    challenge = c.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                      AuthParameters=auth)
    done = c.admin_respond_to_auth_challenge(
        UserPoolId=pool, ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
        ChallengeResponses={**{"USERNAME": "bob"}, "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now()})
    assert "AccessToken" in done["AuthenticationResult"]


def test_sessions_keep_their_remaining_life_across_the_reset(sandbox, enrolled) -> None:
    lab, c, pool, app, auth, access, secret = enrolled
    c.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(sandbox.now()))
    c.admin_set_user_mfa_preference(UserPoolId=pool, Username="bob",
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    lab.advance_clock(120)
    challenge = c.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                      AuthParameters=auth)
    _post(sandbox.endpoint_url + "/_sandbox/clock", {"reset": True})
    lab.advance_clock(181)  # a 3-minute session issued just before the reset has now expired
    lab.advance_clock(30)
    with pytest.raises(c.exceptions.NotAuthorizedException, match="session is expired"):
        c.admin_respond_to_auth_challenge(
            UserPoolId=pool, ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "bob", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(sandbox.now())})


def test_a_bad_clock_request_is_refused_plainly(sandbox) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        _post(sandbox.endpoint_url + "/_sandbox/clock", {"reset": "yes"})
    assert info.value.code == 400 and b"reset" in info.value.read()


def test_a_passkey_registered_while_the_clock_ran_ahead_moves_back_with_it(sandbox) -> None:
    """SANDBOX.md: what is stored with a time moves back with the clock (passkeys' CreatedAt, passkeys.py)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from cognito_mfa_kit.passkey import VirtualPasskey as SoftAuthenticator

    c = connect(endpoint_url=sandbox.endpoint_url).client
    pool = c.create_user_pool(PoolName=f"real-{uuid.uuid4().hex[:6]}", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
    c.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF",
                               WebAuthnConfiguration={"RelyingPartyId": "real.example.com"})
    app = c.create_user_pool_client(UserPoolId=pool, ClientName="a",
                                    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=pool, Username="bob", MessageAction="SUPPRESS")
    c.admin_set_user_password(UserPoolId=pool, Username="bob", Password=PASSWORD, Permanent=True)
    access = c.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD}
                                   )["AuthenticationResult"]["AccessToken"]
    _post(sandbox.endpoint_url + "/_sandbox/clock", {"advance": 1800, "pool": pool})  # within the access token's hour
    options = c.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    c.complete_web_authn_registration(AccessToken=access,
                                      Credential=SoftAuthenticator().create(options, "https://real.example.com"))
    ahead = c.list_web_authn_credentials(AccessToken=access)["Credentials"][0]["CreatedAt"].timestamp()
    assert ahead > time.time() + 1700
    _post(sandbox.endpoint_url + "/_sandbox/clock", {"reset": True, "pool": pool})
    back = c.list_web_authn_credentials(AccessToken=access)["Credentials"][0]["CreatedAt"].timestamp()
    assert abs(back - time.time()) < 120

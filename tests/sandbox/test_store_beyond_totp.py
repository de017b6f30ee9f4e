"""The store keeps what choice-based sign-in, email MFA, feature plans and passkeys add (real ``cognito-mfa-kit
sandbox --state FILE`` processes, stopped and started again), and every change is reported (``Store.audit()``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from test_store import PASSWORD, _user, sandbox_process

from cognito_mfa_kit.passkey import VirtualPasskey as SoftAuthenticator

SES = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/a@example.com"}
RP = "store.example.com"
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_plans_email_mfa_and_passkeys_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.sqlite3"
    authenticator = SoftAuthenticator()
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id = c.create_user_pool(PoolName="plans", UserPoolTier="PLUS", EmailConfiguration=SES, Policies={
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
        c.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                   EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
                                   WebAuthnConfiguration={"RelyingPartyId": RP, "UserVerification": "required",
                                                          "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
        client_id = c.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                              ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
        c.create_user_pool_domain(UserPoolId=pool_id, Domain="plans-store-test", ManagedLoginVersion=2)
        _user(c, pool_id, "alice")
        token = c.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
                                      )["AuthenticationResult"]["AccessToken"]
        options = c.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
        c.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options, f"https://{RP}"))
        c.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="alice",
                                        EmailMfaSettings={"Enabled": True, "PreferredMfa": True})

    with sandbox_process(path) as box:
        c = box.cognito
        pool = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["UserPoolTier"] == "PLUS"
        assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD", "WEB_AUTHN"]
        config = c.get_user_pool_mfa_config(UserPoolId=pool_id)
        assert config["EmailMfaConfiguration"] == {"Message": "Code {####}", "Subject": "Code"}
        assert config["WebAuthnConfiguration"]["RelyingPartyId"] == RP
        user = c.admin_get_user(UserPoolId=pool_id, Username="alice")
        assert user["UserMFASettingList"] == ["EMAIL_OTP"] and user["PreferredMfaSetting"] == "EMAIL_OTP"
        assert len(c.list_web_authn_credentials(AccessToken=token)["Credentials"]) == 1
        # the kept domain still counts as managed login v2: the pool can't move to Lite with it
        try:
            c.update_user_pool(UserPoolId=pool_id, UserPoolTier="LITE")
            raise AssertionError("moved to LITE with email MFA and managed login v2")
        except c.exceptions.FeatureUnavailableInTierException:
            pass
        # the passkey registered before the restart signs in after it (its key and sign count were kept)
        challenge = c.initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH",
                                    AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        request = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        answer = c.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="WEB_AUTHN", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "alice",
                                "CREDENTIAL": json.dumps(authenticator.get(request, f"https://{RP}"))})
        # alice has email MFA and has not turned passkey MFA on: the email code follows
        assert answer["ChallengeName"] == "EMAIL_OTP"


AUDIT_SCRIPT = textwrap.dedent("""
    import json, sys
    import boto3
    from cognito_mfa_kit.passkey import VirtualPasskey as SoftAuthenticator
    from cognito_mfa_kit.sandbox import Sandbox

    box = Sandbox.start(state_path=sys.argv[1])
    c = boto3.client("cognito-idp", endpoint_url=box.endpoint_url, region_name="us-east-1",
                     aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    ses = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/a@b.com"}
    pool = c.create_user_pool(PoolName="audit", EmailConfiguration=ses, Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]}})["UserPool"]["Id"]
    c.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                               EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
                               WebAuthnConfiguration={"RelyingPartyId": "audit.example.com"})
    client = c.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_USER_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    c.admin_create_user(UserPoolId=pool, Username="bob", TemporaryPassword="Correct-Horse-9!",
                        MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    c.admin_set_user_password(UserPoolId=pool, Username="bob", Password="Correct-Horse-9!", Permanent=True)
    select = c.initiate_auth(ClientId=client, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "bob"})
    otp = c.respond_to_auth_challenge(ClientId=client, ChallengeName="SELECT_CHALLENGE", Session=select["Session"],
                                      ChallengeResponses={"USERNAME": "bob", "ANSWER": "EMAIL_OTP"})
    from cognito_mfa_kit.sandbox.backend import backend_for
    code = [m["code"] for m in backend_for("us-east-1").outbox if m["username"] == "bob"][-1]
    token = c.respond_to_auth_challenge(ClientId=client, ChallengeName="EMAIL_OTP", Session=otp["Session"],
                                        ChallengeResponses={"USERNAME": "bob", "EMAIL_OTP_CODE": code}
                                        )["AuthenticationResult"]["AccessToken"]
    options = c.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    c.complete_web_authn_registration(AccessToken=token, Credential=SoftAuthenticator().create(
        options, "https://audit.example.com"))
    c.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    c.update_user_pool(UserPoolId=pool, UserPoolTier="PLUS", EmailConfiguration=ses)
    print(json.dumps([list(k) for k in box.store.audit()]))
    box.stop()
""")


def test_every_change_of_the_new_rules_is_reported(tmp_path: Path) -> None:
    """Store.audit() lists changes nobody reported: none (SANDBOX.md)."""
    done = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(tmp_path / "state.sqlite3")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

"""The AWS CLI twins of the new calls, run with the real AWS CLI against the sandbox server: feature plans
(--user-pool-tier), email MFA (--email-mfa-configuration, --email-mfa-settings), choice-based sign-in
(--auth-flow USER_AUTH, SELECT_CHALLENGE), (admin-)get-user-auth-factors, and the passkey calls
(start/complete-web-authn-registration, list-web-authn-credentials, delete-web-authn-credential,
--web-authn-mfa-settings). Sources: the service model the CLI is built from (reference §9)."""

from __future__ import annotations

import json
import subprocess

import pytest
from sandbox_helpers import PASSWORD, SES, email_code, unique

from cognito_mfa_kit.passkey import VirtualPasskey as SoftAuthenticator

pytestmark = pytest.mark.awscli


# Values given as --option=value: a session or credential id may begin with "-", which the CLI would read as an
# option (the kit's own CLI twins do the same, awscli.render_argument).


class Cli:
    def __init__(self, aws: str, env: dict[str, str], endpoint: str) -> None:
        self.aws, self.env, self.endpoint = aws, env, endpoint

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.aws, "cognito-idp", *argv, "--endpoint-url", self.endpoint, "--output", "json"],
                              env=self.env, capture_output=True, text=True, timeout=120)

    def ok(self, *argv: str) -> dict:
        done = self.run(*argv)
        assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture()
def cli(aws_cli, aws_cli_env, sandbox) -> Cli:
    return Cli(aws_cli, aws_cli_env, sandbox.endpoint_url)


def _ses_shorthand() -> str:
    return ",".join(f"{k}={v}" for k, v in SES.items())


def test_plans_and_email_mfa_with_the_cli(cli):
    lite = cli.ok("create-user-pool", "--pool-name", unique("cli"), "--user-pool-tier", "LITE",
                  "--email-configuration", _ses_shorthand())["UserPool"]
    assert lite["UserPoolTier"] == "LITE"
    refused = cli.run("set-user-pool-mfa-config", "--user-pool-id", lite["Id"], "--mfa-configuration", "OPTIONAL",
                      "--email-mfa-configuration", json.dumps({"Message": "Code {####}", "Subject": "Code"}))
    assert refused.returncode in (254, 255) and "FeatureUnavailableInTierException" in refused.stderr, refused.stderr

    pool = cli.ok("create-user-pool", "--pool-name", unique("cli"), "--email-configuration", _ses_shorthand(),
                  "--policies", json.dumps({"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}))["UserPool"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    answer = cli.ok("set-user-pool-mfa-config", "--user-pool-id", pool["Id"], "--mfa-configuration", "OPTIONAL",
                    "--software-token-mfa-configuration", "Enabled=true",
                    "--email-mfa-configuration",
                    json.dumps({"Message": "Your code is {####}", "Subject": "Your code"}))  # shorthand: { is a map)
    assert answer["EmailMfaConfiguration"] == {"Message": "Your code is {####}", "Subject": "Your code"}
    assert cli.ok("get-user-pool-mfa-config", "--user-pool-id", pool["Id"])["EmailMfaConfiguration"]["Subject"] \
        == "Your code"


def test_choice_based_sign_in_with_email_mfa_with_the_cli(cli, sandbox):
    pool_id = cli.ok("create-user-pool", "--pool-name", unique("cli"), "--email-configuration",
                     _ses_shorthand())["UserPool"]["Id"]
    cli.ok("set-user-pool-mfa-config", "--user-pool-id", pool_id, "--mfa-configuration", "OPTIONAL",
           "--email-mfa-configuration", json.dumps({"Message": "Code {####}", "Subject": "Code"}))
    client_id = cli.ok("create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli",
                       "--explicit-auth-flows", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"
                       )["UserPoolClient"]["ClientId"]
    cli.ok("admin-create-user", "--user-pool-id", pool_id, "--username", "bob", "--message-action", "SUPPRESS",
           "--user-attributes", "Name=email,Value=bob@example.com")
    cli.ok("admin-set-user-password", "--user-pool-id", pool_id, "--username", "bob", "--password", PASSWORD,
           "--permanent")
    assert cli.ok("admin-set-user-mfa-preference", "--user-pool-id", pool_id, "--username", "bob",
                  "--email-mfa-settings", "Enabled=true,PreferredMfa=true") == {}

    select = cli.ok("initiate-auth", "--client-id", client_id, "--auth-flow", "USER_AUTH",
                    "--auth-parameters", "USERNAME=bob")
    assert select["ChallengeName"] == "SELECT_CHALLENGE"
    assert select["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    otp = cli.ok("respond-to-auth-challenge", "--client-id", client_id, "--challenge-name", "SELECT_CHALLENGE",
                 f"--session={select['Session']}",
                 "--challenge-responses", f"USERNAME=bob,ANSWER=PASSWORD,PASSWORD={PASSWORD}")
    assert otp["ChallengeName"] == "EMAIL_OTP" and otp["Session"] != select["Session"]
    code = email_code(sandbox, type("P", (), {"id": pool_id})(), "bob")
    done = cli.ok("respond-to-auth-challenge", "--client-id", client_id, "--challenge-name", "EMAIL_OTP",
                  f"--session={otp['Session']}", "--challenge-responses", f"USERNAME=bob,EMAIL_OTP_CODE={code}")
    token = done["AuthenticationResult"]["AccessToken"]
    factors = cli.ok("get-user-auth-factors", "--access-token", token)
    assert factors["UserMFASettingList"] == ["EMAIL_OTP"] and factors["PreferredMfaSetting"] == "EMAIL_OTP"
    assert cli.ok("admin-get-user-auth-factors", "--user-pool-id", pool_id, "--username", "bob") == factors


def test_passkey_calls_with_the_cli(cli):
    rp = "cli.example.com"
    pool_id = cli.ok("create-user-pool", "--pool-name", unique("cli"), "--policies", json.dumps(
        {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}))["UserPool"]["Id"]
    shown = cli.ok("set-user-pool-mfa-config", "--user-pool-id", pool_id, "--mfa-configuration", "OFF",
                   "--web-authn-configuration", f"RelyingPartyId={rp},UserVerification=required")
    assert shown["WebAuthnConfiguration"]["RelyingPartyId"] == rp
    client_id = cli.ok("create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli",
                       "--explicit-auth-flows", "ALLOW_USER_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"
                       )["UserPoolClient"]["ClientId"]
    cli.ok("admin-create-user", "--user-pool-id", pool_id, "--username", "ann", "--message-action", "SUPPRESS")
    cli.ok("admin-set-user-password", "--user-pool-id", pool_id, "--username", "ann", "--password", PASSWORD,
           "--permanent")
    token = cli.ok("admin-initiate-auth", "--user-pool-id", pool_id, "--client-id", client_id, "--auth-flow",
                   "ADMIN_USER_PASSWORD_AUTH", "--auth-parameters", f"USERNAME=ann,PASSWORD={PASSWORD}"
                   )["AuthenticationResult"]["AccessToken"]
    options = cli.ok("start-web-authn-registration", "--access-token", token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == rp
    credential = SoftAuthenticator().create(options, f"https://{rp}")
    assert cli.ok("complete-web-authn-registration", "--access-token", token,
                  "--credential", json.dumps(credential)) == {}
    listed = cli.ok("list-web-authn-credentials", "--access-token", token)["Credentials"]
    assert [c["CredentialId"] for c in listed] == [credential["id"]]
    refused = cli.run("set-user-mfa-preference", "--access-token", token, "--web-authn-mfa-settings", "Enabled=true")
    assert refused.returncode in (254, 255) and "InvalidParameterException" in refused.stderr
    assert cli.ok("delete-web-authn-credential", "--access-token", token, f"--credential-id={credential['id']}") == {}
    assert cli.ok("list-web-authn-credentials", "--access-token", token)["Credentials"] == []

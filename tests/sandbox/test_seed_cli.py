"""The seed article's AWS CLI commands, run with the real AWS CLI against the sandbox server.

The commands are read from the article itself; only the values it shows as placeholders (token, code, pool, client,
session) are replaced by live ones. A wrong code fails as it does on AWS: EnableSoftwareTokenMFAException, exit 254.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import boto3
import pyotp
import pytest
from sandbox_helpers import unique

pytestmark = pytest.mark.awscli

SEED_DIR = Path(os.environ.get("COGNITO_MFA_KIT_SEED", "/work/shared/seed"))
USERNAME, PASSWORD = "Bob", "P@ssw0rd"  # as in the seed


def _seed_commands() -> dict[str, list[str]]:
    """The article's `aws cognito-idp ...` commands, by sub-command."""
    commands: dict[str, list[str]] = {}
    for path in sorted(SEED_DIR.glob("*.txt")):
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("aws cognito-idp "):
                argv = shlex.split(line)
                commands.setdefault(argv[2], argv)
    return commands


def _with(argv: list[str], **values: str) -> list[str]:
    """``argv`` with the value after each ``--option`` in ``values`` replaced (option names with '_' for '-')."""
    out = list(argv)
    for option, value in values.items():
        flag = "--" + option.replace("_", "-")
        assert flag in out, f"the seed's command has no {flag}: {argv}"
        out[out.index(flag) + 1] = value
    return out


def _shorthand(text: str, **values: str) -> str:
    """``KEY=value,...`` shorthand with some values replaced."""
    pairs = dict(part.split("=", 1) for part in text.split(","))
    pairs.update(values)
    return ",".join(f"{k}={v}" for k, v in pairs.items())


class Cli:
    def __init__(self, aws: str, env: dict[str, str], endpoint: str) -> None:
        self.aws, self.env, self.endpoint = aws, env, endpoint

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        assert argv[0] == "aws"
        return subprocess.run(
            [self.aws, *argv[1:], "--endpoint-url", self.endpoint, "--output", "json"],
            env=self.env, capture_output=True, text=True, timeout=120,
        )

    def ok(self, argv: list[str]) -> dict:
        done = self.run(argv)
        assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture()
def cli(aws_cli, aws_cli_env, sandbox) -> Cli:
    return Cli(aws_cli, aws_cli_env, sandbox.endpoint_url)


@pytest.fixture()
def bob(sandbox):
    """A pool like the article's: TOTP on (MFA optional), an app client with ADMIN_USER_PASSWORD_AUTH, user Bob."""
    cognito = boto3.client("cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
                           aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    pool_id = cognito.create_user_pool(PoolName=unique("seed"))["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="seed", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                   "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username=USERNAME, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True)
    return cognito, pool_id, client_id


def test_seed_article_commands_against_the_sandbox(cli, bob, sandbox):
    cognito, pool_id, client_id = bob
    seed = _seed_commands()
    assert {"associate-software-token", "verify-software-token", "set-user-mfa-preference",
            "admin-set-user-mfa-preference", "admin-initiate-auth", "admin-respond-to-auth-challenge"} <= set(seed)

    # The article starts from a signed-in user's access token.
    token = cognito.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]

    # 1. associate-software-token
    secret = cli.ok(_with(seed["associate-software-token"], access_token=token))["SecretCode"]
    assert len(secret) == 52
    totp = pyotp.TOTP(secret)

    # 7. verify-software-token: a wrong code first, as a trainee might type it ...
    right = totp.at(sandbox.now())
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    failed = cli.run(_with(seed["verify-software-token"], access_token=token, user_code=wrong))
    assert failed.returncode in (254, 255), failed.stderr
    assert "EnableSoftwareTokenMFAException" in failed.stderr, failed.stderr
    assert "Code mismatch and fail enable Software Token MFA" in failed.stderr
    # ... then the right one.
    verified = cli.ok(_with(seed["verify-software-token"], access_token=token, user_code=right))
    assert verified["Status"] == "SUCCESS"

    # 8. set-user-mfa-preference and admin-set-user-mfa-preference (shorthand Enabled=true,PreferredMfa=true).
    assert "Enabled=true,PreferredMfa=true" in seed["set-user-mfa-preference"]
    assert cli.ok(_with(seed["set-user-mfa-preference"], access_token=token)) == {}
    assert cli.ok(_with(seed["admin-set-user-mfa-preference"], user_pool_id=pool_id, username=USERNAME)) == {}
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=USERNAME)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    # 9. admin-initiate-auth → SOFTWARE_TOKEN_MFA.
    argv = seed["admin-initiate-auth"]
    params = argv[argv.index("--auth-parameters") + 1]
    assert params == f"USERNAME={USERNAME},PASSWORD={PASSWORD}"
    challenge = cli.ok(_with(argv, user_pool_id=pool_id, client_id=client_id))
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == USERNAME
    assert challenge["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "BobPhone"

    # admin-respond-to-auth-challenge with the next step's code → tokens.
    sandbox.advance_clock(30)
    argv = seed["admin-respond-to-auth-challenge"]
    responses = _shorthand(argv[argv.index("--challenge-responses") + 1],
                           SOFTWARE_TOKEN_MFA_CODE=totp.at(sandbox.now()))
    result = cli.ok(_with(argv, user_pool_id=pool_id, client_id=client_id, challenge_responses=responses,
                          session=challenge["Session"]))
    tokens = result["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(tokens)
    assert tokens["TokenType"] == "Bearer"
    assert cognito.get_user(AccessToken=tokens["AccessToken"])["Username"] == USERNAME


def test_cli_wrong_code_at_sign_in(cli, bob, sandbox):
    """The article's respond command with a wrong code fails with CodeMismatchException, exit 254."""
    cognito, pool_id, client_id = bob
    token = cognito.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    cognito.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).at(sandbox.now()))
    cognito.set_user_mfa_preference(AccessToken=token,
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    seed = _seed_commands()
    challenge = cli.ok(_with(seed["admin-initiate-auth"], user_pool_id=pool_id, client_id=client_id))
    sandbox.advance_clock(30)
    right = pyotp.TOTP(secret).at(sandbox.now())
    wrong = "123456" if right != "123456" else "654321"
    argv = seed["admin-respond-to-auth-challenge"]
    responses = _shorthand(argv[argv.index("--challenge-responses") + 1], SOFTWARE_TOKEN_MFA_CODE=wrong)
    failed = cli.run(_with(argv, user_pool_id=pool_id, client_id=client_id, challenge_responses=responses,
                           session=challenge["Session"]))
    assert failed.returncode in (254, 255), failed.stderr
    assert "CodeMismatchException" in failed.stderr, failed.stderr

"""`classroom status`: the trainer's view of a live class, after scripted trainees stopped at different steps.

On a sandbox that requires credentials (each trainee signs with the key from their row, as in a class), and on a
stubbed AWS with and without threat protection (what can't be known is said, not guessed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pyotp
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from cognito_mfa_kit import classroom_status
from cognito_mfa_kit.classroom_sheet import Trainee, read_sheet
from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.ratelimit import QuotaCaller, RateLimiter

REGION = "us-east-1"
NEW_PASSWORD = "Trainee-Chosen-9!"


@pytest.fixture()
def class_sandbox(tmp_path: Path):
    creds = tmp_path / "trainer.ini"
    proc = subprocess.Popen([*child_command("cognito_mfa_kit", "sandbox", "--port", "0"),
                             "--require-credentials", "--credentials-file", str(creds)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    proc.stdout.readline()
    env = {**os.environ, "AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": os.devnull,
           "AWS_PROFILE": "cmk-trainer", "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_ACCESS_KEY_ID", None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    yield url, env
    proc.terminate()
    proc.wait(timeout=15)


def _cli(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "classroom", *args], env=env,
                          capture_output=True, text=True, timeout=300)


class Trainee_:
    """One trainee at their laptop: their own key, their own pool."""

    def __init__(self, url: str, row: Trainee) -> None:
        self.row = row
        self.c = boto3.client("cognito-idp", endpoint_url=url, region_name=REGION,
                              aws_access_key_id=row.aws_access_key_id, aws_secret_access_key=row.aws_secret_access_key)
        self.token = ""
        self.secret = ""

    def sign_in(self, password: str = NEW_PASSWORD) -> dict:
        return self.c.initiate_auth(ClientId=self.row.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": self.row.username, "PASSWORD": password})

    def first_sign_in(self) -> None:
        challenge = self.sign_in(self.row.temporary_password)
        assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        done = self.c.respond_to_auth_challenge(
            ClientId=self.row.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": self.row.username, "NEW_PASSWORD": NEW_PASSWORD})
        self.token = done["AuthenticationResult"]["AccessToken"]

    def associate(self) -> None:
        self.secret = self.c.associate_software_token(AccessToken=self.token)["SecretCode"]

    def verify(self, offset: int = -1) -> None:
        code = pyotp.TOTP(self.secret).now() if offset == 0 else pyotp.TOTP(self.secret).at(
            dt.datetime.now(dt.UTC).timestamp(), counter_offset=offset)
        assert self.c.verify_software_token(AccessToken=self.token, UserCode=code)["Status"] == "SUCCESS"

    def prefer(self) -> None:
        self.c.set_user_mfa_preference(AccessToken=self.token,
                                       SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})


def _wrong(secret: str) -> str:
    """A code no step near now has."""
    totp, now = pyotp.TOTP(secret), dt.datetime.now(dt.UTC).timestamp()
    near = {totp.at(now, counter_offset=o) for o in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in near)


def test_status_reports_each_trainee_exactly(class_sandbox, tmp_path: Path) -> None:
    url, env = class_sandbox
    sheet = tmp_path / "class.csv"
    made = _cli(env, "provision", "--count", "6", "--pool-per-trainee", "--endpoint-url", url, "--out", str(sheet),
                "--no-progress")
    assert made.returncode == 0, made.stderr
    rows = sorted(read_sheet(sheet), key=lambda r: r.username)
    t = [Trainee_(url, r) for r in rows]
    for trainee in t[1:]:
        trainee.first_sign_in()
        pool_admin = trainee.c
        pool_admin.set_user_pool_mfa_config(UserPoolId=trainee.row.pool_id, MfaConfiguration="OPTIONAL",
                                            SoftwareTokenMfaConfiguration={"Enabled": True})
    # t[0]: nothing yet. t[1]: signed in only. t[2]: associated. t[3]: a wrong code, then verified.
    t[2].associate()
    t[3].associate()
    with pytest.raises(ClientError) as info:
        t[3].c.verify_software_token(AccessToken=t[3].token, UserCode=_wrong(t[3].secret))
    assert info.value.response["Error"]["Code"] == "EnableSoftwareTokenMFAException"
    t[3].verify()
    # t[4]: preferred. t[5]: preferred, then a TOTP sign-in (a wrong code first).
    for trainee in t[4:]:
        trainee.associate()
        trainee.verify()
        trainee.prefer()
    challenge = t[5].sign_in()
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(ClientError):
        t[5].c.respond_to_auth_challenge(ClientId=t[5].row.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
                                         Session=challenge["Session"], ChallengeResponses={
                                             "USERNAME": t[5].row.username,
                                             "SOFTWARE_TOKEN_MFA_CODE": _wrong(t[5].secret)})
    t[5].c.respond_to_auth_challenge(ClientId=t[5].row.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
                                     Session=challenge["Session"], ChallengeResponses={
                                         "USERNAME": t[5].row.username,
                                         "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(t[5].secret).now()})

    done = _cli(env, "status", "--sheet", str(sheet), "--endpoint-url", url, "--json")
    assert done.returncode == 0, done.stderr
    report = {r["username"]: r for r in json.loads(done.stdout)}
    assert set(next(iter(report.values()))) == set(classroom_status.JSON_KEYS)
    expect = {  # username: (enrolled, verified, totp_enabled, preferred, step)
        rows[0].username: (False, False, False, False, 0),
        rows[1].username: (False, False, False, False, 0),
        rows[2].username: (True, False, False, False, 1),
        rows[3].username: (True, True, False, False, 7),
        rows[4].username: (True, True, True, True, 8),
        rows[5].username: (True, True, True, True, 9),
    }
    for name, (enrolled, verified, enabled, preferred, step) in expect.items():
        r = report[name]
        assert (r["enrolled"], r["verified"], r["totp_enabled"], r["preferred"], r["step"]) == (
            enrolled, verified, enabled, preferred, step), name
    assert report[rows[5].username]["mfa_sign_in_at"] and not report[rows[4].username]["mfa_sign_in_at"]
    assert report[rows[3].username]["last_error"]["code"] == "EnableSoftwareTokenMFAException"
    assert report[rows[3].username]["last_error"]["operation"] == "VerifySoftwareToken"
    assert report[rows[5].username]["last_error"]["code"] == "CodeMismatchException"
    assert report[rows[0].username]["last_error"] is None

    table = _cli(env, "status", "--sheet", str(sheet), "--endpoint-url", url)
    assert table.returncode == 0, table.stderr
    assert "6 trainees: 2 at step 0, 1 at step 1, 1 at step 7, 1 at step 8, 1 at step 9." in table.stdout
    assert "EnableSoftwareTokenMFAException (VerifySoftwareToken)" in table.stdout


def test_a_trainee_key_sees_only_its_own_row(class_sandbox, tmp_path: Path) -> None:
    url, env = class_sandbox
    sheet = tmp_path / "class.csv"
    assert _cli(env, "provision", "--count", "2", "--endpoint-url", url, "--out", str(sheet),
                "--no-progress").returncode == 0
    alice, _bob = read_sheet(sheet)
    as_alice = {**env, "AWS_ACCESS_KEY_ID": alice.aws_access_key_id,
                "AWS_SECRET_ACCESS_KEY": alice.aws_secret_access_key}
    as_alice.pop("AWS_PROFILE")
    done = _cli(as_alice, "status", "--sheet", str(sheet), "--endpoint-url", url, "--json")
    assert done.returncode == 0, done.stderr
    seen = {r["username"]: r["step"] for r in json.loads(done.stdout)}
    assert seen == {alice.username: 0, _bob.username: 0}
    table = _cli(as_alice, "status", "--sheet", str(sheet), "--endpoint-url", url)
    assert "no such user on the target" in table.stdout  # bob's row: not alice's to see


# ---------------------------------------------------------------------------------------------------- AWS
def _stubbed(with_events: bool):
    client = boto3.client("cognito-idp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    pool = "us-east-1_AwsPool01"
    add_ons = {"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}} if with_events else {}
    stub.add_response("describe_user_pool", {"UserPool": {"Id": pool, **add_ons}}, {"UserPoolId": pool})
    stub.add_response("admin_get_user", {"Username": "ann", "UserStatus": "CONFIRMED",
                                         "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
                                         "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"},
                      {"UserPoolId": pool, "Username": "ann"})
    if with_events:
        when = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
        stub.add_response("admin_list_user_auth_events", {"AuthEvents": [
            {"EventId": "e2", "EventType": "SignIn", "CreationDate": when, "EventResponse": "Pass",
             "ChallengeResponses": [{"ChallengeName": "Password", "ChallengeResponse": "Success"},
                                    {"ChallengeName": "Mfa", "ChallengeResponse": "Success"}]},
            {"EventId": "e1", "EventType": "SignIn", "CreationDate": when, "EventResponse": "Fail",
             "ChallengeResponses": [{"ChallengeName": "Mfa", "ChallengeResponse": "Failure"}]},
        ]}, {"UserPoolId": pool, "Username": "ann", "MaxResults": 10})
    stub.add_response("admin_get_user", {"Username": "ben", "UserStatus": "CONFIRMED", "UserMFASettingList": []},
                      {"UserPoolId": pool, "Username": "ben"})
    if with_events:
        stub.add_response("admin_list_user_auth_events", {"AuthEvents": []},
                          {"UserPoolId": pool, "Username": "ben", "MaxResults": 10})
    stub.activate()
    rows = [Trainee(name, "", pool, "client", REGION) for name in ("ann", "ben")]
    return client, stub, rows


def test_on_aws_without_threat_protection_it_says_what_it_cannot_know() -> None:
    client, stub, rows = _stubbed(with_events=False)
    report = classroom_status._from_aws(QuotaCaller(client, RateLimiter(headroom=0.2)), rows)
    stub.assert_no_pending_responses()
    ann, ben = report.trainees
    assert (ann.totp_enabled, ann.preferred, ann.step) == (True, True, 8)
    assert (ben.enrolled, ben.verified, ben.totp_enabled, ben.step) == (None, None, False, 0)
    assert ann.mfa_sign_in_at is None
    text = report.table()
    assert "Without threat protection" in text and "can't be known" in text
    assert "?" in text.splitlines()[3]  # ben's unknowns shown as '?'


def test_on_aws_with_threat_protection_sign_ins_come_from_the_auth_events() -> None:
    client, stub, rows = _stubbed(with_events=True)
    report = classroom_status._from_aws(QuotaCaller(client, RateLimiter(headroom=0.2)), rows)
    stub.assert_no_pending_responses()
    ann = report.trainees[0]
    assert ann.step == 9 and ann.mfa_sign_in_at == dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC).timestamp()
    assert ann.last_error["code"] == "Mfa failed"
    assert not any("Without threat protection" in n for n in report.notes)


def test_the_aws_view_is_paced_well_below_the_quota() -> None:
    limiter = RateLimiter(headroom=classroom_status.AWS_HEADROOM)
    assert limiter.rate("AdminGetUser") == pytest.approx(120 * 0.2)
    assert limiter.rate("AdminListUserAuthEvents") == pytest.approx(50 * 0.2)

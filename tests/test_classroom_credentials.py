"""`classroom provision` on a sandbox that requires credentials: each trainee gets a key of their own on the sheet,
which reaches their own pool (or their own user in the shared pool) and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit.classroom_sheet import read_sheet
from cognito_mfa_kit.lifetime import child_command

REGION = "us-east-1"


@pytest.fixture()
def shared_sandbox(tmp_path: Path):
    """`cognito-mfa-kit sandbox --require-credentials` as a child: (url, environment signing as the trainer)."""
    creds = tmp_path / "trainer.ini"
    proc = subprocess.Popen([*child_command("cognito_mfa_kit", "sandbox", "--port", "0"),
                             "--require-credentials", "--credentials-file", str(creds)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert proc.stdout.readline().strip() == str(creds)
    env = {**os.environ, "AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": os.devnull,
           "AWS_PROFILE": "cmk-trainer", "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_ACCESS_KEY_ID", None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    yield url, env
    proc.terminate()
    proc.wait(timeout=15)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "classroom", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _as(url: str, row) -> object:
    return boto3.client("cognito-idp", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=row.aws_access_key_id, aws_secret_access_key=row.aws_secret_access_key)


def _denied(call) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def test_pool_per_trainee_keys_reach_their_own_pool_only(shared_sandbox, tmp_path: Path) -> None:
    url, env = shared_sandbox
    sheet = tmp_path / "class.csv"
    made = _cli(env, "provision", "--count", "3", "--pool-per-trainee", "--endpoint-url", url, "--out", str(sheet),
                "--no-progress")
    assert made.returncode == 0, made.stderr
    assert "3 trainee key(s) written to the sheet" in made.stdout
    rows = read_sheet(sheet)
    assert len({r.aws_access_key_id for r in rows}) == 3 and all(r.aws_secret_access_key for r in rows)
    assert oct(sheet.stat().st_mode & 0o777) == "0o600"
    first, second = _as(url, rows[0]), rows[1]
    assert first.admin_get_user(UserPoolId=rows[0].pool_id, Username=rows[0].username)["Username"] == "trainee-001"
    first.set_user_pool_mfa_config(UserPoolId=rows[0].pool_id, MfaConfiguration="OPTIONAL",
                                   SoftwareTokenMfaConfiguration={"Enabled": True})  # their own pool: anything
    assert _denied(lambda: first.admin_get_user(UserPoolId=second.pool_id, Username=second.username)) == \
        "AccessDeniedException"
    assert {p["Id"] for p in first.list_user_pools(MaxResults=60)["UserPools"]} == {rows[0].pool_id}

    again = _cli(env, "provision", "--count", "3", "--pool-per-trainee", "--endpoint-url", url, "--out", str(sheet),
                 "--no-progress")
    assert again.returncode == 0, again.stderr
    assert [r.aws_access_key_id for r in read_sheet(sheet)] == [r.aws_access_key_id for r in rows]  # kept


def test_shared_pool_keys_reach_their_own_user_only(shared_sandbox, tmp_path: Path) -> None:
    url, env = shared_sandbox
    sheet = tmp_path / "class.csv"
    made = _cli(env, "provision", "--count", "2", "--endpoint-url", url, "--out", str(sheet), "--no-progress")
    assert made.returncode == 0, made.stderr
    alice, bob = read_sheet(sheet)
    assert alice.pool_id == bob.pool_id
    as_alice = _as(url, alice)
    assert as_alice.admin_get_user(UserPoolId=alice.pool_id, Username=alice.username)["UserStatus"] == \
        "FORCE_CHANGE_PASSWORD"
    assert _denied(lambda: as_alice.admin_get_user(UserPoolId=bob.pool_id, Username=bob.username)) == \
        "AccessDeniedException"
    assert _denied(lambda: as_alice.admin_set_user_password(
        UserPoolId=bob.pool_id, Username=bob.username, Password="Taken-Over-99!", Permanent=True)) == \
        "AccessDeniedException"
    assert _denied(lambda: as_alice.delete_user_pool(UserPoolId=alice.pool_id)) == "AccessDeniedException"
    down = _cli(env, "teardown", "--endpoint-url", url, "--out", str(sheet))
    assert down.returncode == 0, down.stderr
    assert not sheet.exists()

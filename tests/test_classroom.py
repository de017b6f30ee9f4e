"""Classroom provisioning: exactly one user per trainee under throttling, resumable, a true sheet, teardown."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cognito_mfa_kit import classroom
from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.naming import TAG_KEY
from cognito_mfa_kit.ratelimit import Backoff, QuotaCaller
from cognito_mfa_kit.sandbox.faults import Faults, install


class Stop(Exception):
    """Stands for an interruption (Ctrl-C, a lost laptop lid, a crash)."""


def _run_id() -> str:
    return f"c{uuid.uuid4().hex[:8]}"


def _client(url: str):
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=32),
    )


def _all_users(cognito, pool_id: str) -> list[str]:
    names: list[str] = []
    kwargs: dict = {"UserPoolId": pool_id, "Limit": 60}
    while True:
        page = cognito.list_users(**kwargs)
        names += [u["Username"] for u in page["Users"]]
        if not page.get("PaginationToken"):
            return names
        kwargs["PaginationToken"] = page["PaginationToken"]


def _signs_in_with(cognito, trainee: classroom.Trainee) -> str:
    """The challenge a trainee meets with the sheet's password (NEW_PASSWORD_REQUIRED if the sheet is true)."""
    answer = cognito.initiate_auth(
        ClientId=trainee.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": trainee.username, "PASSWORD": trainee.temporary_password},
    )
    return answer.get("ChallengeName", "")


@pytest.fixture()
def caller(sandbox) -> QuotaCaller:
    return QuotaCaller(_client(sandbox.endpoint_url), backoff=Backoff(base=0.01, cap=0.2))


# -- pieces -------------------------------------------------------------------------------------------------------
def test_usernames_and_passwords() -> None:
    assert classroom.usernames_for_count(3) == ["trainee-001", "trainee-002", "trainee-003"]
    assert classroom.usernames_for_count(1000)[-1] == "trainee-1000"
    with pytest.raises(ValueError):
        classroom.usernames_for_count(0)
    passwords = {classroom.temporary_password() for _ in range(200)}
    assert len(passwords) == 200
    for p in passwords:
        assert len(p) >= 8 and any(c.islower() for c in p) and any(c.isupper() for c in p)
        assert any(c.isdigit() for c in p) and any(not c.isalnum() for c in p)


def test_roster_formats(tmp_path: Path) -> None:
    with_header = tmp_path / "a.csv"
    with_header.write_text("email,username\nada@example.com,ada\nbob@example.com,bob\n")
    assert classroom.read_roster(with_header) == ["ada", "bob"]
    plain = tmp_path / "b.csv"
    plain.write_text("ada\n\nbob\n")
    assert classroom.read_roster(plain) == ["ada", "bob"]
    twice = tmp_path / "c.csv"
    twice.write_text("username\nada\nada\n")
    with pytest.raises(ValueError, match="more than once"):
        classroom.read_roster(twice)
    bad = tmp_path / "d.csv"
    bad.write_text("username\nhas space?\n")
    with pytest.raises(ValueError, match="not valid"):
        classroom.read_roster(bad)


# -- provisioning ---------------------------------------------------------------------------------------------------
def test_shared_pool_sheet_is_true_and_private(sandbox, cognito, caller, tmp_path: Path) -> None:
    run = _run_id()
    sheet = tmp_path / "sheet.csv"
    report = classroom.provision(caller, classroom.usernames_for_count(5), sheet, run_id=run, region="us-east-1",
                                 endpoint_url=sandbox.endpoint_url, progress=False)
    assert (report.created, report.existed, report.pools_created) == (5, 0, 1)
    assert stat.S_IMODE(os.stat(sheet).st_mode) == 0o600
    rows = classroom.read_sheet(sheet)
    assert [r.username for r in sorted(rows, key=lambda r: r.username)] == classroom.usernames_for_count(5)
    assert len({r.pool_id for r in rows}) == 1 and rows[0].endpoint_url == sandbox.endpoint_url
    pool = cognito.describe_user_pool(UserPoolId=rows[0].pool_id)["UserPool"]
    assert pool["UserPoolTags"] == {TAG_KEY: run} and pool["Name"] == classroom.pool_name(run)
    assert cognito.get_user_pool_mfa_config(UserPoolId=rows[0].pool_id)["SoftwareTokenMfaConfiguration"]["Enabled"]
    assert all(_signs_in_with(cognito, r) == "NEW_PASSWORD_REQUIRED" for r in rows)


def test_pool_per_trainee(sandbox, cognito, caller, tmp_path: Path) -> None:
    run = _run_id()
    sheet = tmp_path / "sheet.csv"
    classroom.provision(caller, ["ada", "bob", "cyd"], sheet, run_id=run, region="us-east-1",
                        shared_pool=False, progress=False)
    rows = classroom.read_sheet(sheet)
    assert len({r.pool_id for r in rows}) == 3 and len({r.client_id for r in rows}) == 3
    for r in rows:
        assert _all_users(cognito, r.pool_id) == [r.username]
        name = cognito.describe_user_pool(UserPoolId=r.pool_id)["UserPool"]["Name"]
        assert name == classroom.pool_name(run, r.username)
        assert _signs_in_with(cognito, r) == "NEW_PASSWORD_REQUIRED"


def test_interrupted_then_resumed_ends_complete_without_duplicates(sandbox, cognito, caller, tmp_path) -> None:
    run = _run_id()
    names = classroom.usernames_for_count(30)
    sheet = tmp_path / "sheet.csv"
    seen: list[str] = []

    def crash_after_10(trainee: classroom.Trainee) -> None:
        seen.append(trainee.username)
        if len(seen) == 10:
            raise Stop

    with pytest.raises(Stop):
        classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", workers=4, progress=False,
                            on_trainee=crash_after_10)
    first = {r.username: r for r in classroom.read_sheet(sheet)}
    assert len(first) == 10
    pool_id = next(iter(first.values())).pool_id
    # the run also stopped between creating a user and writing its row
    cognito.admin_create_user(UserPoolId=pool_id, Username="trainee-030", MessageAction="SUPPRESS",
                              TemporaryPassword="Lost-Passw0rd!")

    report = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", workers=4, progress=False)
    assert report.already_on_sheet == 10 and report.pools_created == 0
    assert report.existed >= 1 and report.created + report.existed == 20
    rows = classroom.read_sheet(sheet)
    assert Counter(r.username for r in rows) == Counter(names)  # each exactly once
    assert sorted(_all_users(cognito, pool_id)) == names
    again = {r.username: r for r in rows}
    assert all(again[n] == first[n] for n in first)  # rows already handed out did not change
    # the user found without a row got a fresh temporary password, and the sheet has it
    assert again["trainee-030"].temporary_password != "Lost-Passw0rd!"
    assert _signs_in_with(cognito, again["trainee-030"]) == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError):
        _signs_in_with(cognito, classroom.Trainee("trainee-030", "Lost-Passw0rd!", pool_id, rows[0].client_id, ""))
    # a third run finds nothing to do
    third = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", progress=False)
    assert third.already_on_sheet == 30 and third.stats.sent == report.stats.sent  # no new call
    assert len(classroom.read_sheet(sheet)) == 30


def test_interrupted_between_pool_and_client_resumes_in_the_same_pool(cognito, caller, tmp_path) -> None:
    run = _run_id()
    # a previous run got as far as the pool (tagged) and nothing else
    pool_id = cognito.create_user_pool(PoolName=classroom.pool_name(run), UserPoolTags={TAG_KEY: run})["UserPool"]["Id"]
    report = classroom.provision(caller, ["ada"], tmp_path / "s.csv", run_id=run, region="us-east-1", progress=False)
    assert report.pools_created == 0
    [row] = classroom.read_sheet(tmp_path / "s.csv")
    assert row.pool_id == pool_id
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["SoftwareTokenMfaConfiguration"]["Enabled"]


def test_untagged_pool_with_the_same_name_is_not_used(cognito, caller, tmp_path) -> None:
    run = _run_id()
    foreign = cognito.create_user_pool(PoolName=classroom.pool_name(run))["UserPool"]["Id"]
    classroom.provision(caller, ["ada"], tmp_path / "s.csv", run_id=run, region="us-east-1", progress=False)
    [row] = classroom.read_sheet(tmp_path / "s.csv")
    assert row.pool_id != foreign and _all_users(cognito, foreign) == []


def test_hundred_trainees_under_throttling_in_process(sandbox, cognito, tmp_path) -> None:
    """The same claim as the subprocess test below, with the hook on an in-process app (seeded)."""
    from cognito_mfa_kit.sandbox import Sandbox

    box = Sandbox.start()
    faults = install(box.server.app, Faults(throttle_rate=0.3, seed=11))
    try:
        run = _run_id()
        caller = QuotaCaller(_client(box.endpoint_url), backoff=Backoff(base=0.01, cap=0.2))
        report = classroom.provision(caller, classroom.usernames_for_count(100), tmp_path / "s.csv", run_id=run,
                                     region="us-east-1", progress=False)
        rows = classroom.read_sheet(tmp_path / "s.csv")
        assert Counter(r.username for r in rows) == Counter(classroom.usernames_for_count(100))
        assert sorted(_all_users(cognito, rows[0].pool_id)) == classroom.usernames_for_count(100)
        assert faults.counts["throttled"] > 0 and report.stats.throttled == faults.counts["throttled"]
    finally:
        box.stop()


# -- the real command, against a real throttling sandbox server ----------------------------------------------------
@pytest.fixture()
def throttling_sandbox() -> Iterator[str]:
    proc = subprocess.Popen(
        child_command("cognito_mfa_kit", "sandbox", "--throttle-rate", "0.3", "--fault-seed", "5"),  # ends with us
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "classroom", *args], capture_output=True,
                          text=True, timeout=240, env=env)


def test_cli_hundred_trainees_under_throttle_rate_then_teardown(throttling_sandbox: str, tmp_path: Path) -> None:
    sheet = tmp_path / "class.csv"
    done = _cli("provision", "--count", "100", "--endpoint-url", throttling_sandbox, "--out", str(sheet),
                "--run-id", "cls", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "100 trainees" in done.stdout and "throttled and retried" in done.stdout
    rows = classroom.read_sheet(sheet)
    assert Counter(r.username for r in rows) == Counter(classroom.usernames_for_count(100))
    assert stat.S_IMODE(os.stat(sheet).st_mode) == 0o600

    plain = _client(throttling_sandbox)  # the server throttles this one too: retry by hand, politely
    caller = QuotaCaller(plain, backoff=Backoff(base=0.01, cap=0.2))
    users: list[str] = []
    kwargs: dict = {"UserPoolId": rows[0].pool_id, "Limit": 60}
    while True:
        page = caller.call("ListUsers", **kwargs)
        users += [u["Username"] for u in page["Users"]]
        if not page.get("PaginationToken"):
            break
        kwargs["PaginationToken"] = page["PaginationToken"]
    assert sorted(users) == classroom.usernames_for_count(100)  # exactly 100, each once

    # running it again changes nothing
    again = _cli("provision", "--count", "100", "--endpoint-url", throttling_sandbox, "--out", str(sheet),
                 "--run-id", "cls", "--no-progress")
    assert again.returncode == 0 and "100 already on the sheet" in again.stdout
    assert classroom.read_sheet(sheet) == rows

    down = _cli("teardown", "--endpoint-url", throttling_sandbox, "--run-id", "cls", "--out", str(sheet))
    assert down.returncode == 0, down.stderr
    assert "Deleted 1 classroom pool(s) of run 'cls'" in down.stdout
    assert not sheet.exists()
    with pytest.raises(ClientError) as caught:
        caller.call("DescribeUserPool", UserPoolId=rows[0].pool_id)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cli_help_says_the_sheet_holds_temporary_passwords() -> None:
    done = _cli("provision", "--help")
    assert done.returncode == 0
    assert "TEMPORARY PASSWORD" in done.stdout and "0600" in done.stdout


def test_teardown_leaves_other_runs(cognito, caller, tmp_path) -> None:
    keep, drop = _run_id(), _run_id()
    classroom.provision(caller, ["ada"], tmp_path / "k.csv", run_id=keep, region="us-east-1", progress=False)
    classroom.provision(caller, ["ada", "bob"], tmp_path / "d.csv", run_id=drop, region="us-east-1",
                        shared_pool=False, progress=False)
    result = classroom.teardown(caller, run_id=drop)
    assert len(result.deleted) == 2
    [kept] = classroom.read_sheet(tmp_path / "k.csv")
    assert _all_users(cognito, kept.pool_id) == ["ada"]
    for row in classroom.read_sheet(tmp_path / "d.csv"):
        with pytest.raises(ClientError):
            cognito.describe_user_pool(UserPoolId=row.pool_id)

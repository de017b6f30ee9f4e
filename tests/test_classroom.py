"""Classroom provisioning: exactly one user per trainee under throttling, resumable, a true sheet, teardown."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, replace
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
    assert [r.username for r in rows] == classroom.usernames_for_count(5)  # in the class's order, as made in parallel
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
    # a third run finds nothing to do but check the target: a page of users and of app clients, one describe
    sent = caller.stats.sent
    third = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", progress=False)
    assert third.already_on_sheet == 30 and (third.verified, third.recreated, third.created) == (30, 0, 0)
    assert caller.stats.sent - sent == 3
    assert classroom.read_sheet(sheet) == rows


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
    assert again.returncode == 0 and "100 verified on the target, 0 recreated, 0 created" in again.stdout
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
    text = " ".join(done.stdout.split())  # as argparse wraps it
    assert "TEMPORARY PASSWORD" in text and "0600" in text


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


# -- the sheet is a claim, the target is the truth (issue 18) ------------------------------------------------------
class Calls:
    """The cognito-idp operations a client really sent (botocore's before-call event), in order."""

    def __init__(self, client) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call.cognito-idp", self._record)

    def _record(self, model, **_: object) -> None:
        self.names.append(model.name)

    def __call__(self) -> Counter:
        return Counter(self.names)


def _counted_caller(url: str) -> tuple[QuotaCaller, Calls]:
    client = _client(url)
    return QuotaCaller(client, backoff=Backoff(base=0.01, cap=0.2)), Calls(client)


def _by_name(rows: list[classroom.Trainee]) -> dict[str, classroom.Trainee]:
    return {r.username: r for r in rows}


def _no_leftovers(sheet: Path) -> None:
    """The atomic rewrites left no temporary file next to the sheet, and the sheet is still 0600."""
    assert [p.name for p in sheet.parent.iterdir() if p.name.startswith(f".{sheet.name}.")] == []
    assert stat.S_IMODE(os.stat(sheet).st_mode) == 0o600


def test_resume_on_the_same_target_verifies_in_pages(sandbox, cognito, caller, tmp_path: Path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = classroom.usernames_for_count(100)
    classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=sandbox.endpoint_url,
                        progress=False)
    before = sheet.read_bytes()
    fresh, calls = _counted_caller(sandbox.endpoint_url)
    report = classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1",
                                 endpoint_url=sandbox.endpoint_url, progress=False)
    assert (report.verified, report.recreated, report.created, report.existed) == (100, 0, 0, 0)
    assert report.pools_created == 0 and report.rows == 100
    # 100 users in one pool: two ListUsers pages (60 a page), one page of app clients, one describe (account)
    assert calls() == Counter({"ListUsers": 2, "ListUserPoolClients": 1, "DescribeUserPool": 1})
    assert sheet.read_bytes() == before  # untouched


def test_resume_pool_per_trainee_checks_each_pool_once(sandbox, caller, tmp_path: Path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = ["ada", "bob", "cyd", "dan"]
    classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", shared_pool=False, progress=False)
    fresh, calls = _counted_caller(sandbox.endpoint_url)
    report = classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1", shared_pool=False,
                                 progress=False)
    assert (report.verified, report.recreated, report.created) == (4, 0, 0)
    assert calls() == Counter({"ListUsers": 4, "ListUserPoolClients": 4, "DescribeUserPool": 1})


def test_users_deleted_on_the_target_are_made_again(sandbox, cognito, caller, tmp_path: Path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = classroom.usernames_for_count(20)
    classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=sandbox.endpoint_url,
                        progress=False)
    first = _by_name(classroom.read_sheet(sheet))
    gone = ["trainee-003", "trainee-011", "trainee-020"]
    for name in gone:
        cognito.admin_delete_user(UserPoolId=first[name].pool_id, Username=name)

    report = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1",
                                 endpoint_url=sandbox.endpoint_url, progress=False)
    assert (report.verified, report.recreated, report.created, report.pools_created) == (17, 3, 0, 0)
    assert report.recreated_usernames == gone
    rows = classroom.read_sheet(sheet)
    assert [r.username for r in rows] == [r.username for r in first.values()]  # same rows, same order
    again = _by_name(rows)
    for name in names:
        if name in gone:  # a new temporary password, that works
            assert again[name].temporary_password not in ("", first[name].temporary_password)
            assert again[name].pool_id == first[name].pool_id
        else:  # rows already handed out did not change
            assert again[name] == first[name]
        assert _signs_in_with(cognito, again[name]) == "NEW_PASSWORD_REQUIRED"
    assert sorted(_all_users(cognito, first["trainee-001"].pool_id)) == names
    _no_leftovers(sheet)


def test_pool_deleted_on_the_target_is_made_again_as_provisioning_would(sandbox, cognito, caller, tmp_path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = ["ada", "bob", "cyd"]
    classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=sandbox.endpoint_url,
                        progress=False)
    old = _by_name(classroom.read_sheet(sheet))
    cognito.delete_user_pool(UserPoolId=old["ada"].pool_id)

    report = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1",
                                 endpoint_url=sandbox.endpoint_url, progress=False)
    assert (report.verified, report.recreated, report.pools_created) == (0, 3, 1)
    rows = classroom.read_sheet(sheet)
    [pool_id] = {r.pool_id for r in rows}
    assert pool_id != old["ada"].pool_id
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Name"] == classroom.pool_name(run) and pool["UserPoolTags"] == {TAG_KEY: run}
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["SoftwareTokenMfaConfiguration"]["Enabled"]
    assert all(_signs_in_with(cognito, r) == "NEW_PASSWORD_REQUIRED" for r in rows)
    assert all(r.temporary_password != old[r.username].temporary_password for r in rows)


def test_app_client_deleted_is_made_again_and_passwords_stay(sandbox, cognito, caller, tmp_path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    classroom.provision(caller, ["ada", "bob"], sheet, run_id=run, region="us-east-1", progress=False)
    old = _by_name(classroom.read_sheet(sheet))
    cognito.delete_user_pool_client(UserPoolId=old["ada"].pool_id, ClientId=old["ada"].client_id)
    report = classroom.provision(caller, ["ada", "bob"], sheet, run_id=run, region="us-east-1", progress=False)
    assert (report.verified, report.recreated, report.clients_created) == (2, 0, 1)
    rows = _by_name(classroom.read_sheet(sheet))
    for name, row in rows.items():
        assert row.client_id != old[name].client_id and row.temporary_password == old[name].temporary_password
        assert _signs_in_with(cognito, row) == "NEW_PASSWORD_REQUIRED"


def test_sheet_of_another_target_is_refused_then_rebuilt(sandbox_process, tmp_path: Path) -> None:
    first, second = sandbox_process(), sandbox_process()
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = ["ada", "bob", "cyd"]
    classroom.provision(QuotaCaller(_client(first)), names, sheet, run_id=run, region="us-east-1",
                        endpoint_url=first, progress=False)
    old = classroom.read_sheet(sheet)

    fresh, calls = _counted_caller(second)
    with pytest.raises(classroom.SheetTargetMismatch) as refused:
        classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1", endpoint_url=second,
                            progress=False)
    message = str(refused.value)
    assert first in message and second in message and "--rebuild" in message and "--out" in message
    assert calls.names == [] and classroom.read_sheet(sheet) == old  # nothing sent, nothing written

    # another region, or another account, is another target too
    with pytest.raises(classroom.SheetTargetMismatch, match="region eu-west-1"):
        classroom.provision(fresh, names, sheet, run_id=run, region="eu-west-1", endpoint_url=first,
                            progress=False)
    with pytest.raises(classroom.SheetTargetMismatch, match="account 999999999999"):
        classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1", endpoint_url=first,
                            account="999999999999", progress=False)
    assert calls.names == []

    report = classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1", endpoint_url=second,
                                 rebuild=True, progress=False)
    assert (report.recreated, report.verified, report.created, report.pools_created) == (3, 0, 0, 1)
    rows = classroom.read_sheet(sheet)
    assert [r.username for r in rows] == names
    assert {r.endpoint_url for r in rows} == {second} and {r.account for r in rows} == {"123456789012"}
    target = _client(second)
    assert sorted(_all_users(target, rows[0].pool_id)) == names
    assert all(_signs_in_with(target, r) == "NEW_PASSWORD_REQUIRED" for r in rows)
    # and the rebuilt sheet is now one the second sandbox holds
    again = classroom.provision(fresh, names, sheet, run_id=run, region="us-east-1", endpoint_url=second,
                                progress=False)
    assert (again.verified, again.recreated) == (3, 0)


def test_account_in_the_pool_arn_is_checked(sandbox, caller, tmp_path: Path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    classroom.provision(caller, ["ada"], sheet, run_id=run, region="us-east-1", progress=False)
    [row] = classroom.read_sheet(sheet)
    assert row.account == "123456789012"  # the sandbox's account, from the pool's ARN
    classroom.rewrite_sheet(sheet, [replace(row, account="111111111111")])
    with pytest.raises(classroom.SheetTargetMismatch) as refused:
        classroom.provision(caller, ["ada"], sheet, run_id=run, region="us-east-1", progress=False)
    assert "account 111111111111" in str(refused.value) and "account 123456789012" in str(refused.value)


def test_interrupted_rebuild_never_leaves_a_wrong_password(sandbox_process, tmp_path: Path) -> None:
    first, second = sandbox_process(), sandbox_process()
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = classroom.usernames_for_count(12)
    classroom.provision(QuotaCaller(_client(first)), names, sheet, run_id=run, region="us-east-1",
                        endpoint_url=first, progress=False)
    caller = QuotaCaller(_client(second))
    ready: list[str] = []

    def stop_after_4(trainee: classroom.Trainee) -> None:
        ready.append(trainee.username)
        if len(ready) == 4:
            raise Stop

    with pytest.raises(Stop):
        classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=second,
                            rebuild=True, workers=2, progress=False, on_trainee=stop_after_4)
    target = _client(second)
    rows = classroom.read_sheet(sheet)
    assert len(rows) == 12 and {r.endpoint_url for r in rows} == {second}
    with_password = [r for r in rows if r.temporary_password]
    assert len(with_password) >= 4 and len(with_password) < 12  # the rest are marked unfinished (no password)
    assert all(_signs_in_with(target, r) == "NEW_PASSWORD_REQUIRED" for r in with_password)

    report = classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=second,
                                 progress=False)
    assert report.verified == len(with_password) and report.recreated == 12 - len(with_password)
    rows = classroom.read_sheet(sheet)
    assert all(_signs_in_with(target, r) == "NEW_PASSWORD_REQUIRED" for r in rows)
    assert sorted(_all_users(target, rows[0].pool_id)) == names
    assert _by_name(rows) == {**_by_name(rows), **{r.username: r for r in with_password}}  # those did not change


def test_older_sheet_without_the_account_column_reads_and_is_upgraded(sandbox, cognito, caller, tmp_path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    classroom.provision(caller, ["ada", "bob"], sheet, run_id=run, region="us-east-1", progress=False)
    rows = classroom.read_sheet(sheet)
    old_columns = [c for c in classroom.SHEET_FIELDS if c != "account"]
    with open(sheet, "w", newline="") as handle:  # as the kit wrote it before the column existed
        writer = csv.DictWriter(handle, fieldnames=old_columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    assert [r.account for r in classroom.read_sheet(sheet)] == ["", ""]

    report = classroom.provision(caller, ["ada", "bob", "cyd"], sheet, run_id=run, region="us-east-1",
                                 progress=False)
    assert (report.verified, report.created) == (2, 1)
    with open(sheet, newline="") as handle:
        assert next(csv.reader(handle)) == classroom.SHEET_FIELDS
    again = _by_name(classroom.read_sheet(sheet))
    assert {r.account for r in again.values()} == {"123456789012"}
    assert again["ada"].temporary_password == _by_name(rows)["ada"].temporary_password
    assert _signs_in_with(cognito, again["cyd"]) == "NEW_PASSWORD_REQUIRED"
    _no_leftovers(sheet)


def test_not_a_sheet_is_explained(tmp_path: Path) -> None:
    foreign = tmp_path / "a.csv"
    foreign.write_text("name,email\nada,ada@example.com\n")
    with pytest.raises(ValueError, match=r"not a classroom sheet .*no column username"):
        classroom.read_sheet(foreign)
    twice = tmp_path / "b.csv"
    twice.write_text(",".join(classroom.SHEET_FIELDS) + "\n" + "ada,P,p1,c1,us-east-1,,\n" * 2)
    with pytest.raises(ValueError, match="more than one row for ada"):
        classroom.read_sheet(twice)


def test_teardown_of_a_stale_sheet_names_what_is_missing(sandbox_process, tmp_path: Path) -> None:
    first, second = sandbox_process(), sandbox_process()
    run, sheet = _run_id(), tmp_path / "class.csv"
    names = ["ada", "bob", "cyd"]
    caller = QuotaCaller(_client(first))
    classroom.provision(caller, names, sheet, run_id=run, region="us-east-1", endpoint_url=first, progress=False)
    rows = classroom.read_sheet(sheet)

    # on a target that holds none of it: nothing deleted, the sheet kept
    with pytest.raises(classroom.StaleSheetError) as stale:
        classroom.teardown(QuotaCaller(_client(second)), run_id=run, sheet=sheet, region="us-east-1",
                           endpoint_url=second)
    expected = f"pool {rows[0].pool_id} is not there (3 rows: {', '.join(sorted(r.username for r in rows))})"
    assert expected in str(stale.value)
    assert first in str(stale.value) and second in str(stale.value) and sheet.exists()

    # on its own target with a user gone: says which, then deletes
    _client(first).admin_delete_user(UserPoolId=rows[0].pool_id, Username="bob")
    result = classroom.teardown(caller, run_id=run, sheet=sheet, region="us-east-1", endpoint_url=first)
    assert [(r.username, why) for r, why in result.missing] == [("bob", classroom.USER_MISSING)]
    assert [p.pool_id for p in result.deleted] == [rows[0].pool_id]
    assert result.sheet_deleted and not sheet.exists()


def test_teardown_keeps_a_sheet_whose_pools_another_run_holds(sandbox, caller, tmp_path: Path) -> None:
    run, sheet = _run_id(), tmp_path / "class.csv"
    classroom.provision(caller, ["ada"], sheet, run_id=run, region="us-east-1", progress=False)
    [row] = classroom.read_sheet(sheet)
    result = classroom.teardown(caller, run_id=_run_id(), sheet=sheet, region="us-east-1")
    assert result.deleted == [] and result.kept_pools == [row.pool_id]
    assert not result.sheet_deleted and sheet.exists()


def test_cli_stale_sheet_refused_rebuilt_and_torn_down(sandbox_process, tmp_path: Path) -> None:
    """The issue's story through the command: 100 trainees, the sandbox replaced, the same command again."""
    first = sandbox_process()
    sheet = tmp_path / "class.csv"
    made = _cli("provision", "--count", "100", "--endpoint-url", first, "--out", str(sheet), "--run-id", "cls",
                "--no-progress")
    assert made.returncode == 0, made.stderr
    old = _by_name(classroom.read_sheet(sheet))
    second = sandbox_process()  # a new sandbox: none of those users or pools

    refused = _cli("provision", "--count", "100", "--endpoint-url", second, "--out", str(sheet), "--run-id", "cls",
                   "--no-progress")
    assert refused.returncode == 2 and refused.stdout == ""
    assert first in refused.stderr and second in refused.stderr
    assert "--rebuild" in refused.stderr and "--out NEW.csv" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _by_name(classroom.read_sheet(sheet)) == old

    down = _cli("teardown", "--endpoint-url", second, "--run-id", "cls", "--out", str(sheet))
    assert down.returncode == 2 and "None of the 100 rows" in down.stderr and "Nothing deleted" in down.stderr
    assert sheet.exists()

    rebuilt = _cli("provision", "--count", "100", "--endpoint-url", second, "--out", str(sheet), "--run-id",
                   "cls", "--no-progress", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "100 trainees" in rebuilt.stdout and "100 recreated" in rebuilt.stdout
    assert "NEW temporary password" in rebuilt.stdout
    rows = classroom.read_sheet(sheet)
    assert [r.username for r in rows] == list(old)
    assert {r.endpoint_url for r in rows} == {second}
    target = _client(second)
    assert sorted(_all_users(target, rows[0].pool_id)) == classroom.usernames_for_count(100)
    for row in rows:
        assert row.temporary_password != old[row.username].temporary_password
        assert _signs_in_with(target, row) == "NEW_PASSWORD_REQUIRED"
    assert stat.S_IMODE(os.stat(sheet).st_mode) == 0o600

    # some trainees' users deleted on the target: exactly those made again, through the command
    for name in ("trainee-007", "trainee-042"):
        target.admin_delete_user(UserPoolId=rows[0].pool_id, Username=name)
    repaired = _cli("provision", "--count", "100", "--endpoint-url", second, "--out", str(sheet), "--run-id",
                    "cls", "--no-progress")
    assert repaired.returncode == 0, repaired.stderr
    assert "98 verified on the target, 2 recreated, 0 created" in repaired.stdout
    assert "trainee-007, trainee-042" in repaired.stdout
    after = _by_name(classroom.read_sheet(sheet))
    assert {n for n in after if after[n] != _by_name(rows)[n]} == {"trainee-007", "trainee-042"}

    target.admin_delete_user(UserPoolId=rows[0].pool_id, Username="trainee-100")
    down = _cli("teardown", "--endpoint-url", second, "--run-id", "cls", "--out", str(sheet))
    assert down.returncode == 0, down.stderr
    assert "Not found on the target: 1 of 100 rows" in down.stdout
    assert f"user trainee-100 is not in pool {rows[0].pool_id}" in down.stdout
    assert "Deleted 1 classroom pool(s)" in down.stdout and not sheet.exists()

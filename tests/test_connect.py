"""connect(): which target, said plainly, and never a silent fall-back."""

from __future__ import annotations

import pytest

from cognito_mfa_kit.connect import ENV_TARGET, ENV_URL, ConnectError, connect


def test_shared_sandbox_from_the_environment(sandbox, monkeypatch) -> None:
    monkeypatch.setenv(ENV_URL, sandbox.endpoint_url)
    lab = connect()
    assert lab.is_sandbox and not lab.target.in_process
    assert lab.target.endpoint_url == sandbox.endpoint_url
    assert sandbox.endpoint_url in lab.banner() and "Nothing here reaches AWS" in lab.banner()
    lab.client.list_user_pools(MaxResults=1)
    assert lab.journal[-1].operation == "ListUserPools"
    assert f"--endpoint-url {sandbox.endpoint_url}" in lab.journal[-1].as_cli()


def test_an_unreachable_shared_sandbox_is_an_error_not_a_fallback(monkeypatch) -> None:
    monkeypatch.setenv(ENV_URL, "http://127.0.0.1:9")  # discard port: nothing answers
    with pytest.raises(ConnectError, match="does not answer"):
        connect()


def test_the_sandbox_clock_moves_through_the_lab(sandbox, monkeypatch) -> None:
    monkeypatch.setenv(ENV_URL, sandbox.endpoint_url)
    lab = connect()
    before = lab.clock.now()
    after = lab.advance_clock(30)
    assert after - before >= 30
    assert abs(lab.clock.now() - sandbox.now()) < 1


def test_aws_without_credentials_says_what_to_do(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ConnectError, match="No AWS credentials"):
        connect("aws", region="eu-west-1")
    with pytest.raises(ConnectError, match="No AWS region"):
        connect("aws")


def test_lab_started_with_aws_makes_connect_mean_aws(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(ENV_TARGET, "aws")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConnectError, match="No AWS credentials"):  # AWS was asked for: no sandbox instead
        connect(region="eu-west-1")


def test_unknown_profile_and_target_are_explained(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with pytest.raises(ConnectError, match="profile 'nope' is not configured"):
        connect("aws", profile="nope", region="eu-west-1")
    with pytest.raises(ConnectError, match="Unknown target"):
        connect("gcp")

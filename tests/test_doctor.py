"""doctor: skew from a Date header, what skew does to TOTP (checked against pyotp), credentials, sandbox check."""

from __future__ import annotations

import email.utils
import os
import socket
import subprocess
import sys

import boto3
import pyotp
import pytest
from botocore.config import Config

from cognito_mfa_kit import doctor


def test_clock_skew_from_a_crafted_date_header() -> None:
    sent = 1_700_000_000.0
    date = email.utils.formatdate(sent + 1 + 42, usegmt=True)  # the server stamped it mid-call, 42 s ahead
    assert doctor.clock_skew(date, sent, sent + 2) == pytest.approx(42, abs=1)
    behind = email.utils.formatdate(sent - 75, usegmt=True)
    assert doctor.clock_skew(behind, sent, sent) == pytest.approx(-75, abs=1)


@pytest.mark.parametrize("skew", [0, 12, -29, 31, -40, 45, 55, -59, 61, 120])
def test_totp_acceptance_matches_a_verifier_with_one_step_of_tolerance(skew: float) -> None:
    """Codes made on our clock, checked by pyotp on a clock ``skew`` s away with valid_window=1 (Cognito's ±30 s)."""
    totp = pyotp.TOTP(pyotp.random_base32())
    start = 1_700_000_000
    samples = range(start, start + 600, 1)
    accepted = sum(totp.verify(totp.at(t), for_time=t + skew, valid_window=1) for t in samples) / len(samples)
    assert doctor.totp_acceptance(skew) == pytest.approx(accepted, abs=0.02)


def test_explanations_say_what_happens() -> None:
    assert "Fine" in doctor.explain_skew(1.2)
    assert "margin" in doctor.explain_skew(-20)
    assert "about 50% of the codes" in doctor.explain_skew(45)
    assert "every code made on this machine is refused" in doctor.explain_skew(-90)
    assert "Signature expired" in doctor.explain_skew(400)
    assert "ahead of" in doctor.explain_skew(45) and "behind" in doctor.explain_skew(-45)


def test_access_keys_are_masked() -> None:
    assert doctor.mask_key("AKIAABCDEFGHIJKLMNOP") == "AKIA************MNOP"
    assert doctor.mask_key("short") == "*****"
    assert doctor.mask_key(None) is None


@pytest.fixture()
def clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def test_credentials_from_the_environment(clean_aws_env: pytest.MonkeyPatch) -> None:
    clean_aws_env.setenv("AWS_ACCESS_KEY_ID", "AKIAABCDEFGHIJKLMNOP")
    clean_aws_env.setenv("AWS_SECRET_ACCESS_KEY", "not-shown-anywhere")
    clean_aws_env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    info = doctor.credential_info()
    assert (info.method, info.access_key, info.region, info.problem) == ("env", "AKIA************MNOP", "eu-west-1",
                                                                         None)
    assert "not-shown-anywhere" not in repr(info)


def test_no_credentials_and_unknown_profile(clean_aws_env: pytest.MonkeyPatch) -> None:
    info = doctor.credential_info()
    assert info.method is None and info.problem == "no credentials found"
    missing = doctor.credential_info(profile="no-such-profile")
    assert missing.problem and "no-such-profile" in missing.problem


def test_skew_against_the_sandbox_http_date(cognito) -> None:
    """The sandbox's HTTP Date is wall time: the same machine's clock, so the skew is within the header's 1 s."""
    result = doctor.measure_skew(cognito, "list_user_pools", MaxResults=1)
    assert result.problem is None and result.round_trip is not None and result.round_trip >= 0
    assert result.skew is not None and abs(result.skew) < 1.5


def test_skew_uses_error_answers_too(cognito) -> None:
    result = doctor.measure_skew(cognito, "describe_user_pool", UserPoolId="us-east-1_doesNotExist")
    assert result.skew is not None and abs(result.skew) < 1.5


def test_no_network_is_said_plainly() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = boto3.client("cognito-idp", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x",
                          config=Config(retries={"total_max_attempts": 1}, connect_timeout=2))
    result = doctor.measure_skew(client, "list_user_pools", MaxResults=1)
    assert result.skew is None and result.problem and result.problem.startswith("no network")


def _doctor(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "COGNITO_MFA_KIT_SANDBOX_URL"}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "doctor", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_cli_checks_the_shared_sandbox(sandbox) -> None:
    done = _doctor("--offline", env_extra={"COGNITO_MFA_KIT_SANDBOX_URL": sandbox.endpoint_url,
                                           "AWS_ACCESS_KEY_ID": "AKIAABCDEFGHIJKLMNOP",
                                           "AWS_SECRET_ACCESS_KEY": "secret-value-123"})
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "botocore" in out and "moto" in out and "python" in out
    assert "env, access key AKIA************MNOP" in out and "secret-value-123" not in out
    assert f"sandbox at {sandbox.endpoint_url} answers" in out
    assert "skipped (--offline)" in out


def test_cli_reports_a_sandbox_that_does_not_answer() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _doctor("--offline", env_extra={"COGNITO_MFA_KIT_SANDBOX_URL": f"http://127.0.0.1:{port}"})
    assert done.returncode == 1
    assert "does not answer" in done.stdout and "cognito-mfa-kit sandbox" in done.stdout
    assert "no credentials found" in done.stdout


def test_cli_without_credentials_skips_aws_unless_asked() -> None:
    done = _doctor(env_extra={})
    assert "skipped: no AWS credentials" in done.stdout and "via https://sts" not in done.stdout


def test_cli_reports_the_pools_whose_clocks_run_ahead(sandbox_process) -> None:
    from cognito_mfa_kit import flows
    from cognito_mfa_kit.connect import connect

    url = sandbox_process()
    lab = connect(endpoint_url=url)
    pool = flows.create_teaching_pool(lab, "doctor-ahead", mfa="OPTIONAL")
    quiet = _doctor("--offline", "--endpoint-url", url, env_extra={})
    assert "every clock you can see is on real time" in quiet.stdout
    lab.advance_clock(120, pool)
    done = _doctor("--offline", "--endpoint-url", url, env_extra={})
    assert f"pool {pool.pool_id} runs 120 s ahead of real time" in done.stdout
    assert "fail there until it is put back" in done.stdout

"""Shared fixtures: one sandbox server per test session, boto3 clients and AWS CLI environments for it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from lab_helpers import LabRun, sandbox_command

from cognito_mfa_kit.connect import ENV_URL
from cognito_mfa_kit.sandbox import Sandbox

REGION = "us-east-1"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox server in this process, on a free loopback port (its clock moves only forward)."""
    box = Sandbox.start()
    yield box
    box.stop()


@pytest.fixture()
def cognito(sandbox: Sandbox):
    """A plain boto3 cognito-idp client against the sandbox server (no kit layer in between)."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=sandbox.endpoint_url,
        region_name=REGION,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


@pytest.fixture()
def aws_cli_env(sandbox: Sandbox) -> dict[str, str]:
    """Environment for running the real AWS CLI against the sandbox (`aws ... --endpoint-url`)."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="sandbox",
        AWS_SECRET_ACCESS_KEY="sandbox",
        AWS_DEFAULT_REGION=REGION,
        AWS_PAGER="",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


@pytest.fixture(scope="session")
def aws_cli() -> str:
    """The AWS CLI of this environment (pip's awscli, installed by `make test`)."""
    found = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI is missing: `make test` installs it (pip package awscli)")
    return found


@pytest.fixture()
def sandbox_process() -> Iterator[Callable[..., str]]:
    """Start ``cognito-mfa-kit sandbox`` as a child process (its own clock and state); returns its URL.

    For tests that must not touch the shared in-process sandbox (e.g. moving its clock back). Stopped afterwards.
    """
    started: list[subprocess.Popen[str]] = []

    def start(*flags: str) -> str:
        proc = subprocess.Popen(
            sandbox_command("--port", "0", *flags), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        started.append(proc)
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"the sandbox did not start: {url!r}"
        return url

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture()
def lab_env(tmp_path: Path) -> dict[str, str]:
    """A user environment of its own: data folder (sandbox state, log), Jupyter runtime files, workspaces."""
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    env.pop(ENV_URL, None)
    (tmp_path / "notebooks").mkdir()
    return env


@pytest.fixture()
def run_lab(lab_env: dict[str, str]) -> Iterator[Callable[..., Any]]:
    """Start ``cognito-mfa-kit lab`` in a subprocess (a :class:`lab_helpers.LabRun`); killed afterwards if still up."""
    runs: list[LabRun] = []

    def start(*args: str, ignore_sigint: bool = False, env: dict[str, str] | None = None) -> LabRun:
        run = LabRun(env or lab_env, *args, ignore_sigint=ignore_sigint)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill()

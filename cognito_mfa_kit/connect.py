"""Choosing the target (the sandbox, real AWS, or any cognito-idp endpoint) and building the journaled client.

>>> from cognito_mfa_kit import connect
>>> lab = connect()                                   # the embedded sandbox
>>> lab = connect("aws", profile="training", region="eu-west-1")
>>> lab = connect(endpoint_url="http://127.0.0.1:4599")

``connect()`` never falls back from one target to another: if the sandbox named by the environment is not
reachable, or AWS has no credentials, it says so and stops.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .journal import Journal
from .totp import Clock, HttpSandboxClock, SystemClock

#: The environment variable naming a running sandbox server (set by ``cognito-mfa-kit lab`` for every kernel).
ENV_URL = "COGNITO_MFA_KIT_SANDBOX_URL"
#: Set to ``aws`` by ``cognito-mfa-kit lab --aws``: ``connect()`` with no target then means real AWS.
ENV_TARGET = "COGNITO_MFA_KIT_TARGET"
DEFAULT_SANDBOX_REGION = "us-east-1"
#: The sandbox accepts any credentials; these are used when the environment has none.
SANDBOX_CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}

_local_sandbox: Any = None
_local_lock = threading.Lock()


class ConnectError(RuntimeError):
    """The target can't be used; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """Where calls go."""

    kind: str  # "sandbox" | "aws" | "endpoint"
    region: str
    endpoint_url: str | None = None
    profile: str | None = None
    account: str | None = None
    in_process: bool = False

    @property
    def is_sandbox(self) -> bool:
        return self.kind == "sandbox"

    def describe(self) -> str:
        """One line saying which target, account or endpoint, and region are in use."""
        if self.kind == "sandbox":
            where = "in this Python process" if self.in_process else "shared server"
            return (
                f"Target: local Cognito sandbox at {self.endpoint_url} ({where}), region {self.region}. "
                "Nothing here reaches AWS."
            )
        if self.kind == "aws":
            profile = f", profile {self.profile}" if self.profile else ""
            return (
                f"Target: AWS account {self.account or '?'}{profile}, region {self.region}. "
                "Real resources: calls may cost money."
            )
        return f"Target: cognito-idp endpoint {self.endpoint_url}, region {self.region}."


class Lab:
    """A connection to one target: a journaled boto3 cognito-idp client, its clock and where it points."""

    def __init__(self, client: Any, journal: Journal, target: Target, clock: Clock, sandbox: Any = None) -> None:
        self.client = client
        self.journal = journal
        self.target = target
        self.clock = clock
        self._sandbox = sandbox

    @property
    def is_sandbox(self) -> bool:
        return self.target.is_sandbox

    @property
    def region(self) -> str:
        return self.target.region

    def banner(self) -> str:
        return self.target.describe()

    def __repr__(self) -> str:
        return f"<Lab {self.banner()}>"

    def _repr_markdown_(self) -> str:
        return f"**{self.banner()}**"

    # -- the sandbox's clock and outbox -------------------------------------------------------
    def _require_sandbox(self, what: str) -> str:
        if not self.is_sandbox or not self.target.endpoint_url:
            raise ConnectError(f"{what} exists only in the sandbox; this lab targets {self.target.kind}.")
        return self.target.endpoint_url

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward (e.g. 30 s: the next TOTP step; 180 s: a session expires)."""
        url = self._require_sandbox("The sandbox clock") + "/_sandbox/clock"
        body = _http_json(url, {"advance": seconds})
        if isinstance(self.clock, HttpSandboxClock):
            self.clock.refresh()
        return float(body["now"])

    def back_to_real_time(self) -> float:
        """Put the sandbox clock back on real time (so a real phone's codes work again); returns the new time."""
        url = self._require_sandbox("The sandbox clock") + "/_sandbox/clock"
        body = _http_json(url, {"reset": True})
        if isinstance(self.clock, HttpSandboxClock):
            self.clock.refresh()
        return float(body["now"])

    def sandbox_messages(self) -> list[dict[str, Any]]:
        """The SMS codes the sandbox would have sent (it delivers nothing)."""
        url = self._require_sandbox("The SMS outbox") + "/_sandbox/messages"
        return list(_http_json(url)["messages"])

    def close(self) -> None:
        self.client.close()


def connect(
    target: str | None = None,
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    in_process: bool | None = None,
) -> Lab:
    """Connect to ``"sandbox"`` (default), ``"aws"``, or any cognito-idp ``endpoint_url``.

    - ``connect()``: the sandbox server named by ``$COGNITO_MFA_KIT_SANDBOX_URL`` (so every notebook of a course
      shares one), else a sandbox started in this process (``in_process=True`` forces that).
    - ``connect("aws", profile=..., region=...)``: real AWS through boto3's standard credential chain.
    - ``connect(endpoint_url=...)``: any cognito-idp endpoint (a sandbox server, cognito-local, ...).

    With no target, ``$COGNITO_MFA_KIT_TARGET`` decides (``cognito-mfa-kit lab --aws`` sets it to ``aws``), else
    the sandbox.
    """
    if target is None:
        target = "endpoint" if endpoint_url is not None else (os.environ.get(ENV_TARGET) or "sandbox").strip().lower()
    if endpoint_url is not None and target == "sandbox":
        target = "endpoint"
    if target == "sandbox":
        return _connect_sandbox(region or DEFAULT_SANDBOX_REGION, in_process=in_process)
    if target == "aws":
        if endpoint_url is not None:
            raise ConnectError("connect('aws') takes no endpoint_url: AWS endpoints come from the region.")
        return _connect_aws(profile, region)
    if target == "endpoint":
        if not endpoint_url:
            raise ConnectError("connect(endpoint_url=...) needs the endpoint's URL, e.g. http://127.0.0.1:4599")
        return _connect_endpoint(endpoint_url, region or DEFAULT_SANDBOX_REGION, profile)
    raise ConnectError(f"Unknown target {target!r}: use 'sandbox' (default), 'aws', or endpoint_url=...")


def _client_config() -> Any:
    from botocore.config import Config

    # Standard retry mode: the legacy default does not retry Cognito's HTTP-400 TooManyRequestsException.
    return Config(retries={"mode": "standard", "max_attempts": 3}, user_agent_extra="cognito-mfa-kit")


def _make(session: Any, region: str, endpoint_url: str | None, credentials: dict[str, str] | None) -> Any:
    return session.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint_url,
        config=_client_config(),
        **(credentials or {}),
    )


def _boto3_session(profile: str | None) -> Any:
    import boto3
    import botocore.exceptions

    from .servicemodel import botocore_session

    try:
        core = botocore_session(profile)
        core.get_scoped_config()  # reads the profile now, so a missing one is reported here, not on first use
        return boto3.Session(botocore_session=core)
    except botocore.exceptions.ProfileNotFound as exc:
        raise ConnectError(
            f"The AWS profile {profile!r} is not configured. List profiles with `aws configure list-profiles`, "
            "or create one with `aws configure --profile NAME`."
        ) from exc


def _sandbox_health(url: str) -> bool:
    try:
        return bool(_http_json(url.rstrip("/") + "/_sandbox/health", timeout=2.0).get("ok"))
    except (OSError, ValueError, KeyError):
        return False


def _connect_sandbox(region: str, *, in_process: bool | None) -> Lab:
    shared = os.environ.get(ENV_URL)
    if shared and not in_process:
        if not _sandbox_health(shared):
            raise ConnectError(
                f"${ENV_URL} names a sandbox at {shared}, but it does not answer. Start it with "
                "`cognito-mfa-kit sandbox` (or `make lab`), or unset the variable to use a sandbox in this process."
            )
        return _sandbox_lab(shared.rstrip("/"), region, in_process=False, sandbox=None)
    sandbox = local_sandbox()
    return _sandbox_lab(sandbox.endpoint_url, region, in_process=True, sandbox=sandbox)


def local_sandbox() -> Any:
    """This process's sandbox server, started on first use (one per process: moto's state is process-wide)."""
    global _local_sandbox
    with _local_lock:
        if _local_sandbox is None:
            from .sandbox import Sandbox

            _local_sandbox = Sandbox.start()
        return _local_sandbox


def _sandbox_lab(url: str, region: str, *, in_process: bool, sandbox: Any) -> Lab:
    session = _boto3_session(None)
    client = _make(session, region, url, SANDBOX_CREDENTIALS)
    target = Target("sandbox", region, endpoint_url=url, in_process=in_process)
    journal = Journal()
    journal.attach(client, endpoint_url=url, region=region)
    return Lab(client, journal, target, HttpSandboxClock(url), sandbox)


def _connect_endpoint(url: str, region: str, profile: str | None) -> Lab:
    if _sandbox_health(url):
        return _sandbox_lab(url.rstrip("/"), region, in_process=False, sandbox=None)
    session = _boto3_session(profile)
    credentials = None if session.get_credentials() is not None else SANDBOX_CREDENTIALS
    client = _make(session, region, url, credentials)
    journal = Journal()
    journal.attach(client, endpoint_url=url, region=region, profile=profile)
    return Lab(client, journal, Target("endpoint", region, endpoint_url=url, profile=profile), SystemClock())


def _connect_aws(profile: str | None, region: str | None) -> Lab:
    import botocore.exceptions

    session = _boto3_session(profile)
    region = region or session.region_name
    if not region:
        raise ConnectError(
            "No AWS region: pass connect('aws', region='eu-west-1'), set AWS_REGION, or set `region` in your "
            "profile (`aws configure`)."
        )
    if session.get_credentials() is None:
        raise ConnectError(
            "No AWS credentials found (environment, profile, SSO or instance role). Run `aws configure` or "
            "`aws sso login`, or use the sandbox: connect()."
        )
    try:
        identity = session.client("sts", region_name=region, config=_client_config()).get_caller_identity()
    except botocore.exceptions.ClientError as exc:
        raise ConnectError(f"AWS refused these credentials: {exc}") from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise ConnectError(f"Could not reach AWS: {exc}") from exc
    client = _make(session, region, None, None)
    journal = Journal()
    journal.attach(client, region=region, profile=profile)
    target = Target("aws", region, profile=profile, account=identity.get("Account"))
    return Lab(client, journal, target, SystemClock())


def _http_json(url: str, body: dict[str, Any] | None = None, timeout: float = 5.0) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ConnectError(f"{url}: {exc.read().decode(errors='replace')}") from exc

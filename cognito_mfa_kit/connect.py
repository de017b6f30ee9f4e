"""Choosing the target (the sandbox, real AWS, or any cognito-idp endpoint) and building the journaled client.

>>> from cognito_mfa_kit import connect
>>> lab = connect()                                   # the embedded sandbox
>>> lab = connect("aws", profile="training", region="eu-west-1")
>>> lab = connect(endpoint_url="http://127.0.0.1:4599")

``connect()`` never falls back from one target to another: if the sandbox named by the environment is not
reachable, or AWS has no credentials, it says so and stops.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .journal import Journal
from .poolref import PoolRef, pool_id_of
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


class SandboxRefused(ConnectError):
    """A sandbox control endpoint refused the request (``status``: its HTTP status)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _duration(seconds: float) -> str:
    seconds = round(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes) + [f"{secs} s"] * bool(secs)
    return " ".join(parts) or "0 s"


class ClockTime(float):
    """A sandbox clock's time (epoch seconds, usable as a float) that says what it is when shown."""

    offset: float
    pool: str | None

    def __new__(cls, now: float, *, offset: float = 0.0, pool: str | None = None) -> ClockTime:
        value = super().__new__(cls, now)
        value.offset, value.pool = float(offset), pool
        return value

    def describe(self) -> str:
        when = dt.datetime.fromtimestamp(float(self), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        whose = f"pool {self.pool}" if self.pool else "the sandbox"
        if abs(self.offset) < 0.5:
            return f"{when}: {whose} is on real time"
        return f"{when}: {whose} runs {_duration(self.offset)} ahead of real time"

    def __repr__(self) -> str:
        return f"<ClockTime {self.describe()}>"

    def _repr_markdown_(self) -> str:
        return f"Clock: {self.describe()}"


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

    def __init__(self, client: Any, journal: Journal, target: Target, clock: Clock, sandbox: Any = None, *,
                 signer: _Signer | None = None) -> None:
        self.client = client
        self.journal = journal
        self.target = target
        #: the sandbox's own time (on AWS: this machine's); a pool's own clock is :meth:`clock_for`
        self.clock = clock
        self._sandbox = sandbox
        self._clocks: dict[str, Clock] = {}
        self._clocks_lock = threading.Lock()
        #: the pools whose clocks this lab moved ahead and has not put back yet (see :meth:`put_clocks_back`)
        self.moved_pools: set[str] = set()
        self._put_back: dict[str, float] = {}  # seconds each pool's clock was put back by this lab, in all
        self._signer = signer  # a sandbox shared by a class checks who calls its control endpoints too

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

    # -- the sandbox's clocks and outbox ------------------------------------------------------
    def _require_sandbox(self, what: str) -> str:
        if not self.is_sandbox or not self.target.endpoint_url:
            raise ConnectError(f"{what} exists only in the sandbox; this lab targets {self.target.kind}.")
        return self.target.endpoint_url

    def _control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A sandbox control endpoint (``/_sandbox/<path>``): GET, or POST ``body`` as JSON."""
        return _http_json(self._require_sandbox("The sandbox's control API") + "/_sandbox/" + path, body,
                          signer=self._signer)

    def _fetch(self, url: str, timeout: float) -> Any:
        return _http_json(url, timeout=timeout, signer=self._signer)

    def clock_for(self, pool: PoolRef) -> Clock:
        """The clock of ``pool`` (a pool id or anything with ``pool_id``): on the sandbox each user pool has its own,
        which a lesson may move; on AWS, this machine's clock. A virtual authenticator for a user of that pool uses
        it, so its codes follow the pool's time."""
        if not self.is_sandbox or not self.target.endpoint_url:
            return self.clock
        pool_id = pool_id_of(pool)
        with self._clocks_lock:
            clock = self._clocks.get(pool_id)
            if clock is None:
                clock = self._clocks[pool_id] = HttpSandboxClock(self.target.endpoint_url, pool=pool_id,
                                                                  fetch=self._fetch)
        return clock

    def _moved(self, answer: dict[str, Any], pool_id: str | None) -> ClockTime:
        offset = float(answer.get("offset", 0.0))
        clocks = [self.clock] if pool_id is None else [self.clock_for(pool_id)]
        if pool_id is None:
            clocks += list(self._clocks.values())  # every pool moves with the sandbox's time
        for clock in clocks:
            if isinstance(clock, HttpSandboxClock):
                if clock.pool == pool_id:
                    clock.seen(offset)
                else:
                    clock.refresh()
        return ClockTime(float(answer["now"]), offset=offset, pool=pool_id)

    def advance_clock(self, seconds: float, pool: PoolRef | None = None) -> ClockTime:
        """Move ``pool``'s clock forward (e.g. 30 s: the next TOTP step; 180 s: a session expires); returns its new
        time. Other pools are not affected. Without ``pool``: the sandbox's own time, and every pool with it (on a
        shared sandbox, the trainer's key only). Put it back with :meth:`back_to_real_time`, or use
        :meth:`clock_ahead`, which does."""
        pool_id = None if pool is None else pool_id_of(pool)
        body: dict[str, Any] = {"advance": seconds}
        if pool_id is not None:
            body["pool"] = pool_id
        moved = self._moved(self._control("clock", body), pool_id)
        if pool_id is not None and seconds:
            self.moved_pools.add(pool_id)
        return moved

    def back_to_real_time(self, pool: PoolRef | None = None) -> ClockTime:
        """Put ``pool``'s clock back on real time (so a real phone's codes work again); without ``pool``, every
        clock of the sandbox (the trainer's). Returns the new time."""
        pool_id = None if pool is None else pool_id_of(pool)
        body: dict[str, Any] = {"reset": True}
        if pool_id is not None:
            body["pool"] = pool_id
        answer = self._control("clock", body)
        moved = self._moved(answer, pool_id)
        if pool_id is not None:
            self._put_back[pool_id] = self._put_back.get(pool_id, 0.0) + float(answer.get("moved_back") or 0.0)
        if pool_id is None:
            self.moved_pools.clear()
        else:
            self.moved_pools.discard(pool_id)
        return moved

    def time_put_back(self, pool: PoolRef | None) -> float:
        """Seconds this lab has put ``pool``'s clock back so far (:meth:`back_to_real_time`). The sandbox moves what
        it stored back with the clock (a session's expiry, say); a time the kit noted on that clock (a challenge's
        ``issued_at``) moves back as much: see :meth:`~cognito_mfa_kit.flows.Challenge.seconds_left`."""
        return self._put_back.get(pool_id_of(pool), 0.0) if pool is not None else 0.0

    def put_clocks_back(self) -> list[str]:
        """Put every pool whose clock this lab moved back on real time (a lesson's last cell); returns their ids."""
        moved = sorted(self.moved_pools)
        for pool_id in moved:
            self.back_to_real_time(pool_id)
        return moved

    def clock_time(self, pool: PoolRef | None = None) -> ClockTime:
        """``pool``'s time now (without ``pool``: the sandbox's own), with how far it runs ahead of real time."""
        pool_id = None if pool is None else pool_id_of(pool)
        answer = self._control("clock" + ("" if pool_id is None else f"?pool={quote(pool_id, safe='')}"))
        return ClockTime(float(answer["now"]), offset=float(answer.get("offset", 0.0)), pool=pool_id)

    @contextlib.contextmanager
    def clock_ahead(self, seconds: float, pool: PoolRef) -> Iterator[ClockTime]:
        """Run ``pool``'s clock ``seconds`` ahead inside the ``with`` block, and put it back on real time after it,
        whatever happens inside: a lesson can't leave a clock ahead."""
        moved = self.advance_clock(seconds, pool)
        try:
            yield moved
        finally:
            self.back_to_real_time(pool)

    def sandbox_messages(self, pool: PoolRef | None = None) -> list[dict[str, Any]]:
        """The SMS codes the sandbox would have sent (it delivers nothing), of ``pool`` or of every pool."""
        pool_id = None if pool is None else pool_id_of(pool)
        return list(self._control("messages" + ("" if pool_id is None else f"?pool={quote(pool_id, safe='')}"))
                    ["messages"])

    @property
    def requires_credentials(self) -> bool:
        """True on a sandbox shared by a class: it checks who calls (each trainee signs with their own key)."""
        return self._signer is not None

    def whoami(self) -> dict[str, Any]:
        """Whose key this lab signs with on the sandbox (``kind``: trainer, trainee or open; the pools it owns)."""
        return self._control("whoami")

    def issue_trainee_key(self, name: str, pools: list[str] | None = None,
                          users: dict[str, str] | None = None) -> tuple[str, str]:
        """(The trainer's, on a sandbox that requires credentials.) A key for trainee ``name`` — the same one again
        if they have one — for their own ``pools`` and their own user in shared pools (``users``: pool → name)."""
        answer = self._control("credentials", {"name": name, "pools": list(pools or []), "users": dict(users or {})})
        return str(answer["AccessKeyId"]), str(answer["SecretAccessKey"])

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
        return _connect_sandbox(region or DEFAULT_SANDBOX_REGION, in_process=in_process, profile=profile)
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


def _sandbox_health(url: str) -> dict[str, Any] | None:
    """The sandbox's health answer (``ok``, ``requires_credentials``), or None if ``url`` is not a sandbox."""
    try:
        answer = _http_json(url.rstrip("/") + "/_sandbox/health", timeout=2.0)
    except (OSError, ValueError, KeyError, ConnectError):
        return None
    return answer if isinstance(answer, dict) and answer.get("ok") else None


def _connect_sandbox(region: str, *, in_process: bool | None, profile: str | None = None) -> Lab:
    shared = os.environ.get(ENV_URL)
    if shared and not in_process:
        health = _sandbox_health(shared)
        if health is None:
            raise ConnectError(
                f"${ENV_URL} names a sandbox at {shared}, but it does not answer. Start it with "
                "`cognito-mfa-kit sandbox` (or `make lab`), or unset the variable to use a sandbox in this process."
            )
        return _sandbox_lab(shared.rstrip("/"), region, in_process=False, sandbox=None, health=health,
                            profile=profile)
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


def _sandbox_lab(url: str, region: str, *, in_process: bool, sandbox: Any, health: dict[str, Any] | None = None,
                 profile: str | None = None) -> Lab:
    """A lab on a sandbox server. A sandbox that requires credentials (a class's) gets the caller's own: ``profile``
    or boto3's standard chain (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID`` ...); any other gets the placeholder keys."""
    signer = None
    if health and health.get("requires_credentials"):
        session = _boto3_session(profile)
        found = session.get_credentials()
        if found is None:
            raise ConnectError(
                f"The sandbox at {url} is shared by a class and checks who calls: use your own key from the class "
                "sheet, e.g. connect(endpoint_url=..., profile='cmk-trainee') after `aws configure --profile "
                "cmk-trainee`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
            )
        client = _make(session, region, url, None)
        signer = _Signer(found, region)
    else:
        session = _boto3_session(None)
        client = _make(session, region, url, SANDBOX_CREDENTIALS)
        profile = None
    target = Target("sandbox", region, endpoint_url=url, in_process=in_process, profile=profile)
    journal = Journal()
    journal.attach(client, endpoint_url=url, region=region, profile=profile)
    lab = Lab(client, journal, target, SystemClock(), sandbox, signer=signer)
    lab.clock = HttpSandboxClock(url, fetch=lab._fetch)
    return lab


def _connect_endpoint(url: str, region: str, profile: str | None) -> Lab:
    health = _sandbox_health(url)
    if health is not None:
        return _sandbox_lab(url.rstrip("/"), region, in_process=False, sandbox=None, health=health, profile=profile)
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


class _Signer:
    """Signs the sandbox's control calls with SigV4 (service ``cognito-idp``), as boto3 signs the API calls."""

    def __init__(self, credentials: Any, region: str) -> None:
        self.credentials, self.region = credentials, region

    def sign(self, request: urllib.request.Request) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        aws = AWSRequest(method=request.get_method(), url=request.full_url, data=request.data or b"",
                         headers=dict(request.header_items()))
        SigV4Auth(self.credentials.get_frozen_credentials(), "cognito-idp", self.region).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                request.add_header(name, aws.headers[name])


def _http_json(url: str, body: dict[str, Any] | None = None, timeout: float = 5.0,
               signer: _Signer | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")  # noqa: S310 - an http(s) endpoint URL the kit or the learner gave
    request.add_header("Content-Type", "application/json")
    if signer is not None:
        signer.sign(request)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - an http(s) endpoint URL the kit or the learner gave
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read().decode(errors="replace")
        try:
            answer = json.loads(text)
            text = f"{answer['message']} ({answer['__type']})"
        except (ValueError, KeyError, TypeError):
            pass
        raise SandboxRefused(f"The sandbox refused {request.get_method()} {url}: {text}", status=exc.code) from exc

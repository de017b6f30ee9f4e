"""Per-call latency of a lesson's Cognito calls: this sandbox vs stock moto_server vs cognito-local.

Each target runs as its own process on loopback; the calls go through boto3 over HTTP, as a lesson makes them.
The calls are measured interleaved (each iteration runs every call on every target, in a rotating order) so that
machine noise hits all targets alike; every target is warmed up first.

Targets and their bench-only dependencies (not in pyproject.toml / environment.yml):
- ``sandbox``: ``python -m cognito_mfa_kit sandbox`` (this repository).
- ``moto_server``: ``pip install 'moto[server]==5.2.5'`` into the venv (flask, flask-cors).
- ``cognito-local``: ``cd bench/.node && npm install cognito-local`` (Node 20; bench/.node is git-ignored), or any
  install named by ``--cognito-local PATH`` (its ``lib/bin/start.js``). Without it the target is reported as skipped.

Usage::

    .venv/bin/python bench/sandbox_latency.py [-n 200] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import psutil
from botocore.config import Config
from report import publish

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
PASSWORD = "Bench-Pass-123!"
CALLS = ["AdminInitiateAuth", "GetUser", "GetUserPoolMfaConfig", "DescribeUserPoolClient"]
START_TIMEOUT = 60.0


# ------------------------------------------------------------------------------------------------- targets
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen[Any], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with code {proc.returncode} before serving {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Target:
    name: str
    version: str = ""
    skipped: str | None = None  # why, when the target could not run
    endpoint: str = ""
    proc: subprocess.Popen[Any] | None = None
    workdir: tempfile.TemporaryDirectory[str] | None = None
    samples: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CALLS})
    cpu: dict[str, float] = field(default_factory=lambda: {c: 0.0 for c in CALLS})  # the server's CPU seconds
    calls: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def start_sandbox(baseline: str | None = None) -> Target:
    """This repository's sandbox; with ``baseline`` (a git revision), that revision's, from a ``git archive`` copy
    (to measure a change against what it changed, in the same run)."""
    from cognito_mfa_kit import __version__

    cwd, env = ROOT, dict(os.environ)
    if baseline is None:
        target = Target("cognito-mfa-kit sandbox", f"cognito-mfa-kit {__version__}, moto {md.version('moto')}")
    else:
        rev = subprocess.run(["git", "rev-parse", "--short", baseline], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        target = Target(f"sandbox @ {rev} (before)", f"cognito-mfa-kit at {rev}, moto {md.version('moto')}")
        target.workdir = tempfile.TemporaryDirectory(prefix="sandbox-baseline-")
        archive = subprocess.run(["git", "archive", rev, "cognito_mfa_kit"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", target.workdir.name], input=archive, check=True)
        cwd = Path(target.workdir.name)
        env["PYTHONPATH"] = str(cwd)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd, env=env,
    )
    return _serving(target, proc)


def _serving(target: Target, proc: subprocess.Popen[str]) -> Target:
    """``target`` once the sandbox process ``proc`` has printed its endpoint and answers its health check."""
    target.proc = proc
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(START_TIMEOUT):
            raise RuntimeError("the sandbox printed no endpoint")
    target.endpoint = proc.stdout.readline().strip()
    _wait_http(f"{target.endpoint}/_sandbox/health", proc)
    return target


# The same app under another HTTP server (``bench/http_servers.py``), for the server comparison.
_SERVE = """
import signal, sys, threading
sys.path.insert(0, sys.argv[2])
from cognito_mfa_kit.sandbox.app import SandboxApp
import http_servers
server = getattr(http_servers, sys.argv[1])("127.0.0.1", 0, SandboxApp()).start()
print(server.endpoint_url, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


def start_sandbox_on(server_class: str, package: str, label: str) -> Target:
    from cognito_mfa_kit import __version__

    try:
        version = f"{package} {md.version(package)}"
    except md.PackageNotFoundError:
        return Target(label, skipped=f"{package} is not installed (pip install {package})")
    target = Target(label, f"cognito-mfa-kit {__version__}, moto {md.version('moto')}, {version}")
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, server_class, str(ROOT / "bench")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    return _serving(target, proc)


def start_moto_server() -> Target:
    target = Target("moto_server (stock)")
    try:
        import flask  # noqa: F401
        import flask_cors  # noqa: F401
    except ImportError:
        target.skipped = "moto[server] extras missing: pip install 'moto[server]==5.2.5'"
        return target
    target.version = f"moto {md.version('moto')}, flask {md.version('flask')}"
    port = _free_port()
    target.proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    target.endpoint = f"http://127.0.0.1:{port}"
    _wait_http(f"{target.endpoint}/moto-api/", target.proc)
    return target


def _find_cognito_local(given: str | None) -> Path | None:
    candidates = [Path(given)] if given else []
    candidates += [ROOT / "bench/.node/node_modules/cognito-local", Path("/tmp/node_modules/cognito-local")]
    for c in candidates:
        start = c if c.name == "start.js" else c / "lib/bin/start.js"
        if start.is_file():
            return start
    return None


def start_cognito_local(given: str | None) -> Target:
    target = Target("cognito-local")
    node = shutil.which("node")
    start = _find_cognito_local(given)
    if node is None:
        target.skipped = "node not found"
        return target
    if start is None:
        target.skipped = "not installed (cd bench/.node && npm install cognito-local)"
        return target
    package = json.loads((start.parents[2] / "package.json").read_text())
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    target.version = f"cognito-local {package['version']}, node {node_version}"
    port = _free_port()
    target.workdir = tempfile.TemporaryDirectory(prefix="cognito-local-")  # its .cognito/db lives here
    config = Path(target.workdir.name, ".cognito/config.json")
    config.parent.mkdir()
    # Plain usernames, as in the lessons (cognito-local's default pool uses the email as the username).
    config.write_text(json.dumps({"UserPoolDefaults": {"UsernameAttributes": []}}))
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "DEBUG": ""}
    target.proc = subprocess.Popen(
        [node, str(start)], cwd=target.workdir.name, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    target.endpoint = f"http://127.0.0.1:{port}"
    _wait_http(f"{target.endpoint}/health", target.proc)
    return target


# ------------------------------------------------------------------------------------------------- the lesson
def prepare(target: Target) -> None:
    """A pool with TOTP allowed (OPTIONAL), a client for password sign-in, a confirmed user; then the calls."""
    client = boto3.client(
        "cognito-idp", endpoint_url=target.endpoint, region_name=REGION,
        aws_access_key_id="bench", aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30),
    )
    pool_id = client.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName="bench",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    client.admin_create_user(
        UserPoolId=pool_id, Username="trainee", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "trainee@example.com"}],
    )
    client.admin_set_user_password(UserPoolId=pool_id, Username="trainee", Password=PASSWORD, Permanent=True)

    def sign_in() -> dict[str, Any]:
        answer = client.admin_initiate_auth(
            UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "trainee", "PASSWORD": PASSWORD},
        )
        if "AuthenticationResult" not in answer:
            raise RuntimeError(f"{target.name}: sign-in gave no tokens: {answer.get('ChallengeName')}")
        return answer

    access = sign_in()["AuthenticationResult"]["AccessToken"]
    target.calls = {
        "AdminInitiateAuth": sign_in,
        "GetUser": lambda: client.get_user(AccessToken=access),
        "GetUserPoolMfaConfig": lambda: client.get_user_pool_mfa_config(UserPoolId=pool_id),
        "DescribeUserPoolClient": lambda: client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id),
    }


def measure(targets: list[Target], iterations: int, warmup: int) -> None:
    """Round-robin: per iteration, per call, every target once (the order rotates each iteration)."""
    for _ in range(warmup):
        for t in targets:
            for call in CALLS:
                t.calls[call]()
    for i in range(iterations):
        order = targets[i % len(targets):] + targets[: i % len(targets)]
        for call in CALLS:
            for t in order:
                server = _cpu_seconds(t)
                begin = time.perf_counter()
                t.calls[call]()
                t.samples[call].append((time.perf_counter() - begin) * 1000)
                t.cpu[call] += _cpu_seconds(t) - server


def _cpu_seconds(target: Target) -> float:
    """The target server's CPU time so far (user + system; the kernel counts it in ticks, so only sums over many
    calls mean something). Far less sensitive than latency to what else the machine runs."""
    if target.proc is None:
        return 0.0
    try:
        times = psutil.Process(target.proc.pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


# ------------------------------------------------------------------------------------------------- report
def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def table(targets: list[Target]) -> str:
    lines = ["| call | " + " | ".join(t.name for t in targets) + " |",
             "|---|" + "---|" * len(targets)]
    for call in CALLS:
        cells = []
        for t in targets:
            if t.skipped:
                cells.append("skipped")
            else:
                s = t.samples[call]
                cells.append(f"{statistics.median(s):.2f} / {_p90(s):.2f}")
        lines.append(f"| {call} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_table(targets: list[Target], iterations: int) -> str:
    shown = [t for t in targets if not t.skipped]
    lines = ["| call | " + " | ".join(t.name for t in shown) + " |", "|---|" + "---|" * len(shown)]
    for call in CALLS:
        lines.append(f"| {call} | " + " | ".join(f"{t.cpu[call] / iterations * 1000:.2f}" for t in shown) + " |")
    return "\n".join(lines)


def report(targets: list[Target], iterations: int, warmup: int, command: str) -> str:
    versions = "\n".join(
        f"- {t.name}: " + (f"skipped — {t.skipped}" if t.skipped else t.version) for t in targets
    )
    return f"""## Sandbox latency

Per-call latency in milliseconds, **median / p90**, of a lesson's calls through boto3 {md.version('boto3')}
over loopback HTTP; {iterations} interleaved iterations per call and target (round-robin, rotating order)
after {warmup} warm-up rounds.

{table(targets)}

The servers' own CPU time per call, in milliseconds (user + system, summed over the measured calls: a measure
that the machine's other load hardly moves):

{cpu_table(targets, iterations)}

- Date: {dt.datetime.now().astimezone().isoformat(timespec="minutes")}
- Machine: {os.cpu_count()} cores ({_cpu()}), {platform.system()} {platform.release()}, \
Python {platform.python_version()}
{versions}
- Command: `{command}`
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--cognito-local", metavar="PATH", help="cognito-local package folder or its start.js")
    parser.add_argument("--only", nargs="+", metavar="TARGET",
                        choices=["sandbox", "sandbox-baseline", "sandbox-waitress", "sandbox-cheroot", "moto",
                                 "cognito-local"],
                        help="measure only these targets (sandbox-waitress, sandbox-cheroot: the sandbox's app under "
                             "those servers, bench/http_servers.py)")
    parser.add_argument("--baseline", metavar="REV",
                        help="also measure the sandbox of git revision REV (target sandbox-baseline)")
    parser.add_argument("--write", metavar="MD", help="write the section to this Markdown file")
    args = parser.parse_args(argv)
    wanted = args.only or ["sandbox", *(["sandbox-baseline"] if args.baseline else []), "moto", "cognito-local"]
    starters = {
        "sandbox": start_sandbox,
        "sandbox-baseline": lambda: start_sandbox(args.baseline or "HEAD"),
        "sandbox-waitress": lambda: start_sandbox_on("WaitressServer", "waitress", "sandbox on waitress"),
        "sandbox-cheroot": lambda: start_sandbox_on("CherootServer", "cheroot", "sandbox on cheroot"),
        "moto": start_moto_server,
        "cognito-local": lambda: start_cognito_local(args.cognito_local),
    }
    targets: list[Target] = []
    try:
        for name in wanted:
            try:
                target = starters[name]()
            except Exception as exc:  # noqa: BLE001 - reported, never silently dropped
                target = Target(name, skipped=f"failed to start: {exc}")
            targets.append(target)
            if not target.skipped:
                try:
                    prepare(target)
                except Exception as exc:  # noqa: BLE001 - that target is skipped and says why; the others run
                    target.stop()
                    target.skipped = f"setup failed: {exc}"
        measure([t for t in targets if not t.skipped], args.iterations, args.warmup)
    finally:
        for t in targets:
            t.stop()
    command = "python bench/sandbox_latency.py " + " ".join(argv if argv is not None else sys.argv[1:])
    section = report(targets, args.iterations, args.warmup, command.strip())
    publish(section, args.write, "## Sandbox latency")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

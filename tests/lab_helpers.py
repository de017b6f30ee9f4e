"""`cognito-mfa-kit lab` run as a user runs it, in a subprocess, and what is left of it afterwards.

Used by ``tests/test_lab_command.py`` and ``tests/test_lab_signals.py`` (fixtures ``lab_env`` and ``run_lab`` in
``tests/conftest.py``).
"""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import psutil
import pytest

from cognito_mfa_kit.labserver import LOG_FILE, STATE_FILE
from cognito_mfa_kit.lifetime import child_command

URL_LINE = re.compile(r"^http://\S+/lab(?:/tree/\S+)?\?token=(\w+)$")
SANDBOX_LINE = re.compile(r"^Cognito sandbox: (http://\S+)")


def sandbox_command(*flags: str) -> list[str]:
    """``cognito-mfa-kit sandbox FLAGS`` as a child that ends with this test process, even if it is killed outright
    (:mod:`cognito_mfa_kit.lifetime`): an interrupted test run leaves no sandbox behind holding a port or a state."""
    return child_command("cognito_mfa_kit", "sandbox", *flags)


def data_folder(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "cognito-mfa-kit"


def state_file(env: dict[str, str]) -> Path:
    return data_folder(env) / STATE_FILE


def log_file(env: dict[str, str]) -> Path:
    return data_folder(env) / LOG_FILE


class LabRun:
    """`python -m cognito_mfa_kit lab ...` in a subprocess, its output read line by line."""

    def __init__(self, env: dict[str, str], *args: str, ignore_sigint: bool = False) -> None:
        notebooks = Path(env["XDG_DATA_HOME"]).parent / "notebooks"
        cmd = [sys.executable, "-m", "cognito_mfa_kit", "lab", "--no-browser", "--port", "0"]
        cmd += ["--notebook-dir", str(notebooks), *args]
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ignore
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url: str | None = None
        self.token: str | None = None
        self.sandbox_url: str | None = None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_url(self, timeout: float = 120) -> str:
        """Read output until the JupyterLab URL line; fails with the output if the lab ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if match := SANDBOX_LINE.match(line):
                self.sandbox_url = match.group(1)
            if match := URL_LINE.match(line):
                self.url, self.token = line, match.group(1)
                return line
        pytest.fail("no JupyterLab URL line; output:\n" + "\n".join(self.lines))

    def output(self, timeout: float = 60) -> str:
        """All output, once the process has ended."""
        self.proc.wait(timeout)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)

    @property
    def base(self) -> str:
        assert self.url
        return self.url.split("/lab", 1)[0]

    @property
    def jupyter_port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def api(self, path: str, method: str = "GET", token: str | None = "auto") -> tuple[int, object]:
        headers = {"Authorization": f"token {self.token if token == 'auto' else token}"} if token else {}
        data = b"{}" if method == "POST" else None
        req = urllib.request.Request(self.base + path, method=method, headers=headers, data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def start_kernel(self) -> psutil.Process:
        """A kernel started through JupyterLab's REST API, as opening a notebook does; its process."""
        status, kernel = self.api("/api/kernels", method="POST")
        assert status == 201, kernel
        assert isinstance(kernel, dict)
        return kernel_process(self, kernel["id"])

    def process_tree(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            for child in self.process_tree():
                child.kill()
            self.proc.kill()
            self.proc.wait(10)


def sandbox_client(url: str):
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def pool_names(url: str) -> list[str]:
    return [p["Name"] for p in sandbox_client(url).list_user_pools(MaxResults=60)["UserPools"]]


def kernel_process(run: LabRun, kernel_id: str) -> psutil.Process:
    for _ in range(100):
        for proc in run.process_tree():
            try:
                if any(kernel_id in part for part in proc.cmdline()):
                    return proc
            except psutil.Error:
                continue
        time.sleep(0.2)
    pytest.fail(f"no kernel process for {kernel_id} under the lab")


def still_running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``procs`` still running (a zombie counts as gone; a reused pid is not the same process)."""
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.Error:
            pass
    return alive


def listening_ports(procs: list[psutil.Process]) -> set[int]:
    """The TCP ports ``procs`` listen on (JupyterLab's, the sandbox's, each kernel's ZeroMQ sockets)."""
    ports = set()
    for proc in procs:
        try:
            for conn in proc.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr:
                    ports.add(conn.laddr.port)
        except psutil.Error:
            pass
    return ports


def port_free(port: int) -> bool:
    """True if a new server could listen on ``port`` now (as servers do: SO_REUSEADDR, loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until_gone(procs: list[psutil.Process], ports: set[int], within: float = 10.0) -> None:
    """Fail unless every process of ``procs`` has ended and every port of ``ports`` is free within ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not still_running(procs) and all(port_free(p) for p in ports):
            return
        time.sleep(0.1)
    left = []
    for proc in still_running(procs):
        try:
            left.append(f"{proc.pid}: {' '.join(proc.cmdline())}")
        except psutil.Error:
            left.append(str(proc.pid))
    busy = sorted(p for p in ports if not port_free(p))
    pytest.fail(f"left behind after {within:.0f} s: processes {left}, ports in use {busy}")


def dead_pid() -> int:
    """The pid of a process that has ended (for stale lock files)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def environ_of(proc: psutil.Process) -> dict[str, str]:
    try:
        return proc.environ()
    except psutil.Error:
        return {}


def wait_for_file(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} did not appear")
        time.sleep(0.1)


"""A hub killed outright (SIGKILL: no clean-up of its own) takes its children with it: JupyterHub (then the users'
servers and the proxy it stops) and the sandbox end with their parent (cognito_mfa_kit.lifetime)."""

from __future__ import annotations

import signal
import socket
import time

import psutil
from hub_helpers import start_hub

from cognito_mfa_kit.hub.client import HubClient


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _listening_ports(process: psutil.Process) -> set[int]:
    """The TCP ports ``process`` listens on (none if it has ended meanwhile: short-lived helpers come and go)."""
    try:
        return {c.laddr.port for c in process.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
    except psutil.NoSuchProcess:
        return set()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _command(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline()[:4])
    except psutil.NoSuchProcess:
        return f"(pid {process.pid}, ended)"


def test_a_hub_killed_outright_leaves_nothing_running(tmp_path) -> None:
    hub = start_hub(tmp_path, "--count", "1")
    try:
        row = hub.rows()[0]
        trainee = HubClient(hub.url)
        assert trainee.sign_in(row["username"], row["hub_password"])
        trainee.start_server()
        processes = psutil.Process(hub.proc.pid).children(recursive=True)
        ports = sorted(set().union(*(_listening_ports(p) for p in processes)))
        assert len(ports) >= 5, "proxy (2), hub, sandbox, the trainee's server"
        hub.proc.send_signal(signal.SIGKILL)
        hub.proc.wait(10)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                [p for p in processes if _alive(p)]
                or [p for p in ports if _listening(p)]):
            time.sleep(0.5)
        assert not [_command(p) for p in processes if _alive(p)], "a child outlived the hub"
        assert not [p for p in ports if _listening(p)], "something still listens"
    finally:
        if hub.proc.poll() is None:
            hub.proc.kill()

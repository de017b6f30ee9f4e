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


def test_a_hub_killed_outright_leaves_nothing_running(tmp_path) -> None:
    hub = start_hub(tmp_path, "--count", "1")
    try:
        row = hub.rows()[0]
        trainee = HubClient(hub.url)
        assert trainee.sign_in(row["username"], row["hub_password"])
        trainee.start_server()
        processes = psutil.Process(hub.proc.pid).children(recursive=True)
        ports = sorted({c.laddr.port for p in processes for c in p.net_connections(kind="tcp")
                        if c.status == psutil.CONN_LISTEN})
        assert len(ports) >= 5, "proxy (2), hub, sandbox, the trainee's server"
        hub.proc.send_signal(signal.SIGKILL)
        hub.proc.wait(10)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
                or [p for p in ports if _listening(p)]):
            time.sleep(0.5)
        assert not [" ".join(p.cmdline()[:4]) for p in processes if p.is_running()
                    and p.status() != psutil.STATUS_ZOMBIE], "a child outlived the hub"
        assert not [p for p in ports if _listening(p)], "something still listens"
    finally:
        if hub.proc.poll() is None:
            hub.proc.kill()

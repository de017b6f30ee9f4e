"""Child processes that end with the lab (or the hub) that started them: each in its own session, stopped together.

>>> sandbox = Child("sandbox", cmd, env=env, log=log, stdout=subprocess.PIPE)
>>> stop_all([jupyter, sandbox], timeout=15, hurried=lambda: hurry_flag)

:func:`stop_all` asks every child to stop (SIGTERM: JupyterLab shuts its kernels down, JupyterHub its users'
servers and its proxy), waits, then kills what is left: each child's process group and every process found under
them before (kernels and users' servers run in sessions of their own, so not in their parent's group). Nothing ever
cuts the clean-up short; ``hurried()`` only skips the waiting. The children themselves start through
:mod:`cognito_mfa_kit.lifetime`, so they end with their parent even if it is killed outright.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import IO

import psutil


class Child:
    """A child process in its own session (process group)."""

    def __init__(self, name: str, cmd: list[str], *, env: dict[str, str], log: IO[bytes], stdout: int | IO[bytes],
                 cwd: str | os.PathLike[str] | None = None):
        self.name = name
        self.proc = subprocess.Popen(  # noqa: S603 - the kit's own command line (a list, no shell)
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=log, start_new_session=True, cwd=cwd
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def descendants(self) -> list[psutil.Process]:
        """The processes started under it (kernels run in sessions of their own, so not in its group)."""
        if not self.running():
            return []
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            return []

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM)."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to its process group (anything of it still there) and to it; then reap it."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.running():
            self.proc.kill()
        # SIGKILL'd: only an uninterruptible sleep delays it (then it is left to init)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def still_running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``procs`` still alive (not zombies)."""
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.Error:
            pass
    return alive


def signal_all(procs: list[psutil.Process], sig: int) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(sig)  # psutil checks the pid was not reused meanwhile


def stop_all(children: list[Child], *, timeout: float, hurried: Callable[[], bool] = lambda: False,
             grace: float = 3.0) -> None:
    """Stop ``children`` in order (SIGTERM each, wait up to ``timeout`` s for all), then kill what is left of them
    and of every process under them; ``hurried()`` true skips the waiting."""
    under = [p for child in children for p in child.descendants()]  # before they go (kernels, servers, ...)
    for child in children:
        child.terminate()
    deadline = time.monotonic() + timeout
    while not hurried() and time.monotonic() < deadline and any(c.running() for c in children):
        time.sleep(0.05)
    for child in children:
        child.kill()
    left = still_running(under)  # e.g. kernels JupyterLab could not shut down
    if left and not hurried():
        signal_all(left, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while not hurried() and time.monotonic() < deadline and still_running(left):
            time.sleep(0.05)
    signal_all(still_running(left), signal.SIGKILL)

"""How the kit's long-running processes end: on a stop signal, and with the process that started them.

Two halves of one rule, "nothing outlives the lab":

- :class:`StopSignals` (in the process that stops): SIGINT, SIGTERM and SIGHUP all ask for a stop; a second signal
  while stopping asks to hurry (kill what is left), it never cuts the clean-up short. The handlers only set flags,
  so no clean-up is ever interrupted half-way by an exception. A SIGHUP ignored from the start (``nohup``) stays
  ignored; a SIGINT ignored from the start (a shell script's background job) does not.
- :func:`exit_with_parent` (in a child): the child ends when the process that started it dies, even if that one was
  killed outright (SIGKILL) and could clean nothing up. On Linux ``prctl(PR_SET_PDEATHSIG)`` makes the kernel send
  the child SIGTERM at once; a watchdog thread (everywhere) notices the new parent and, if the child is still there
  after a grace period, kills it. Elsewhere the watchdog sends the SIGTERM itself (within half a second).

The child arms itself, at start, rather than through ``preexec_fn``: ``preexec_fn`` is unsafe in a parent with
threads (the test processes have several), and only the child can run the watchdog. Children start through this
module, which arms and then runs the real program in the same process::

    python -m cognito_mfa_kit.lifetime PARENT_PID MODULE [ARG...]    # like `python -m MODULE ARG...`

(:func:`child_command` builds that line). A kernel, started by JupyterLab rather than by the lab, already does the
same: jupyter_client gives it ``JPY_PARENT_PID`` and ipykernel's parent poller ends it once JupyterLab is gone.

PR_SET_PDEATHSIG fires when the *thread* that started the child ends: start children from a thread that lives as
long as they should (the main thread).
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

#: the signals that stop a lab or a sandbox (SIGHUP: the terminal was closed)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
#: seconds a child whose parent died is given to stop cleanly before the watchdog kills it
GRACE = 5.0
_PR_SET_PDEATHSIG = 1


class StopSignals:
    """While active (a context manager), the first stop signal sets :attr:`requested` and calls ``on_request``;
    later ones call ``on_hurry``.

    Both callbacks run in the signal handler: they should only set a flag (or do something as small).
    """

    def __init__(
        self, on_request: Callable[[], None] | None = None, on_hurry: Callable[[], None] | None = None
    ) -> None:
        self.on_request = on_request
        self.on_hurry = on_hurry
        #: the first stop signal received (``None``: none yet)
        self.requested: signal.Signals | None = None
        self.count = 0
        self._previous: dict[signal.Signals, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002 - a signal handler's signature
        self.count += 1
        if self.requested is None:
            self.requested = signal.Signals(signum)
            if self.on_request is not None:
                self.on_request()
        elif self.on_hurry is not None:
            self.on_hurry()

    def __enter__(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            if sig is getattr(signal, "SIGHUP", None) and signal.getsignal(sig) is signal.SIG_IGN:
                continue  # `nohup`: asked to outlive the terminal. (An ignored SIGINT is only a background job's.)
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def sleep_until_requested(self, poll: float = 0.2) -> signal.Signals:
        """Block until a stop signal arrives; returns it."""
        while self.requested is None:
            time.sleep(poll)  # a signal's handler runs during the sleep; the loop sees its flag
        return self.requested


# --------------------------------------------------------------------------- the child side


def child_command(module: str, *args: str, parent: int | None = None) -> list[str]:
    """The command line running ``python -m module args...`` as a child that ends with ``parent`` (default: us)."""
    return [sys.executable, "-m", __name__, str(os.getpid() if parent is None else parent), module, *args]


def _set_pdeathsig(sig: int) -> bool:
    """Linux: have the kernel send ``sig`` to this process when its parent dies. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent: int, *, grace: float = GRACE, poll: float = 0.5) -> None:
    """End this process (SIGTERM, then after ``grace`` s SIGKILL) once ``parent`` is no longer its parent."""
    kernel_signals = _set_pdeathsig(signal.SIGTERM)
    if os.getppid() != parent:  # it died before we could ask (the kernel would not tell us then)
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        if not kernel_signals:
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # still here: a stuck shutdown

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    """``python -m cognito_mfa_kit.lifetime PARENT_PID MODULE [ARG...]``."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or not argv[0].isdigit():
        sys.exit("usage: python -m cognito_mfa_kit.lifetime PARENT_PID MODULE [ARG...]")
    exit_with_parent(int(argv[0]))
    module = argv[1]
    sys.argv = [module, *argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
